/**
 * A response lost after the work was done, for the KMS key type: KMS or Secrets Manager does what it was asked,
 * then the answer is lost (a 500 with the service's internal error, or a connection closed without any answer).
 * For every mutating call the type makes, one such loss in the operation that makes it: the operation ends
 * SUCCESS, with exactly one key in the store, and the key as declared. A lost CreateKey answer is the one that
 * needs the journal: the retry finds the key by its request tag instead of making a second one.
 */
import type { FaultRule } from '../../local/emulator/faults';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { expectSuccess } from '../keystore/key-store-support';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { journals, keyProperties, KeyStoreStack, kmsKeys, readyKeyStore } from './kms-key-support';

type Phase = 'create' | 'update' | 'delete';
interface Loss {
    phase: Phase;
    service: string;
    action: string;
    lostAs: NonNullable<FaultRule['lostAs']>;
}

const LOSSES: Loss[] = [
    { phase: 'create', service: 'secretsmanager', action: 'CreateSecret', lostAs: 'drop' },
    { phase: 'create', service: 'kms', action: 'CreateKey', lostAs: 'internal' },
    { phase: 'create', service: 'kms', action: 'CreateKey', lostAs: 'drop' },
    { phase: 'create', service: 'kms', action: 'DisableKey', lostAs: 'drop' },
    { phase: 'create', service: 'secretsmanager', action: 'DeleteSecret', lostAs: 'internal' },
    { phase: 'update', service: 'kms', action: 'UpdateKeyDescription', lostAs: 'drop' },
    { phase: 'update', service: 'kms', action: 'TagResource', lostAs: 'internal' },
    { phase: 'update', service: 'kms', action: 'UntagResource', lostAs: 'drop' },
    { phase: 'update', service: 'kms', action: 'EnableKey', lostAs: 'internal' },
    { phase: 'update', service: 'kms', action: 'PutKeyPolicy', lostAs: 'drop' },
    { phase: 'delete', service: 'kms', action: 'TagResource', lostAs: 'drop' },
    { phase: 'delete', service: 'kms', action: 'ScheduleKeyDeletion', lostAs: 'internal' },
    { phase: 'delete', service: 'kms', action: 'ScheduleKeyDeletion', lostAs: 'drop' },
];

let aws: LocalAws;
let stack: KeyStoreStack;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    stack = await readyKeyStore(aws, 'lost-response-keys');
});
afterAll(() => aws.stop());
afterEach(() => aws.emulator.faults.clear());

const allKeysInStore = () => [...aws.emulator.state.kmsKeys.values()].filter((k) => k.customKeyStoreId === stack.keyStore.KeyStoreId);
const keysInStore = () => [...aws.emulator.state.kmsKeys.values()].filter((k) => k.customKeyStoreId === stack.keyStore.KeyStoreId && k.deletionDate === undefined);
const policy = (sid: string) => ({
    Version: '2012-10-17',
    Statement: [{ Sid: sid, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${aws.emulator.state.accountId}:root` }, Action: 'kms:*', Resource: '*' }],
});

it.each(LOSSES)('$phase: the answer to $service $action is lost ($lostAs) after the work was done; the operation ends SUCCESS with one key as declared', async (loss) => {
    // GIVEN a connected store holding no live key, and one answer to be lost in one phase
    expect(keysInStore()).toEqual([]);
    const keysBefore = allKeysInStore().length;
    const from = aws.emulator.calls.length;
    const arm = (phase: Phase) => {
        if (phase === loss.phase) aws.emulator.faults.add({ service: loss.service, action: loss.action, kind: 'lose-response', lostAs: loss.lostAs, times: 1 });
    };
    const driver = kmsKeys(aws);
    const initial = keyProperties(stack.keyStore.KeyStoreId, { Enabled: false, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], KeyPolicy: policy('first'), PendingWindowInDays: 7 });

    // WHEN the key is created, updated in every way and deleted
    arm('create');
    const created = await driver.create(initial);
    expectSuccess(created);
    expect(keysInStore()).toHaveLength(1);
    expect(created.model).toMatchObject({ Enabled: false, KeyState: 'Disabled' });
    expect(journals(aws).filter((j) => j.deletedDate === undefined)).toEqual([]);
    const current = { ...initial, KeyId: created.model!.KeyId };

    aws.emulator.faults.clear();
    arm('update');
    const desired = { ...current, Description: 'changed', Enabled: true, Tags: [{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }], KeyPolicy: policy('second') };
    const updated = await driver.update(current, desired);
    expectSuccess(updated);
    expect(updated.model).toMatchObject({ Description: 'changed', Enabled: true, KeyState: 'Enabled', KeyPolicy: policy('second') });
    expect(updated.model!.Tags).toEqual(expect.arrayContaining([{ Key: 'a', Value: '9' }, { Key: 'c', Value: '3' }]));
    expect(updated.model!.Tags).toHaveLength(2);

    aws.emulator.faults.clear();
    arm('delete');
    const deleted = await driver.delete(desired);

    // THEN every operation succeeded, and the one key is pending deletion with the declared window
    expectSuccess(deleted);
    expect(keysInStore()).toEqual([]);
    expect(allKeysInStore()).toHaveLength(keysBefore + 1);
    expect(aws.emulator.state.kmsKeys.get(created.model!.KeyId as string)!.pendingWindowInDays).toBe(7);
    // The loss did happen, on the call named.
    expect(aws.emulator.calls.slice(from).filter((c) => c.service === loss.service && c.action === loss.action && c.responseLost === loss.lostAs)).toHaveLength(1);
});
