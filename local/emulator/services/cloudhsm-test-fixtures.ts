/**
 * What the CloudHSM service tests share: an emulator with a small network, the real SDK client, raw wire
 * calls (the 3.332 deserializer drops Mode and NetworkType), a customer CA made with the openssl CLI, and the
 * steps that bring a cluster to INITIALIZED or ACTIVE the way a customer does.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
    CloudHSMV2Client,
    CreateClusterCommand,
    CreateHsmCommand,
    DescribeClustersCommand,
    InitializeClusterCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { SharedClock } from '../../clock';
import { Durations } from '../durations';
import { Emulator } from '../server';
import { Cluster } from '../state';
import { CloudHsmService, cloudHsmService } from './cloudhsm';
import { clientSettings } from './test-client';

export interface CloudHsmHarness {
    clock: SharedClock;
    emulator: Emulator;
    client: CloudHSMV2Client;
    service: CloudHsmService;
    durations: Durations;
}

/**
 * One VPC with a subnet in each of three AZs (IPv6 blocks on A and B only), a second subnet in us-east-1a, and
 * a subnet of another VPC.
 */
export const network = {
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    subnetA: 'subnet-0aaaaaaaaaaaaaaa1',
    subnetB: 'subnet-0bbbbbbbbbbbbbbb2',
    subnetC: 'subnet-0ccccccccccccccc3',
    secondSubnetA: 'subnet-0aaaaaaaaaaaaaaa4',
    otherVpcId: 'vpc-0999999999999999a',
    otherVpcSubnetB: 'subnet-0999999999999999b',
};

export async function startCloudHsm(durations: Partial<Durations> = {}): Promise<CloudHsmHarness> {
    const clock = new SharedClock();
    const emulator = new Emulator({ clock, services: [cloudHsmService], durations });
    await emulator.start();
    const state = emulator.state;
    state.vpcs.set(network.vpcId, { vpcId: network.vpcId });
    state.vpcs.set(network.otherVpcId, { vpcId: network.otherVpcId });
    const subnets: Array<[string, string, string, string, string?]> = [
        [network.subnetA, network.vpcId, 'us-east-1a', '10.0.1.0/24', '2600:1f18:4b2:9a01::/64'],
        [network.subnetB, network.vpcId, 'us-east-1b', '10.0.2.0/24', '2600:1f18:4b2:9a02::/64'],
        [network.subnetC, network.vpcId, 'us-east-1c', '10.0.3.0/24'],
        [network.secondSubnetA, network.vpcId, 'us-east-1a', '10.0.4.0/24'],
        [network.otherVpcSubnetB, network.otherVpcId, 'us-east-1b', '10.9.2.0/24'],
    ];
    for (const [subnetId, vpcId, availabilityZone, cidr, ipv6Cidr] of subnets) {
        state.subnets.set(subnetId, { subnetId, vpcId, availabilityZone, cidr, ...(ipv6Cidr ? { ipv6Cidr } : {}) });
    }
    const client = new CloudHSMV2Client(clientSettings(emulator));
    return { clock, emulator, client, service: emulator.service<CloudHsmService>('cloudhsmv2'), durations: emulator.durations };
}

export async function stopCloudHsm(harness: CloudHsmHarness): Promise<void> {
    harness.client.destroy();
    await harness.emulator.stop();
}

/**
 * Puts members the 3.332 serializer knows nothing of (Mode, NetworkType) into the wire JSON, as the product
 * does; `only` limits it to one operation.
 */
export function addWireMembers(client: CloudHSMV2Client, members: Record<string, unknown>, only?: string): void {
    client.middlewareStack.add(
        (next) => async (args) => {
            const request = args.request as { body: string; headers: Record<string, string> };
            if (!only || request.headers['x-amz-target'] === `BaldrApiService.${only}`) {
                request.body = JSON.stringify({ ...JSON.parse(request.body), ...members });
                if (request.headers['content-length'] !== undefined) {
                    request.headers['content-length'] = String(Buffer.byteLength(request.body));
                }
            }
            return next(args);
        },
        { step: 'build', name: 'addWireMembers' },
    );
}

/** A call as the wire carries it, for members the old SDK does not deserialize. */
export async function rawCall(endpoint: string, action: string, body: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `BaldrApiService.${action}` },
        body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
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

export function advance(harness: CloudHsmHarness, seconds: number): void {
    harness.clock.advance(seconds);
    harness.emulator.settle();
}

export function clusterOf(harness: CloudHsmHarness, clusterId: string): Cluster {
    const cluster = harness.service.findCluster(clusterId);
    if (!cluster) throw new Error(`No cluster ${clusterId}`);
    return cluster;
}

export async function describeCluster(harness: CloudHsmHarness, clusterId: string) {
    const { Clusters } = await harness.client.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
    if (!Clusters || Clusters.length !== 1) throw new Error(`DescribeClusters did not return ${clusterId}`);
    return Clusters[0];
}

interface CustomerCa {
    directory: string;
    trustAnchorPem: string;
}

let customerCa: CustomerCa | undefined;

/** The customer's root CA (RSA 2048, CA:TRUE), made once per test process with the openssl CLI. */
function theCustomerCa(): CustomerCa {
    if (customerCa) return customerCa;
    const directory = mkdtempSync(join(tmpdir(), 'cloudhsm-test-ca-'));
    execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=Test Customer CA',
            '-addext', 'basicConstraints=critical,CA:TRUE'],
        { cwd: directory, stdio: 'pipe' },
    );
    customerCa = { directory, trustAnchorPem: readFileSync(join(directory, 'ca.crt'), 'utf8') };
    process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
    return customerCa;
}

/** Signs a cluster CSR with the customer CA, as the customer does before InitializeCluster. */
export function signClusterCsr(csrPem: string): { signedCertPem: string; trustAnchorPem: string } {
    const ca = theCustomerCa();
    const name = `cluster-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(ca.directory, `${name}.csr`), csrPem);
    execFileSync(
        'openssl',
        ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '365'],
        { cwd: ca.directory, stdio: 'pipe' },
    );
    return { signedCertPem: readFileSync(join(ca.directory, `${name}.crt`), 'utf8'), trustAnchorPem: ca.trustAnchorPem };
}

export async function createUninitializedCluster(harness: CloudHsmHarness, subnetIds = [network.subnetA, network.subnetB]) {
    const { Cluster } = await harness.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: subnetIds }));
    advance(harness, harness.durations.clusterCreateSeconds);
    return Cluster!.ClusterId!;
}

/** Create → first HSM → CSR → signed certificate → InitializeCluster → INITIALIZED. Returns the cluster and HSM IDs. */
export async function createInitializedCluster(harness: CloudHsmHarness, subnetIds?: string[]) {
    const clusterId = await createUninitializedCluster(harness, subnetIds);
    const { Hsm } = await harness.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }));
    advance(harness, harness.durations.hsmCreateSeconds);
    const csrPem = (await describeCluster(harness, clusterId)).Certificates!.ClusterCsr!;
    const { signedCertPem, trustAnchorPem } = signClusterCsr(csrPem);
    await harness.client.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: signedCertPem, TrustAnchor: trustAnchorPem }));
    advance(harness, harness.durations.clusterInitializeSeconds);
    return { clusterId, firstHsmId: Hsm!.HsmId!, signedCertPem, trustAnchorPem };
}

/** What `cloudhsm-cli cluster activate` does to the cluster (the CLI stand-in is written elsewhere). */
export function activateCluster(harness: CloudHsmHarness, clusterId: string, adminPassword: string): void {
    const cluster = clusterOf(harness, clusterId);
    const admin = cluster.users.find((u) => u.username === 'admin')!;
    admin.role = 'admin';
    admin.password = adminPassword;
    cluster.state = 'ACTIVE';
    harness.service.noteClusterChanged(clusterId);
}

/** What `cloudhsm-cli user create` does: the user lands on every HSM and the service takes a backup. */
export function addCryptoUser(harness: CloudHsmHarness, clusterId: string, username: string, password: string): void {
    const cluster = clusterOf(harness, clusterId);
    const hsmIds = cluster.hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId);
    cluster.users.push({ username, role: 'crypto-user', password, hsmIds, failedLogins: 0, locked: false });
    harness.service.noteClusterChanged(clusterId);
}
