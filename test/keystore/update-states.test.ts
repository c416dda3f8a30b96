/**
 * Every update combination from every connection state a key store can be found in, through the real
 * entrypoint: a rename, a kmsuser password rotation, a move to a related cluster, a change of
 * DesiredConnectionState, and all of them at once; from CONNECTED, DISCONNECTED, CONNECTING, FAILED, and
 * DISCONNECTED by a rotation that failed on the way. Each must end as declared, with KMS holding the password
 * kmsuser has on the HSMs, by the shortest path KMS allows (checked as the sequence of changing calls).
 *
 * One store lives through all the scenarios, moving between two related clusters; each scenario first puts it
 * in its starting state through KMS's API (and the cluster's state where AWS offers no API: a kmsuser that
 * replication lost on one HSM, and the HSM replaced afterwards).
 */
import { ConnectCustomKeyStoreCommand, DisconnectCustomKeyStoreCommand, KMSClient } from '@aws-sdk/client-kms';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { activeHsmIds, advanceSeconds, expectSuccess, hsmUser, KMS_USER, keyStoreProperties, kmsClient, kmsOf, liveSecret, mutatingCallSequence } from './key-store-support';

const DISCONNECT = 'kms:DisconnectCustomKeyStore';
const CONNECT = 'kms:ConnectCustomKeyStore';
const UPDATE = 'kms:UpdateCustomKeyStore';
/** A rotation: new password in the secret, set on the HSMs, told to KMS (with any name and cluster), then recorded. */
const ROTATION = ['secretsmanager:PutSecretValue', 'ssm:SendCommand', UPDATE, 'secretsmanager:TagResource'];
/** Before a rotation changes anything, the management instance checks the admin secret's form. */
const CHECK = 'ssm:SendCommand';

type Change = 'rename' | 'rotate' | 'move' | 'connection' | 'all at once';
const CHANGES: Change[] = ['rename', 'rotate', 'move', 'connection', 'all at once'];

interface StartingState {
    name: string;
    /** What the stack declared before this update. */
    declared: 'CONNECTED' | 'DISCONNECTED';
    expected: Record<Change, string[]>;
}

const STATES: StartingState[] = [
    {
        name: 'CONNECTED',
        declared: 'CONNECTED',
        expected: {
            rename: [UPDATE],
            rotate: [CHECK, DISCONNECT, ...ROTATION, CONNECT],
            move: [CHECK, DISCONNECT, ...ROTATION, CONNECT],
            connection: [DISCONNECT],
            'all at once': [CHECK, DISCONNECT, ...ROTATION],
        },
    },
    {
        name: 'DISCONNECTED',
        declared: 'DISCONNECTED',
        expected: { rename: [UPDATE], rotate: [CHECK, ...ROTATION], move: [CHECK, ...ROTATION], connection: [CONNECT], 'all at once': [CHECK, ...ROTATION, CONNECT] },
    },
    {
        // Waited for: the connection under way is the one a rename wants.
        name: 'CONNECTING',
        declared: 'CONNECTED',
        expected: {
            rename: [UPDATE],
            rotate: [CHECK, DISCONNECT, ...ROTATION, CONNECT],
            move: [CHECK, DISCONNECT, ...ROTATION, CONNECT],
            connection: [DISCONNECT],
            'all at once': [CHECK, DISCONNECT, ...ROTATION],
        },
    },
    {
        // KMS renames and connects a FAILED store only once it is disconnected.
        name: 'FAILED',
        declared: 'CONNECTED',
        expected: {
            rename: [DISCONNECT, UPDATE, CONNECT],
            rotate: [CHECK, DISCONNECT, ...ROTATION, CONNECT],
            move: [CHECK, DISCONNECT, ...ROTATION, CONNECT],
            connection: [DISCONNECT],
            'all at once': [CHECK, DISCONNECT, ...ROTATION],
        },
    },
    {
        // KMS never got the failed rotation's password, which kmsuser now has: every update rotates again.
        name: 'DISCONNECTED by a failed rotation',
        declared: 'CONNECTED',
        expected: { rename: [CHECK, ...ROTATION, CONNECT], rotate: [CHECK, ...ROTATION, CONNECT], move: [CHECK, ...ROTATION, CONNECT], connection: [CHECK, ...ROTATION], 'all at once': [CHECK, ...ROTATION] },
    },
];

let aws: LocalAws;
let kms: KMSClient;
let clusterIds: [string, string];
let adminSecretArns: Record<string, string>;
let keyStoreId: string;
let kmsUserSecretArn: string;
/** The properties CloudFormation holds for the store. */
let current: Record<string, unknown>;
let renames = 0;

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
const store = () => kmsOf(aws).findKeyStore(keyStoreId)!;
const kmsUserOn = (clusterId: string) => hsmUser(aws, clusterId, KMS_USER)[0];
const passwordVersionTag = () => liveSecret(aws, kmsUserSecretArn)!.tags.find((t) => t.Key === 'cloudhsm-type:kmsuser-password-version')?.Value;

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
    aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
    kms = kmsClient(aws);
    const cluster = await readyCluster(aws);
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'states-keys' });
    const created = await keyStores().create(properties);
    expectSuccess(created);
    keyStoreId = created.model!.KeyStoreId as string;
    kmsUserSecretArn = created.model!.KmsUserSecretArn as string;
    current = { ...properties, KeyStoreId: keyStoreId, KmsUserPasswordVersion: 1, DesiredConnectionState: 'CONNECTED' };
    // The related cluster: restored from a backup taken after kmsuser existed, so both hold kmsuser.
    advanceSeconds(aws, 2 * aws.emulator.durations.backupCreateSeconds);
    const backup = [...aws.emulator.state.backups.values()]
        .filter((b) => b.clusterId === cluster.ClusterId && b.state === 'READY' && b.users.some((u) => u.username === KMS_USER))
        .sort((a, b) => b.createTimestamp - a.createTimestamp)[0];
    // The stack names the source cluster's secrets, so the restored cluster gets its own admin secret copy.
    const related = await readyCluster(aws, {
        SourceBackupId: backup.backupId,
        SourceAdminSecretArn: cluster.AdminSecretArn,
        SourceTrustAnchorSecretArn: cluster.TrustAnchorSecretArn,
        SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.c],
    });
    clusterIds = [cluster.ClusterId as string, related.ClusterId as string];
    adminSecretArns = { [cluster.ClusterId as string]: cluster.AdminSecretArn as string, [related.ClusterId as string]: related.AdminSecretArn as string };
});
afterAll(async () => {
    kms?.destroy();
    await aws.stop();
});

async function disconnected(): Promise<void> {
    if (store().connectionState === 'DISCONNECTED') return;
    if (store().connectionState !== 'DISCONNECTING') await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    advanceSeconds(aws, aws.emulator.durations.keyStoreDisconnectSeconds);
}

async function connected(): Promise<void> {
    await disconnected();
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    advanceSeconds(aws, aws.emulator.durations.keyStoreConnectSeconds);
    expect(store().connectionState).toBe('CONNECTED');
}

/** Replication loses kmsuser on one HSM of the store's cluster; `replaced` puts it back as a replaced HSM would have it. */
function loseKmsUserOnOneHsm(): { replaced: () => void } {
    const kmsUser = kmsUserOn(store().clusterId!);
    const everyHsm = [...kmsUser.hsmIds];
    kmsUser.hsmIds = everyHsm.slice(0, 1);
    return { replaced: () => (kmsUser.hsmIds = everyHsm) };
}

/** Puts the store in `state`, and `current` as CloudFormation would hold it then. */
async function seed(state: StartingState): Promise<void> {
    switch (state.name) {
        case 'CONNECTED':
            await connected();
            break;
        case 'DISCONNECTED':
            await disconnected();
            break;
        case 'CONNECTING':
            await disconnected();
            await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
            break;
        case 'FAILED': {
            await disconnected();
            const hsm = loseKmsUserOnOneHsm();
            await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
            advanceSeconds(aws, aws.emulator.durations.keyStoreConnectSeconds);
            expect(store()).toMatchObject({ connectionState: 'FAILED', connectionErrorCode: 'USER_NOT_FOUND' });
            hsm.replaced();
            break;
        }
        default: {
            await connected();
            const hsm = loseKmsUserOnOneHsm();
            const failedRotation = { ...current, DesiredConnectionState: 'CONNECTED', KmsUserPasswordVersion: (current.KmsUserPasswordVersion as number) + 1 };
            const failed = await keyStores().update({ ...current, DesiredConnectionState: 'CONNECTED' }, failedRotation);
            expect(failed.message).toMatch(/does not cover every HSM/);
            hsm.replaced();
            // The stack keeps what the failed update asked for (no rollback); kmsuser has a password KMS was never told.
            current = failedRotation;
            expect(store().connectionState).toBe('DISCONNECTED');
            expect(store().kmsUserPassword).not.toBe(kmsUserOn(store().clusterId!).password);
        }
    }
    current = { ...current, DesiredConnectionState: state.declared };
}

function desiredAfter(change: Change): Record<string, unknown> {
    const desired = { ...current };
    if (change === 'rename' || change === 'all at once') desired.KeyStoreName = `states-keys-${++renames}`;
    if (change === 'rotate' || change === 'all at once') desired.KmsUserPasswordVersion = (current.KmsUserPasswordVersion as number) + 1;
    if (change === 'move' || change === 'all at once') {
        desired.ClusterId = clusterIds.find((id) => id !== current.ClusterId);
        // Each cluster's own admin secret: the key store checks the secret's cluster ID tag.
        desired.AdminSecretArn = adminSecretArns[desired.ClusterId as string];
    }
    if (change === 'connection' || change === 'all at once') desired.DesiredConnectionState = current.DesiredConnectionState === 'CONNECTED' ? 'DISCONNECTED' : 'CONNECTED';
    return desired;
}

describe.each(STATES)('GIVEN a key store found $name', (state) => {
    test.each(CHANGES)('WHEN the update asks for %s THEN it ends as declared, by the shortest path', async (change) => {
        // GIVEN
        await seed(state);
        expect(store().connectionState).toBe(state.name === 'DISCONNECTED by a failed rotation' ? 'DISCONNECTED' : state.name);
        const desired = desiredAfter(change);
        const callsFrom = aws.emulator.calls.length;

        // WHEN
        const report = await keyStores().update(current, desired);

        // THEN
        expectSuccess(report);
        current = desired;
        expect(mutatingCallSequence(aws, callsFrom)).toEqual(state.expected[change]);
        const declared = { KeyStoreName: desired.KeyStoreName, ClusterId: desired.ClusterId, KmsUserPasswordVersion: desired.KmsUserPasswordVersion };
        expect(report.model).toMatchObject({ ...declared, ConnectionState: desired.DesiredConnectionState, DesiredConnectionState: desired.DesiredConnectionState });
        expect(store()).toMatchObject({ name: desired.KeyStoreName, clusterId: desired.ClusterId, connectionState: desired.DesiredConnectionState });
        expect(passwordVersionTag()).toBe(String(desired.KmsUserPasswordVersion));
        // KMS holds the password kmsuser has, on every HSM: connected, or able to connect.
        const kmsUser = kmsUserOn(desired.ClusterId as string);
        expect(store().kmsUserPassword).toBe(kmsUser.password);
        expect([...kmsUser.hsmIds].sort()).toEqual(activeHsmIds(aws, desired.ClusterId as string));
    });
});
