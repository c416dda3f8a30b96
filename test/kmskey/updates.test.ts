/**
 * Every update path, one property at a time and all at once: each calls KMS only for what changed, in place
 * (the KeyId stays), and read afterwards returns what was declared. A policy given as a string or as an object
 * with its keys in another order is the same policy: no call. Enabled cannot change while the key store is
 * disconnected (the key is Unavailable): InvalidRequest naming Enabled, nothing changed.
 */
import { DisconnectCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { advanceSeconds, expectSuccess, kmsClient, mutatingCalls } from '../keystore/key-store-support';
import { keyStoreType, QUICK_SERVICE_DURATIONS } from '../support';
import { keyProperties, KeyStoreStack, kmsKeyIn, kmsKeys, readyKeyStore } from './kms-key-support';

let aws: LocalAws;
let stack: KeyStoreStack;
let current: Record<string, unknown>;
let keyId: string;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    stack = await readyKeyStore(aws, 'update-keys');
    const properties = keyProperties(stack.keyStore.KeyStoreId, { Tags: [{ Key: 'team', Value: 'payments' }] });
    const created = await kmsKeys(aws).create(properties);
    expectSuccess(created);
    keyId = created.model!.KeyId as string;
    current = { ...properties, KeyId: keyId };
});
afterAll(() => aws.stop());

type Tag = { Key: string; Value: string };
const byKey = (tags: Tag[] | undefined) => tags && [...tags].sort((a, b) => (a.Key < b.Key ? -1 : 1));

const policyFor = (sid: string) => ({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${aws.emulator.state.accountId}:root` }, Action: 'kms:*', Resource: '*' }],
});

describe.each<[string, () => Record<string, unknown>, string[]]>([
    ['the description', () => ({ Description: 'card numbers' }), ['kms:UpdateKeyDescription']],
    ['Enabled false', () => ({ Enabled: false }), ['kms:DisableKey']],
    ['Enabled true again', () => ({ Enabled: true }), ['kms:EnableKey']],
    ['the key policy (an object)', () => ({ KeyPolicy: policyFor('one') }), ['kms:PutKeyPolicy']],
    ['the same key policy as a string with its keys reordered', () => ({ KeyPolicy: JSON.stringify({ Statement: policyFor('one').Statement, Version: '2012-10-17' }) }), []],
    ['a new tag and a new value', () => ({ Tags: [{ Key: 'team', Value: 'risk' }, { Key: 'env', Value: 'prod' }] }), ['kms:TagResource']],
    ['a tag removed', () => ({ Tags: [{ Key: 'env', Value: 'prod' }] }), ['kms:UntagResource']],
    ['every tag removed', () => ({ Tags: undefined }), ['kms:UntagResource']],
    ['everything at once', () => ({ Description: 'all', Enabled: false, KeyPolicy: policyFor('two'), Tags: [{ Key: 'x', Value: 'y' }] }), ['kms:DisableKey', 'kms:PutKeyPolicy', 'kms:TagResource', 'kms:UpdateKeyDescription']],
    ['nothing', () => ({}), []],
])('WHEN %s changes', (_, change, expectedCalls) => {
    test('THEN only that call is made, in place, and read returns the declaration', async () => {
        const desired = { ...current, ...change() };
        if (desired.Tags === undefined) delete desired.Tags;

        const updated = await kmsKeys(aws).update(current, desired);

        expectSuccess(updated);
        expect(mutatingCalls(updated.calls)).toEqual(expectedCalls);
        expect(updated.model!.KeyId).toBe(keyId);
        const read = await kmsKeys(aws).read({ KeyId: keyId });
        expect(read.model).toEqual(updated.model);
        expect(read.model!.Description).toBe(desired.Description);
        expect(read.model!.Enabled).toBe(desired.Enabled ?? true);
        // Tags are a set (insertionOrder false): KMS lists them in its own order.
        expect(byKey(read.model!.Tags as Tag[] | undefined)).toEqual(byKey(desired.Tags as Tag[] | undefined));
        if (desired.KeyPolicy) expect(read.model!.KeyPolicy).toEqual(typeof desired.KeyPolicy === 'string' ? JSON.parse(desired.KeyPolicy) : desired.KeyPolicy);
        current = desired;
    });
});

test('an invalid update is InvalidRequest naming the property, and nothing changes', async () => {
    const updated = await kmsKeys(aws).update(current, { ...current, PendingWindowInDays: 3, Tags: [{ Key: 'aws:x', Value: '1' }] });

    expect(updated.errorCode).toBe('InvalidRequest');
    expect(updated.message).toMatch(/PendingWindowInDays.*Tags: tag key "aws:x"/);
    expect(mutatingCalls(updated.calls)).toEqual([]);
});

test('Enabled cannot change while the key store is disconnected: InvalidRequest naming Enabled and what to do; other changes still apply once it is connected', async () => {
    const kms = kmsClient(aws);
    await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: stack.keyStore.KeyStoreId }));
    kms.destroy();
    advanceSeconds(aws, aws.emulator.durations.keyStoreDisconnectSeconds);
    const enabledBefore = kmsKeyIn(aws, keyId)!.enabled;

    const refused = await kmsKeys(aws).update(current, { ...current, Enabled: !enabledBefore });

    expect(refused.errorCode).toBe('InvalidRequest');
    expect(refused.message).toMatch(/^Enabled: key .* is Unavailable because its key store .* is not connected; connect the key store/);
    expect(kmsKeyIn(aws, keyId)!.enabled).toBe(enabledBefore);
    expectSuccess(await aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' }).update(stack.keyStoreCurrent, stack.keyStoreCurrent));
    expectSuccess(await kmsKeys(aws).update(current, { ...current, Enabled: !enabledBefore }));
    expect(kmsKeyIn(aws, keyId)!.enabled).toBe(!enabledBefore);
});
