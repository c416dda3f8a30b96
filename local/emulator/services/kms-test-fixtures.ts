/**
 * What the KMS service tests share: an emulator with the CloudHSM and KMS services, the real KMS client, and
 * clusters written straight into the state in the shape a customer brings to KMS (ACTIVE, HSMs in two AZs,
 * a `kmsuser` crypto user on every HSM). The CloudHSM service's own tests cover how clusters get there.
 */
import { randomBytes } from 'crypto';
import {
    ConnectCustomKeyStoreCommand,
    CreateCustomKeyStoreCommand,
    DescribeCustomKeyStoresCommand,
    DisconnectCustomKeyStoreCommand,
    KMSClient,
} from '@aws-sdk/client-kms';
import { SharedClock } from '../../clock';
import { fakeCertificatePem } from '../../instance/test-account';
import { Durations } from '../durations';
import { Emulator } from '../server';
import { Cluster, HsmUser } from '../state';
import { cloudHsmService } from './cloudhsm';
import { KmsService, kmsService } from './kms';
import { clientSettings } from './test-client';

export interface KmsHarness {
    clock: SharedClock;
    emulator: Emulator;
    client: KMSClient;
    kms: KmsService;
    durations: Durations;
}

export async function startKms(durations: Partial<Durations> = {}): Promise<KmsHarness> {
    const clock = new SharedClock();
    const emulator = new Emulator({ clock, services: [cloudHsmService, kmsService], durations });
    await emulator.start();
    const client = new KMSClient(clientSettings(emulator));
    return { clock, emulator, client, kms: emulator.service<KmsService>('kms'), durations: emulator.durations };
}

export async function stopKms(harness: KmsHarness): Promise<void> {
    harness.client.destroy();
    await harness.emulator.stop();
}

export function advance(harness: KmsHarness, seconds: number): void {
    harness.clock.advance(seconds);
    harness.emulator.settle();
}

/** Awaits a call that must fail and returns the SDK error (its `name` is the AWS error code). */
export async function failureOf(call: Promise<unknown>): Promise<Error & { name: string; message: string }> {
    try {
        await call;
    } catch (err) {
        return err as Error;
    }
    throw new Error('Expected the call to fail, but it succeeded');
}

export interface KeyStoreClusterOptions {
    state?: Cluster['state'];
    /** One ACTIVE HSM per entry, in that AZ; default one in us-east-1a and one in us-east-1b. */
    hsmZones?: string[];
    /** AZs with a subnet; default those of `hsmZones`, at least us-east-1a and us-east-1b. */
    subnetZones?: string[];
    /** The cluster whose backups this one was restored from (shared backup lineage). */
    lineage?: string;
    trustAnchorPem?: string;
    /** Password of `kmsuser`; no `kmsuser` when null. */
    kmsUserPassword?: string | null;
}

export interface KeyStoreCluster {
    cluster: Cluster;
    clusterId: string;
    trustAnchorPem: string;
    kmsUserPassword: string;
    kmsUser(): HsmUser | undefined;
}

const lowerBase32 = 'abcdefghijklmnopqrstuvwxyz234567';

function randomId(prefix: string): string {
    return `${prefix}-${[...randomBytes(11)].map((b) => lowerBase32[b % 32]).join('')}`;
}

/** An ACTIVE, activated cluster ready for a CloudHSM key store, written into the emulator's state. */
export function addKeyStoreCluster(harness: KmsHarness, options: KeyStoreClusterOptions = {}): KeyStoreCluster {
    const clusterId = randomId('cluster');
    const hsmZones = options.hsmZones ?? ['us-east-1a', 'us-east-1b'];
    const subnetZones = options.subnetZones ?? [...new Set([...hsmZones, 'us-east-1a', 'us-east-1b'])];
    const subnetOf = (zone: string) => `subnet-0${zone.slice(-1)}${clusterId.slice(-15)}`;
    const hsms = hsmZones.map((zone, i) => ({
        hsmId: randomId('hsm'),
        clusterId,
        availabilityZone: zone,
        subnetId: subnetOf(zone),
        eniId: `eni-0${randomBytes(8).toString('hex')}`,
        eniIp: `10.0.${subnetZones.indexOf(zone) + 1}.${10 + i}`,
        state: 'ACTIVE' as const,
        stateMessage: 'HSM created.',
    }));
    const hsmIds = hsms.map((h) => h.hsmId);
    const trustAnchorPem = options.trustAnchorPem ?? fakeCertificatePem();
    const kmsUserPassword = options.kmsUserPassword === undefined ? 'kmsuser-Pa55word' : options.kmsUserPassword;
    const users: HsmUser[] = [{ username: 'admin', role: 'admin', password: 'admin-Pa55word', hsmIds: [...hsmIds], failedLogins: 0, locked: false }];
    if (kmsUserPassword !== null) {
        users.push({ username: 'kmsuser', role: 'crypto-user', password: kmsUserPassword, hsmIds: [...hsmIds], failedLogins: 0, locked: false });
    }
    const cluster: Cluster = {
        clusterId,
        state: options.state ?? 'ACTIVE',
        stateMessage: '',
        hsmType: 'hsm2m.medium',
        mode: 'FIPS',
        networkType: 'IPV4',
        subnetMapping: Object.fromEntries(subnetZones.map((zone) => [zone, subnetOf(zone)])),
        vpcId: 'vpc-0a1b2c3d4e5f60718',
        securityGroup: `sg-0${randomBytes(8).toString('hex')}`,
        createTimestamp: harness.clock.now() / 1000,
        backupRetentionDays: 90,
        tags: {},
        hsms,
        pki: { csrPem: '', publicKeyPem: '', trustAnchorPem, clusterCertificatePem: fakeCertificatePem() },
        users,
        lineage: options.lineage,
    };
    harness.emulator.state.clusters.set(clusterId, cluster);
    return {
        cluster,
        clusterId,
        trustAnchorPem,
        // Without a kmsuser, the password KMS is told is one the cluster would have had.
        kmsUserPassword: kmsUserPassword ?? 'kmsuser-Pa55word',
        kmsUser: () => cluster.users.find((u) => u.username === 'kmsuser'),
    };
}

export async function describeKeyStore(harness: KmsHarness, customKeyStoreId: string) {
    const { CustomKeyStores } = await harness.client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: customKeyStoreId }));
    if (!CustomKeyStores || CustomKeyStores.length !== 1) throw new Error(`DescribeCustomKeyStores did not return ${customKeyStoreId}`);
    return CustomKeyStores[0];
}

/** CreateCustomKeyStore for the cluster, told the cluster's current kmsuser password. */
export async function createKeyStore(harness: KmsHarness, cluster: KeyStoreCluster, name = `store-${cluster.clusterId}`): Promise<string> {
    const { CustomKeyStoreId } = await harness.client.send(
        new CreateCustomKeyStoreCommand({
            CustomKeyStoreName: name,
            CloudHsmClusterId: cluster.clusterId,
            TrustAnchorCertificate: cluster.trustAnchorPem,
            KeyStorePassword: cluster.kmsUserPassword,
        }),
    );
    return CustomKeyStoreId!;
}

/** ConnectCustomKeyStore, then lets the connection complete. */
export async function connectKeyStore(harness: KmsHarness, customKeyStoreId: string): Promise<void> {
    await harness.client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
    advance(harness, harness.durations.keyStoreConnectSeconds);
}

/** DisconnectCustomKeyStore, then lets the disconnection complete. */
export async function disconnectKeyStore(harness: KmsHarness, customKeyStoreId: string): Promise<void> {
    await harness.client.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
    advance(harness, harness.durations.keyStoreDisconnectSeconds);
}
