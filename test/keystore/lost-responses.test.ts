/**
 * A response lost after the work was done, for the key store type: KMS, Secrets Manager or SSM does what it
 * was asked, then the answer is lost (a 500 with the service's internal error, or a connection closed without
 * any answer). For every mutating call the type makes, one such loss on that call, in the phase of the store's
 * life that makes it: the create, that phase and the delete end SUCCESS with exactly one key store, one kmsuser
 * secret, kmsuser set once per request, and the password KMS holds working on the HSMs (the store connects).
 */
import type { FaultRule } from '../../local/emulator/faults';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { expectSuccess, KMS_USER, keyStoreProperties, liveSecret } from './key-store-support';

type Phase = 'create' | 'rename' | 'rotate' | 'delete';
interface Loss {
    phase: Phase;
    service: string;
    action: string;
    lostAs: NonNullable<FaultRule['lostAs']>;
}

/** Every mutating call of the key store type, in the phase that makes it first; the two ways alternate. */
const LOSSES: Loss[] = [
    { phase: 'create', service: 'kms', action: 'CreateCustomKeyStore', lostAs: 'internal' },
    { phase: 'create', service: 'kms', action: 'CreateCustomKeyStore', lostAs: 'drop' },
    { phase: 'create', service: 'secretsmanager', action: 'CreateSecret', lostAs: 'internal' },
    { phase: 'create', service: 'secretsmanager', action: 'DeleteSecret', lostAs: 'drop' },
    { phase: 'create', service: 'ssm', action: 'SendCommand', lostAs: 'drop' },
    { phase: 'create', service: 'kms', action: 'ConnectCustomKeyStore', lostAs: 'internal' },
    { phase: 'rename', service: 'kms', action: 'UpdateCustomKeyStore', lostAs: 'drop' },
    { phase: 'rotate', service: 'kms', action: 'DisconnectCustomKeyStore', lostAs: 'internal' },
    { phase: 'rotate', service: 'secretsmanager', action: 'PutSecretValue', lostAs: 'drop' },
    { phase: 'rotate', service: 'secretsmanager', action: 'TagResource', lostAs: 'internal' },
    { phase: 'rotate', service: 'ssm', action: 'SendCommand', lostAs: 'internal' },
    { phase: 'rotate', service: 'kms', action: 'UpdateCustomKeyStore', lostAs: 'drop' },
    { phase: 'rotate', service: 'kms', action: 'ConnectCustomKeyStore', lostAs: 'drop' },
    { phase: 'delete', service: 'kms', action: 'DisconnectCustomKeyStore', lostAs: 'drop' },
    { phase: 'delete', service: 'kms', action: 'DeleteCustomKeyStore', lostAs: 'internal' },
    { phase: 'delete', service: 'secretsmanager', action: 'DeleteSecret', lostAs: 'drop' },
];

let aws: LocalAws;
let cluster: Record<string, unknown>;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    cluster = await readyCluster(aws);
});
afterAll(() => aws.stop());
afterEach(() => aws.emulator.faults.clear());

const stores = () => [...aws.emulator.state.keyStores.values()].filter((s) => s.type === 'AWS_CLOUDHSM');
const kmsUserScripts = (keyStoreId: string, fromCommand: number) =>
    [...aws.emulator.state.commands.values()].flat().slice(fromCommand).filter((c) => c.comment?.startsWith(`kmsuser for ${keyStoreId}`));
const commandCount = () => [...aws.emulator.state.commands.values()].flat().length;

it.each(LOSSES)('$phase: the answer to $service $action is lost ($lostAs) after the work was done; the operations end SUCCESS with one of everything', async (loss) => {
    // GIVEN a ready cluster with no key store, and one answer to be lost in one phase
    expect(stores()).toEqual([]);
    const from = aws.emulator.calls.length;
    const driver = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
    const armFor = (phase: Phase) => {
        if (phase === loss.phase) aws.emulator.faults.add({ service: loss.service, action: loss.action, kind: 'lose-response', lostAs: loss.lostAs, times: 1 });
    };

    // WHEN the store is created (then goes only through the phase of the loss, and is deleted)
    armFor('create');
    let commandsBefore = commandCount();
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: `lost-${loss.phase}-${loss.service}-${loss.action}-${loss.lostAs}` });
    const created = await driver.create(properties);

    // THEN one store, CONNECTED (so KMS holds the password set on the HSMs), one secret, kmsuser set once
    expectSuccess(created);
    const keyStoreId = created.model!.KeyStoreId as string;
    expect(stores().map((s) => [s.customKeyStoreId, s.connectionState])).toEqual([[keyStoreId, 'CONNECTED']]);
    expect(liveSecret(aws, `cloudhsm/key-stores/${keyStoreId}/kmsuser`)).toBeDefined();
    expect(kmsUserScripts(keyStoreId, commandsBefore)).toHaveLength(1);
    let current: Record<string, unknown> = { ...properties, KeyStoreId: keyStoreId };

    if (loss.phase === 'rename') {
        // WHEN it is renamed
        armFor('rename');
        const renamed = { ...current, KeyStoreName: `${current.KeyStoreName}-v2` };
        expectSuccess(await driver.update(current, renamed));
        // THEN
        expect(stores().map((s) => [s.name, s.connectionState])).toEqual([[renamed.KeyStoreName, 'CONNECTED']]);
        current = renamed;
    }

    if (loss.phase === 'rotate') {
        // WHEN the kmsuser password is rotated
        armFor('rotate');
        commandsBefore = commandCount();
        const rotated = { ...current, KmsUserPasswordVersion: 2 };
        expectSuccess(await driver.update(current, rotated));
        // THEN the store connects again with the new password, set on the HSMs once
        expect(stores().map((s) => [s.customKeyStoreId, s.connectionState])).toEqual([[keyStoreId, 'CONNECTED']]);
        expect(kmsUserScripts(keyStoreId, commandsBefore)).toHaveLength(1);
        current = rotated;
    }

    // WHEN it is deleted (every scenario ends so, for the next one)
    armFor('delete');
    expectSuccess(await driver.delete(current));

    // THEN no store and no kmsuser secret are left; kmsuser stays on the cluster, as documented
    expect(stores()).toEqual([]);
    expect(liveSecret(aws, `cloudhsm/key-stores/${keyStoreId}/kmsuser`)).toBeUndefined();
    expect(aws.emulator.state.clusters.get(cluster.ClusterId as string)!.users.filter((u) => u.username === KMS_USER)).toHaveLength(1);
    // AND the answer was indeed lost, once
    const lost = aws.emulator.calls.slice(from).filter((c) => c.responseLost);
    expect(lost.map((c) => `${c.service}:${c.action}:${c.responseLost}`)).toEqual([`${loss.service}:${loss.action}:${loss.lostAs}`]);
});

it('a lost CreateCustomKeyStore answer: the retry adopts the store by its create-request record, KMS already has the password, and no record is left', async () => {
    // GIVEN KMS creates the store but the answer is lost, so the next invocation finds the store by name
    aws.emulator.faults.add({ service: 'kms', action: 'CreateCustomKeyStore', kind: 'lose-response', lostAs: 'drop', times: 1 });
    const from = aws.emulator.calls.length;
    const driver = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'adopted-after-a-lost-answer' });

    // WHEN
    const created = await driver.create(properties);

    // THEN the kmsuser secret holds the password KMS was given (the record's): the store connects without KMS
    // being told a password again, and the record is gone
    expectSuccess(created);
    const keyStoreId = created.model!.KeyStoreId as string;
    expect(stores().map((s) => [s.customKeyStoreId, s.connectionState])).toEqual([[keyStoreId, 'CONNECTED']]);
    expect(aws.emulator.calls.slice(from).filter((c) => c.action === 'UpdateCustomKeyStore')).toEqual([]);
    expect([...aws.emulator.state.secrets.values()].filter((s) => s.name.includes('/create-requests/') && s.deletedDate === undefined)).toEqual([]);
    expectSuccess(await driver.delete({ ...properties, KeyStoreId: keyStoreId }));
    expect(stores()).toEqual([]);
});
