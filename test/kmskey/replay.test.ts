/**
 * CloudFormation delivers an event again when a response is lost or an invocation times out. With every event
 * delivered twice, create, update and delete end SUCCESS, no delivery fails, and each change is made once: one
 * CreateKey (the second delivery of the first event finds the key by its request tag), one ScheduleKeyDeletion
 * (the second delivery finds the key pending deletion by this request).
 */
import { LocalAws, startLocalAws } from '../../local/runtime';
import { expectSuccess } from '../keystore/key-store-support';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { keyProperties, KeyStoreStack, kmsKeyIn, kmsKeys, readyKeyStore } from './kms-key-support';

const deliverTwice = { retryAfterSeconds: 5 };

let aws: LocalAws;
let stack: KeyStoreStack;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    stack = await readyKeyStore(aws, 'replay-keys');
});
afterAll(() => aws.stop());

const answered = (from: number, action: string) => aws.emulator.calls.slice(from).filter((c) => c.service === 'kms' && c.action === action && !c.error).length;
const failedDeliveries = (events: Array<{ status: string; errorCode?: string }>) => events.filter((e) => e.status === 'FAILED');

test('every event of create, update and delete delivered twice: SUCCESS each, no failed delivery, each change made once', async () => {
    const properties = keyProperties(stack.keyStore.KeyStoreId, { Enabled: false, Tags: [{ Key: 'team', Value: 'a' }] });
    let from = aws.emulator.calls.length;

    const created = await kmsKeys(aws).create(properties, { deliverTwice });

    expectSuccess(created);
    expect(failedDeliveries([...created.discardedEvents, ...created.events])).toEqual([]);
    expect(answered(from, 'CreateKey')).toBe(1);
    expect(answered(from, 'DisableKey')).toBe(1);
    const keyId = created.model!.KeyId as string;
    expect(created.discardedEvents.map((e) => e.resourceModel?.KeyId)).toEqual([keyId]);
    expect([...aws.emulator.state.kmsKeys.values()].filter((k) => k.customKeyStoreId === stack.keyStore.KeyStoreId)).toHaveLength(1);

    const current = { ...properties, KeyId: keyId };
    const desired = { ...current, Enabled: true, Description: 'twice', Tags: [{ Key: 'team', Value: 'b' }] };
    from = aws.emulator.calls.length;
    const updated = await kmsKeys(aws).update(current, desired, { deliverTwice });

    expectSuccess(updated);
    expect(failedDeliveries([...updated.discardedEvents, ...updated.events])).toEqual([]);
    expect(updated.model).toMatchObject({ Enabled: true, Description: 'twice', Tags: [{ Key: 'team', Value: 'b' }] });
    expect({ enable: answered(from, 'EnableKey'), describe: answered(from, 'UpdateKeyDescription'), tag: answered(from, 'TagResource') }).toEqual({ enable: 1, describe: 1, tag: 1 });

    from = aws.emulator.calls.length;
    const deleted = await kmsKeys(aws).delete(desired, { deliverTwice });

    expectSuccess(deleted);
    expect(failedDeliveries([...deleted.discardedEvents, ...deleted.events])).toEqual([]);
    expect(answered(from, 'ScheduleKeyDeletion')).toBe(1);
    expect(kmsKeyIn(aws, keyId)!.deletionDate).toBeDefined();
});

test('a delete of a key that something else scheduled for deletion is NotFound, not a success', async () => {
    const created = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId));
    const current = { ...keyProperties(stack.keyStore.KeyStoreId), KeyId: created.model!.KeyId };
    expectSuccess(await kmsKeys(aws).delete(current));

    const again = await kmsKeys(aws).delete(current);

    expect(again.errorCode).toBe('NotFound');
});
