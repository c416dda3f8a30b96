/**
 * Deleting a key store in an account whose KMS keys do not all let the handler's role describe them: each key's
 * own key policy authorizes DescribeKey, so the type cannot see every key, and KMS's refusal to delete a store
 * that holds keys (CustomKeyStoreHasCMKsException) is the final word.
 */
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { handlerRoleArn, LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { advanceSeconds, expectSuccess, keyStoreProperties, kmsClient, kmsOf, liveSecret, mutatingCallSequence } from './key-store-support';

let aws: LocalAws;
let kms: KMSClient;
let cluster: Record<string, unknown>;
let accountId: string;

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    kms = kmsClient(aws);
    cluster = await readyCluster(aws);
    accountId = aws.emulator.state.accountId;
});
afterAll(async () => {
    kms?.destroy();
    await aws.stop();
});

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });

/** The account may use the key, but the handler's role is explicitly denied DescribeKey. */
const refusesHandler = () =>
    JSON.stringify({
        Version: '2012-10-17',
        Statement: [
            { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
            { Sid: 'Not for CloudFormation', Effect: 'Deny', Principal: { AWS: handlerRoleArn(accountId) }, Action: 'kms:DescribeKey', Resource: '*' },
        ],
    });

async function connectedKeyStore(name: string) {
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: name });
    const created = await keyStores().create(properties);
    expectSuccess(created);
    return { properties: { ...properties, KeyStoreId: created.model!.KeyStoreId }, keyStoreId: created.model!.KeyStoreId as string, secretArn: created.model!.KmsUserSecretArn as string };
}

test('GIVEN a key elsewhere in the account whose policy refuses the handler role, WHEN the store is deleted THEN it is deleted', async () => {
    // GIVEN
    const { KeyMetadata: elsewhere } = await kms.send(new CreateKeyCommand({ Description: 'not in the store', Policy: refusesHandler() }));
    const { properties, keyStoreId, secretArn } = await connectedKeyStore('delete-around-private-key');
    const callsFrom = aws.emulator.calls.length;

    // WHEN
    const deleted = await keyStores().delete(properties);

    // THEN
    expectSuccess(deleted);
    expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
    expect(liveSecret(aws, secretArn)).toBeUndefined();
    expect(mutatingCallSequence(aws, callsFrom)).toEqual(['kms:DisconnectCustomKeyStore', 'kms:DeleteCustomKeyStore', 'secretsmanager:DeleteSecret']);
    // The handler did ask, and KMS refused it: the delete went on without that key's metadata.
    const refusedDescribes = aws.emulator.calls.slice(callsFrom).filter((c) => c.action === 'DescribeKey' && c.error === 'AccessDeniedException');
    expect(refusedDescribes).toHaveLength(1);
    expect((await kms.send(new DescribeKeyCommand({ KeyId: elsewhere!.KeyId }))).KeyMetadata!.KeyState).toBe('Enabled');
});

test('GIVEN a key in the store whose policy refuses the handler role, WHEN the store is deleted THEN KMS refuses, the store is CONNECTED again and the failure says why', async () => {
    // GIVEN
    const { properties, keyStoreId, secretArn } = await connectedKeyStore('delete-refused-by-kms');
    const { KeyMetadata: hidden } = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: keyStoreId, Description: 'hidden', Policy: refusesHandler() }));
    const callsFrom = aws.emulator.calls.length;

    // WHEN
    const refused = await keyStores().delete(properties);

    // THEN
    expect(refused.status).toBe('FAILED');
    expect(refused.errorCode).toBe('ResourceConflict');
    expect(refused.message).toContain('CustomKeyStoreHasCMKsException');
    expect(refused.message).toMatch(new RegExp(`^KMS refused to delete key store ${keyStoreId}: it still holds KMS keys`));
    expect(refused.message).toMatch(/None of the KMS keys this role may describe is in it/);
    expect(refused.message).toMatch(/2 KMS key\(s\) in this account refuse this role kms:DescribeKey/);
    expect(refused.message).toMatch(/CONNECTED again/);
    expect(refused.message).toMatch(/Schedule each KMS key in the store for deletion/);
    // Disconnected only because nothing the type could see was in the way; connected again before failing.
    expect(mutatingCallSequence(aws, callsFrom)).toEqual(['kms:DisconnectCustomKeyStore', 'kms:ConnectCustomKeyStore']);
    expect(aws.emulator.calls.slice(callsFrom).filter((c) => c.action === 'DeleteCustomKeyStore').map((c) => c.error)).toEqual(['CustomKeyStoreHasCMKsException']);
    expect(kmsOf(aws).findKeyStore(keyStoreId)!.connectionState).toBe('CONNECTED');
    expect(liveSecret(aws, secretArn)).toBeDefined();
    expect((await kms.send(new DescribeKeyCommand({ KeyId: hidden!.KeyId }))).KeyMetadata).toMatchObject({ KeyState: 'Enabled', CustomKeyStoreId: keyStoreId });

    // AND once the key is gone, the same delete succeeds
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: hidden!.KeyId, PendingWindowInDays: 7 }));
    advanceSeconds(aws, 7 * 24 * 3600 + 60);
    expectSuccess(await keyStores().delete(properties));
    expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
});

test('GIVEN a key in the store the handler may describe, WHEN the store is deleted THEN it is refused before anything changes, naming it and the keys it could not see', async () => {
    // GIVEN the key in the store, and the first test's key elsewhere, which the handler may not describe
    const { properties, keyStoreId } = await connectedKeyStore('delete-refused-early');
    const { KeyMetadata: seen } = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: keyStoreId, Description: 'seen' }));
    const callsFrom = aws.emulator.calls.length;

    // WHEN
    const refused = await keyStores().delete(properties);

    // THEN
    expect(refused.errorCode).toBe('ResourceConflict');
    expect(refused.message).toContain(`${seen!.KeyId} (Enabled)`);
    expect(refused.message).toMatch(/still holds 1 KMS key\(s\) that this role may describe/);
    expect(refused.message).toMatch(/1 KMS key\(s\) in this account refuse this role kms:DescribeKey/);
    expect(refused.message).toMatch(/Nothing was changed/);
    expect(mutatingCallSequence(aws, callsFrom)).toEqual([]);
    expect(kmsOf(aws).findKeyStore(keyStoreId)!.connectionState).toBe('CONNECTED');
});
