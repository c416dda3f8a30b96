/**
 * Every update path of a connected key store, each checked in the returned model, in the emulated account and
 * in the calls made: nothing, a rename, a kmsuser password rotation, disconnecting and reconnecting, a move to
 * a related cluster, and the changes the type must refuse.
 */
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, OpensslCa, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import {
    activeHsmIds,
    advanceSeconds,
    cliUserCommands,
    expectSuccess,
    hsmUser,
    KMS_USER,
    keyStoreProperties,
    kmsOf,
    liveSecret,
    mutatingCalls,
    mutatingCallSequence,
    passwordIn,
} from './key-store-support';

let aws: LocalAws;
let cluster: Record<string, unknown>;
let current: Record<string, unknown>;
let keyStoreId: string;
let kmsUserSecretArn: string;

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
    aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
    cluster = await readyCluster(aws);
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'orders-keys' });
    const created = await keyStores().create(properties);
    expectSuccess(created);
    keyStoreId = created.model!.KeyStoreId as string;
    kmsUserSecretArn = created.model!.KmsUserSecretArn as string;
    current = { ...properties, KeyStoreId: keyStoreId };
});
afterAll(() => aws.stop());

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
const store = () => kmsOf(aws).findKeyStore(keyStoreId)!;
const passwordVersionTag = () => liveSecret(aws, kmsUserSecretArn)!.tags.find((t) => t.Key === 'cloudhsm-type:kmsuser-password-version')?.Value;

/** Updates from `current` to `current` with `changes`; on success the changes become current. */
async function update(changes: Record<string, unknown>) {
    const desired = { ...current, ...changes };
    const callsFrom = aws.emulator.calls.length;
    const cliFrom = aws.instances.invocations.length;
    const report = await keyStores().update(current, desired);
    if (report.status === 'SUCCESS') current = desired;
    return { report, sequence: mutatingCallSequence(aws, callsFrom), cliCommands: cliUserCommands(aws, cliFrom) };
}

test('an update that changes nothing makes no call that changes anything', async () => {
    const { report, sequence } = await update({});

    expectSuccess(report);
    expect(mutatingCalls(report.calls)).toEqual([]);
    expect(sequence).toEqual([]);
    expect(report.invocations).toBe(1);
    expect(report.model).toMatchObject({ KeyStoreId: keyStoreId, ConnectionState: 'CONNECTED', KmsUserPasswordVersion: 1 });
});

test('a rename happens while connected: one UpdateCustomKeyStore, no disconnect or connect', async () => {
    const { report, sequence } = await update({ KeyStoreName: 'orders-keys-v2' });

    expectSuccess(report);
    expect(sequence).toEqual(['kms:UpdateCustomKeyStore']);
    expect(report.model).toMatchObject({ KeyStoreName: 'orders-keys-v2', ConnectionState: 'CONNECTED' });
    expect(store()).toMatchObject({ name: 'orders-keys-v2', connectionState: 'CONNECTED' });
});

describe('a rotation sends the kmsuser script: its instance and admin secret are checked first', () => {
    test.each([
        [
            "an SSM-managed instance outside the cluster's VPC",
            async () => ({ ManagementInstanceId: addManagementInstance(aws.emulator.state, aws.network.otherVpcSubnetId).instanceId }),
            /^ManagementInstanceId: .*not in the cluster's VPC/,
        ],
        ['an admin secret without the cluster ID tag', async () => ({ AdminSecretArn: await handMadeAdminSecret('untagged-admin', []) }), /^AdminSecretArn: .*must carry the tag cloudhsm-type:cluster-id=/],
    ])('%s is refused with InvalidRequest before anything changes', async (_what, changes, message) => {
        // GIVEN the connected store and the commands sent so far
        const commandsBefore = [...aws.emulator.state.commands.values()].flat().length;

        // WHEN a rotation names them
        const { report, sequence } = await update({ KmsUserPasswordVersion: 2, ...(await changes()) });

        // THEN
        expect({ status: report.status, errorCode: report.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(report.message).toMatch(message);
        expect(sequence).toEqual([]);
        expect([...aws.emulator.state.commands.values()].flat().length).toBe(commandsBefore);
        expect(store()).toMatchObject({ connectionState: 'CONNECTED', clusterId: cluster.ClusterId });
    });
});

/** A secret made by hand with the cluster's admin password, tagged `tags`: only the tag tells it from the cluster's own. */
async function handMadeAdminSecret(name: string, tags: Array<{ Key: string; Value: string }>): Promise<string> {
    const secrets = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    const password = passwordIn(aws, cluster.AdminSecretArn as string);
    const made = await secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ username: 'admin', password }), Tags: tags }));
    secrets.destroy();
    return made.ARN!;
}

test('a rotation disconnects, sets a new kmsuser password in the secret, on the HSMs and in KMS, and reconnects', async () => {
    const passwordBefore = passwordIn(aws, kmsUserSecretArn);

    const { report, sequence, cliCommands } = await update({ KmsUserPasswordVersion: 2 });

    expectSuccess(report);
    // The admin secret's form is checked on the instance before anything changes; the secret's version tag moves
    // only once KMS has the new password.
    expect(sequence).toEqual([
        'ssm:SendCommand',
        'kms:DisconnectCustomKeyStore',
        'secretsmanager:PutSecretValue',
        'ssm:SendCommand',
        'kms:UpdateCustomKeyStore',
        'secretsmanager:TagResource',
        'kms:ConnectCustomKeyStore',
    ]);
    expect(report.model).toMatchObject({ KmsUserPasswordVersion: 2, ConnectionState: 'CONNECTED', DesiredConnectionState: 'CONNECTED', KeyStoreName: 'orders-keys-v2' });
    const newPassword = passwordIn(aws, kmsUserSecretArn);
    expect(newPassword).not.toBe(passwordBefore);
    expect(passwordVersionTag()).toBe('2');
    // The script set exactly the secret's new password on the HSMs (before KMS took kmsuser over again).
    expect(cliCommands.map((c) => [c.command, c.typedAtPrompt, c.passwordFrom, c.exitCode])).toEqual([[`user change-password ${KMS_USER}`, newPassword, 'terminal', 0]]);
    expect(store().connectionState).toBe('CONNECTED');
    expect((await keyStores().read({ KeyStoreId: keyStoreId })).model).toMatchObject({ KmsUserPasswordVersion: 2, ConnectionState: 'CONNECTED' });
});

test('DesiredConnectionState DISCONNECTED disconnects and changes nothing else; CONNECTED connects again', async () => {
    const passwordBefore = passwordIn(aws, kmsUserSecretArn);

    const disconnected = await update({ DesiredConnectionState: 'DISCONNECTED' });

    expectSuccess(disconnected.report);
    expect(disconnected.sequence).toEqual(['kms:DisconnectCustomKeyStore']);
    expect(disconnected.report.model).toMatchObject({ ConnectionState: 'DISCONNECTED', DesiredConnectionState: 'DISCONNECTED', KmsUserPasswordVersion: 2, KeyStoreName: 'orders-keys-v2' });
    expect(store()).toMatchObject({ connectionState: 'DISCONNECTED', name: 'orders-keys-v2', clusterId: cluster.ClusterId });
    expect(passwordIn(aws, kmsUserSecretArn)).toBe(passwordBefore);

    const connected = await update({ DesiredConnectionState: 'CONNECTED' });

    expectSuccess(connected.report);
    expect(connected.sequence).toEqual(['kms:ConnectCustomKeyStore']);
    expect(connected.report.model).toMatchObject({ ConnectionState: 'CONNECTED', DesiredConnectionState: 'CONNECTED', KmsUserPasswordVersion: 2 });
    expect(store().connectionState).toBe('CONNECTED');
});

test('TrustAnchorCertificate cannot change: NotUpdatable, and the store is left as it was', async () => {
    const otherCa = new OpensslCa('Another Root CA');
    const { report, sequence } = await update({ TrustAnchorCertificate: otherCa.anchorPem }).finally(() => otherCa.dispose());

    expect(report.status).toBe('FAILED');
    expect(report.errorCode).toBe('NotUpdatable');
    expect(report.message).toMatch(/TrustAnchorCertificate/);
    expect(sequence).toEqual([]);
    expect(store()).toMatchObject({ connectionState: 'CONNECTED', clusterId: cluster.ClusterId });
});

test('a rename to a name another key store has, with a rotation, is refused before anything changes', async () => {
    kmsOf(aws).seedExternalKeyStore('taken-by-another-store');

    const { report, sequence } = await update({ KeyStoreName: 'taken-by-another-store', KmsUserPasswordVersion: 3 });

    expect(report.status).toBe('FAILED');
    expect(report.errorCode).toBe('AlreadyExists');
    expect(report.message).toMatch(/^KeyStoreName: a key store named taken-by-another-store already exists/);
    expect(sequence).toEqual([]);
    expect(store()).toMatchObject({ name: 'orders-keys-v2', connectionState: 'CONNECTED' });
    expect(passwordVersionTag()).toBe('2');
});

describe('moving to another cluster', () => {
    test('an unrelated cluster is refused with InvalidRequest naming ClusterId, and the store stays CONNECTED where it was', async () => {
        const unrelated = await readyCluster(aws);

        const { report, sequence } = await update({ ClusterId: unrelated.ClusterId });

        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(/ClusterId/);
        expect(report.message).toContain(unrelated.ClusterId as string);
        expect(sequence).toEqual([]);
        expect(store()).toMatchObject({ connectionState: 'CONNECTED', clusterId: cluster.ClusterId });
        expect(hsmUser(aws, unrelated.ClusterId as string, KMS_USER)).toEqual([]);
    });

    test('a cluster restored from a backup taken after kmsuser existed takes the store, CONNECTED', async () => {
        advanceSeconds(aws, 2 * aws.emulator.durations.backupCreateSeconds);
        const backup = [...aws.emulator.state.backups.values()]
            .filter((b) => b.clusterId === cluster.ClusterId && b.state === 'READY' && b.users.some((u) => u.username === KMS_USER))
            .sort((a, b) => b.createTimestamp - a.createTimestamp)[0];
        expect(backup).toBeDefined();
        const related = await readyCluster(aws, {
            SourceBackupId: backup.backupId,
            SourceAdminSecretArn: cluster.AdminSecretArn,
            SourceTrustAnchorSecretArn: cluster.TrustAnchorSecretArn,
            SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.c],
        });
        const relatedId = related.ClusterId as string;
        expect(related.TrustAnchorCertificate).toBe(cluster.TrustAnchorCertificate);

        // The old cluster's admin secret (same password: the restore copied it) is not the new cluster's.
        const keptSecret = await update({ ClusterId: relatedId });
        expect({ status: keptSecret.report.status, errorCode: keptSecret.report.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(keptSecret.report.message).toContain(`AdminSecretArn: secret ${current.AdminSecretArn} is not the admin secret of cluster ${relatedId}`);
        expect(keptSecret.report.message).toContain(`cloudhsm-type:cluster-id=${relatedId}`);
        expect(keptSecret.sequence).toEqual([]);
        expect(store()).toMatchObject({ clusterId: cluster.ClusterId, connectionState: 'CONNECTED' });

        const { report, sequence, cliCommands } = await update({ ClusterId: relatedId, AdminSecretArn: related.AdminSecretArn });

        expectSuccess(report);
        expect(report.model).toMatchObject({ ClusterId: relatedId, ConnectionState: 'CONNECTED', DesiredConnectionState: 'CONNECTED', KmsUserPasswordVersion: 2 });
        // The admin secret's form checked, disconnect, a new kmsuser password (secret, HSMs of the new cluster), then
        // KMS told the cluster and the password in one call, and connect.
        expect(sequence).toEqual([
            'ssm:SendCommand',
            'kms:DisconnectCustomKeyStore',
            'secretsmanager:PutSecretValue',
            'ssm:SendCommand',
            'kms:UpdateCustomKeyStore',
            'secretsmanager:TagResource',
            'kms:ConnectCustomKeyStore',
        ]);
        expect(store()).toMatchObject({ clusterId: relatedId, connectionState: 'CONNECTED' });
        // kmsuser came with the backup; the type set its password on the new cluster, where it covers every HSM.
        expect(cliCommands.map((c) => [c.command, c.exitCode])).toEqual([[`user change-password ${KMS_USER}`, 0]]);
        const [kmsUser] = hsmUser(aws, relatedId, KMS_USER);
        expect([...kmsUser.hsmIds].sort()).toEqual(activeHsmIds(aws, relatedId));
        expect((await keyStores().read({ KeyStoreId: keyStoreId })).model).toMatchObject({ ClusterId: relatedId, ConnectionState: 'CONNECTED' });
    });
});

test('a rotation while kmsuser is missing on one HSM fails with the reason the kmsuser script gave', async () => {
    const clusterId = current.ClusterId as string;
    const [kmsUser] = hsmUser(aws, clusterId, KMS_USER);
    kmsUser.hsmIds = kmsUser.hsmIds.slice(0, 1);

    const { report, cliCommands } = await update({ KmsUserPasswordVersion: 3 });

    expect(report.status).toBe('FAILED');
    expect(cliCommands.map((c) => [c.command, c.exitCode])).toEqual([[`user change-password ${KMS_USER}`, 0]]);
    // The script ends with exit 3 and says so on stderr; that, not the CLI's JSON before it, is what a user can act on.
    expect(report.message).toMatch(/does not cover every HSM/);
});
