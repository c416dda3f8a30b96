/**
 * The whole life of a key store on a cluster made by the cluster type, through the real entrypoint, the
 * driver and the emulator: create and connect, read, a delete refused while a KMS key lives in the store (also
 * while it is pending deletion), the delete once KMS has removed the key; a later store adopting the kmsuser
 * the first one left; and a connection that fails.
 */
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { randomUUID } from 'crypto';
import type { SsmService } from '../../local/emulator/services/ssm';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { createUntilStep, resumeCreate } from '../cluster/mid-workflow';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import {
    activeHsmIds,
    advanceSeconds,
    cliUserCommands,
    expectSuccess,
    hsmUser,
    KMS_USER,
    keyStoreProperties,
    kmsClient,
    kmsOf,
    liveSecret,
    passwordIn,
} from './key-store-support';

const KEY_WAITING_PERIOD_DAYS = 7;

let aws: LocalAws;
let cluster: Record<string, unknown>;
let clusterId: string;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
    aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
    cluster = await readyCluster(aws);
    clusterId = cluster.ClusterId as string;
});
afterAll(() => aws.stop());

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });

describe('a key store on a ready cluster', () => {
    let kms: KMSClient;
    beforeAll(() => (kms = kmsClient(aws)));
    afterAll(() => kms.destroy());
    let properties: Record<string, unknown>;
    let model: Record<string, any>;
    let keyId: string;
    let adminPasswordBefore: string;

    test('create answers IN_PROGRESS with the KeyStoreId at once and ends CONNECTED, with kmsuser on every HSM', async () => {
        properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'payments-keys' });
        adminPasswordBefore = passwordIn(aws, cluster.AdminSecretArn as string);
        const cliFrom = aws.instances.invocations.length;

        const created = await keyStores().create(properties);

        expectSuccess(created);
        const first = created.events[0];
        expect(first.status).toBe('IN_PROGRESS');
        expect(first.resourceModel?.KeyStoreId).toMatch(/^cks-[a-z0-9]{17}$/);
        model = created.model!;
        expect(model.KeyStoreId).toBe(first.resourceModel!.KeyStoreId);
        expect(model).toMatchObject({
            KeyStoreName: 'payments-keys',
            ClusterId: clusterId,
            ConnectionState: 'CONNECTED',
            DesiredConnectionState: 'CONNECTED',
            KmsUserPasswordVersion: 1,
        });
        expect((model.TrustAnchorCertificate as string).trim()).toBe((cluster.TrustAnchorCertificate as string).trim());
        expect(model.KmsUserSecretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:/);
        expect(new Date(model.CreationDate).toISOString()).toBe(model.CreationDate);
        expect(model).not.toHaveProperty('AdminSecretArn');
        expect(model).not.toHaveProperty('ManagementInstanceId');
        expect(model).not.toHaveProperty('ConnectionErrorCode');
        expect(created.calls).toMatchObject({ 'kms:CreateCustomKeyStore': 1, 'kms:ConnectCustomKeyStore': 1, 'ssm:SendCommand': 1 });

        const store = kmsOf(aws).findKeyStore(model.KeyStoreId)!;
        expect(store).toMatchObject({ name: 'payments-keys', type: 'AWS_CLOUDHSM', connectionState: 'CONNECTED', clusterId });
        const kmsUsers = hsmUser(aws, clusterId, KMS_USER);
        expect(kmsUsers).toHaveLength(1);
        expect(kmsUsers[0].role).toBe('crypto-user');
        expect([...kmsUsers[0].hsmIds].sort()).toEqual(activeHsmIds(aws, clusterId));
        expect(activeHsmIds(aws, clusterId)).toHaveLength(2);
        expect(cliUserCommands(aws, cliFrom).map((c) => [c.command, c.exitCode])).toEqual([[`user create ${KMS_USER}`, 0]]);

        const kmsUserPassword = passwordIn(aws, model.KmsUserSecretArn);
        expect(liveSecret(aws, model.KmsUserSecretArn)!.name).toBe(`cloudhsm/key-stores/${model.KeyStoreId}/kmsuser`);
        expect(kmsUserPassword).not.toBe(adminPasswordBefore);
        expect(passwordIn(aws, cluster.AdminSecretArn as string)).toBe(adminPasswordBefore);
        expect(hsmUser(aws, clusterId, 'admin')[0].password).toBe(adminPasswordBefore);
        // Passwords are typed at the CLI's terminal prompt, never on a command line that ps or a log would show.
        expect(aws.instances.invocations.slice(cliFrom).some((i) => i.argv.join(' ').includes(kmsUserPassword))).toBe(false);
    });

    test('read returns the model that create returned', async () => {
        const read = await keyStores().read({ KeyStoreId: model.KeyStoreId });
        expect(read.status).toBe('SUCCESS');
        expect(read.model).toEqual(model);
    });

    test('delete fails with ResourceConflict naming the KMS key in the store, and leaves the store CONNECTED', async () => {
        const key = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: model.KeyStoreId, Description: 'lifecycle test' }));
        keyId = key.KeyMetadata!.KeyId!;

        const refused = await keyStores().delete({ ...properties, KeyStoreId: model.KeyStoreId });

        expect(refused.status).toBe('FAILED');
        expect(refused.errorCode).toBe('ResourceConflict');
        expect(refused.message).toContain(keyId);
        expect(refused.message).toContain('Enabled');
        expect(refused.calls['kms:DisconnectCustomKeyStore']).toBeUndefined();
        expect(refused.calls['kms:DeleteCustomKeyStore']).toBeUndefined();
        expect(kmsOf(aws).findKeyStore(model.KeyStoreId)!.connectionState).toBe('CONNECTED');
        expect(liveSecret(aws, model.KmsUserSecretArn)).toBeDefined();
    });

    test('while its only key is pending deletion, delete retires the store: DISCONNECTED under a retired/ name, kmsuser secret gone, NotFound from then on', async () => {
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: KEY_WAITING_PERIOD_DAYS }));

        const deleted = await keyStores().delete({ ...properties, KeyStoreId: model.KeyStoreId });

        expectSuccess(deleted);
        expect(deleted.calls).toMatchObject({ 'kms:DisconnectCustomKeyStore': 1, 'kms:DeleteCustomKeyStore': 1, 'kms:UpdateCustomKeyStore': 1 });
        expect(deleted.calls['kms:ConnectCustomKeyStore']).toBeUndefined();
        expect(kmsOf(aws).findKeyStore(model.KeyStoreId)).toMatchObject({ name: `retired/${model.KeyStoreId}/payments-keys`, connectionState: 'DISCONNECTED' });
        expect(kmsOf(aws).keysInStore(model.KeyStoreId).map((k) => k.keyId)).toEqual([keyId]);
        expect(liveSecret(aws, model.KmsUserSecretArn)).toBeUndefined();
        expect((await keyStores().read({ KeyStoreId: model.KeyStoreId })).errorCode).toBe('NotFound');
        expect((await keyStores().list()).models!.map((m) => m.KeyStoreId)).not.toContain(model.KeyStoreId);
    });

    test('once the waiting period has passed and KMS has deleted the key, the next key store delete removes the retired store; kmsuser stays on the cluster', async () => {
        advanceSeconds(aws, KEY_WAITING_PERIOD_DAYS * 24 * 3600 + 60);
        expect(kmsOf(aws).keysInStore(model.KeyStoreId)).toEqual([]);

        // CloudFormation's own retry of the delete, or any later key store delete in the account and region.
        const again = await keyStores().delete({ ...properties, KeyStoreId: model.KeyStoreId });

        expect(again.errorCode).toBe('NotFound');
        expect(again.calls).toMatchObject({ 'kms:DeleteCustomKeyStore': 1 });
        expect(kmsOf(aws).findKeyStore(model.KeyStoreId)).toBeUndefined();
        // Documented: DeleteCustomKeyStore touches neither the cluster nor kmsuser, and neither does the type.
        expect(hsmUser(aws, clusterId, KMS_USER)).toHaveLength(1);
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('ACTIVE');
        expect(passwordIn(aws, cluster.AdminSecretArn as string)).toBe(adminPasswordBefore);
    });

    test('read, update and delete of the deleted store answer NotFound', async () => {
        const current = { ...properties, KeyStoreId: model.KeyStoreId };
        expect((await keyStores().read({ KeyStoreId: model.KeyStoreId })).errorCode).toBe('NotFound');
        expect((await keyStores().update(current, { ...current, KeyStoreName: 'renamed' })).errorCode).toBe('NotFound');
        expect((await keyStores().delete(current)).errorCode).toBe('NotFound');
    });
});

describe('a later key store on the same cluster', () => {
    test('adopts the kmsuser the first one left: its password is reset and the store connects', async () => {
        const before = hsmUser(aws, clusterId, KMS_USER);
        expect(before).toHaveLength(1);
        const passwordBefore = before[0].password;
        const cliFrom = aws.instances.invocations.length;
        const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'payments-keys-again' });

        const created = await keyStores().create(properties);

        expectSuccess(created);
        expect(created.model).toMatchObject({ ConnectionState: 'CONNECTED', ClusterId: clusterId, KmsUserPasswordVersion: 1 });
        const keyStoreId = created.model!.KeyStoreId as string;
        const commands = cliUserCommands(aws, cliFrom);
        expect(commands.map((c) => [c.command, c.exitCode])).toEqual([[`user change-password ${KMS_USER}`, 0]]);
        expect(commands[0]).toMatchObject({ typedAtPrompt: passwordIn(aws, created.model!.KmsUserSecretArn as string), passwordFrom: 'terminal' });
        const after = hsmUser(aws, clusterId, KMS_USER);
        expect(after).toHaveLength(1);
        expect(after[0].password).not.toBe(passwordBefore);
        expect(kmsOf(aws).findKeyStore(keyStoreId)!.connectionState).toBe('CONNECTED');

        const deleted = await keyStores().delete({ ...properties, KeyStoreId: keyStoreId });
        expect(deleted.status).toBe('SUCCESS');
        expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
    });
});

describe('a connection that fails', () => {
    test('kmsuser missing on one HSM: create ends FAILED with USER_NOT_FOUND and what to do, soon, and delete cleans up', async () => {
        const otherCluster = await readyCluster(aws);
        const otherClusterId = otherCluster.ClusterId as string;
        const properties = keyStoreProperties(aws, otherCluster);
        const driver = keyStores();
        const token = randomUUID();

        // CloudFormation holds the create while the kmsuser script runs; replication then loses kmsuser on one HSM.
        const events = await createUntilStep(aws, driver, properties, 'await-kmsuser', token);
        await aws.emulator.service<SsmService>('ssm').whenAllFinished();
        const [kmsUser] = hsmUser(aws, otherClusterId, KMS_USER);
        expect([...kmsUser.hsmIds].sort()).toEqual(activeHsmIds(aws, otherClusterId));
        const lostOn = kmsUser.hsmIds[1];
        kmsUser.hsmIds = kmsUser.hsmIds.filter((id) => id !== lostOn);
        const resumedAtMs = aws.clock.now();

        const failed = await resumeCreate(aws, driver, events[events.length - 1], token);

        expect(failed.status).toBe('FAILED');
        expect(failed.errorCode).toBe('NotStabilized');
        expect(failed.message).toContain('USER_NOT_FOUND');
        expect(failed.message).toMatch(/kmsuser is missing on at least one HSM/);
        expect(failed.message).toMatch(/USER_NOT_FOUND.*Replace that HSM/);
        const keyStoreId = events[0].resourceModel!.KeyStoreId as string;
        expect(failed.model?.KeyStoreId).toBe(keyStoreId);
        expect(failed.message).toContain(keyStoreId);
        // KMS answers within its connection time; the type must not wait out its 30 minute bound on a FAILED store.
        const waitedSeconds = (aws.clock.now() - resumedAtMs) / 1000;
        expect(waitedSeconds).toBeLessThan(aws.emulator.durations.keyStoreConnectSeconds + 120);
        expect(failed.invocations).toBeLessThanOrEqual(5);
        expect(kmsOf(aws).findKeyStore(keyStoreId)).toMatchObject({ connectionState: 'FAILED', connectionErrorCode: 'USER_NOT_FOUND' });

        const deleted = await driver.delete({ ...properties, KeyStoreId: keyStoreId });

        expect(deleted.status).toBe('SUCCESS');
        expect(deleted.calls).toMatchObject({ 'kms:DisconnectCustomKeyStore': 1, 'kms:DeleteCustomKeyStore': 1 });
        expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
        expect(liveSecret(aws, `cloudhsm/key-stores/${keyStoreId}/kmsuser`)).toBeUndefined();
    });
});
