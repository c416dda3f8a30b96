/**
 * A stack with a cluster, a key store and KMS keys deletes cleanly, in CloudFormation's order (key, key store,
 * cluster): the key is scheduled for deletion, the key store — which KMS cannot delete while that key is pending —
 * is retired (left DISCONNECTED under a retired/ name), and the cluster goes. Once the waiting period has passed,
 * KMS deletes the key and the next key store delete removes the retired store. A key that is not pending deletion
 * is never put at risk: the key store delete refuses and changes nothing, and a retired store whose key deletion
 * was canceled keeps its cluster.
 */
import { CancelKeyDeletionCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { advanceSeconds, expectSuccess, kmsClient, kmsOf, liveSecret, mutatingCallSequence } from '../keystore/key-store-support';
import { clusterType, keyStoreType, QUICK_SERVICE_DURATIONS } from '../support';
import { keyMaterialOn, keyProperties, kmsKeyIn, kmsKeys, readyKeyStore } from './kms-key-support';

const WAITING_PERIOD_DAYS = 7;

let aws: LocalAws;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
    aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
});
afterAll(() => aws.stop());

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
const clusters = () => aws.driver(clusterType, { logicalResourceId: 'Cluster' });

describe('GIVEN a stack with a cluster, a key store and a KMS key that has encrypted data', () => {
    let stack: Awaited<ReturnType<typeof readyKeyStore>>;
    let key: Record<string, any>;
    let keyCurrent: Record<string, unknown>;
    let clusterId: string;
    let ciphertext: Uint8Array;

    beforeAll(async () => {
        stack = await readyKeyStore(aws, 'orders-keys');
        clusterId = stack.cluster.ClusterId;
        const properties = keyProperties(stack.keyStore.KeyStoreId, { PendingWindowInDays: WAITING_PERIOD_DAYS });
        const created = await kmsKeys(aws).create(properties);
        expectSuccess(created);
        key = created.model!;
        keyCurrent = { ...properties, KeyId: key.KeyId };
        const kms = kmsClient(aws);
        ciphertext = (await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('order 42') }))).CiphertextBlob!;
        kms.destroy();
        // The cluster's backups have caught up with the key material.
        advanceSeconds(aws, aws.emulator.durations.backupCreateSeconds);
    });

    test('WHEN the stack is deleted in CloudFormation order THEN every delete succeeds; what stays is the key pending deletion in a retired, disconnected store, and the backups', async () => {
        const deletedKey = await kmsKeys(aws).delete(keyCurrent);
        expectSuccess(deletedKey);
        expect(kmsKeyIn(aws, key.KeyId)).toMatchObject({ pendingWindowInDays: WAITING_PERIOD_DAYS });

        const deletedStore = await keyStores().delete(stack.keyStoreCurrent);
        expectSuccess(deletedStore);
        const store = kmsOf(aws).findKeyStore(stack.keyStore.KeyStoreId)!;
        expect(store).toMatchObject({ name: `retired/${stack.keyStore.KeyStoreId}/orders-keys`, connectionState: 'DISCONNECTED', clusterId });
        expect(liveSecret(aws, stack.keyStore.KmsUserSecretArn)).toBeUndefined();

        const deletedCluster = await clusters().delete(stack.cluster);
        expectSuccess(deletedCluster);
        expect(['DELETED', undefined]).toContain(aws.emulator.state.clusters.get(clusterId)?.state);

        // What stays: the key, pending deletion (cancelable until its date), in the retired store ...
        expect(kmsOf(aws).keysInStore(store.customKeyStoreId).map((k) => [k.keyId, k.deletionDate !== undefined])).toEqual([[key.KeyId, true]]);
        // ... and its material in the cluster's backups, from which a cluster can be restored (and the store moved to it) while the key is pending.
        const backups = [...aws.emulator.state.backups.values()].filter((b) => b.clusterId === clusterId && b.state === 'READY');
        expect(backups.some((b) => b.keys?.some((k) => k.label === key.KeyId && k.owner === 'kmsuser'))).toBe(true);
        // The name is free again: the same stack can be created again at once (on a new cluster).
        expect([...aws.emulator.state.keyStores.values()].some((s) => s.name === 'orders-keys')).toBe(false);
    });

    test('WHEN the waiting period has passed THEN KMS has deleted the key, and the next key store delete removes the retired store', async () => {
        advanceSeconds(aws, WAITING_PERIOD_DAYS * 24 * 3600 + 60);
        expect(kmsKeyIn(aws, key.KeyId)).toBeUndefined();
        const kms = kmsClient(aws);
        await expect(kms.send(new DecryptCommand({ CiphertextBlob: ciphertext }))).rejects.toMatchObject({ name: 'NotFoundException' });
        kms.destroy();

        // CloudFormation's retry of the same delete, or any later key store delete in the account and region.
        const again = await keyStores().delete(stack.keyStoreCurrent);

        expect(again.errorCode).toBe('NotFound');
        expect(kmsOf(aws).findKeyStore(stack.keyStore.KeyStoreId)).toBeUndefined();
        expect([...aws.emulator.state.keyStores.values()]).toEqual([]);
    });
});

describe('GIVEN a key store with a live KMS key and a key pending deletion', () => {
    test('WHEN the key store is deleted THEN it is refused with ResourceConflict naming the live key, and nothing changed', async () => {
        const stack = await readyKeyStore(aws, 'live-keys');
        const live = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId));
        expectSuccess(live);
        const kms = kmsClient(aws);
        const pending = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: stack.keyStore.KeyStoreId }));
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
        kms.destroy();
        const from = aws.emulator.calls.length;

        const refused = await keyStores().delete(stack.keyStoreCurrent);

        expect(refused.status).toBe('FAILED');
        expect(refused.errorCode).toBe('ResourceConflict');
        expect(refused.message).toContain(live.model!.KeyId as string);
        expect(refused.message).toMatch(/Nothing was changed/);
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        expect(kmsOf(aws).findKeyStore(stack.keyStore.KeyStoreId)).toMatchObject({ name: 'live-keys', connectionState: 'CONNECTED' });
        expect(kmsKeyIn(aws, live.model!.KeyId as string)!.enabled).toBe(true);
        expect(liveSecret(aws, stack.keyStore.KmsUserSecretArn)).toBeDefined();
    });
});

describe('GIVEN a retired key store whose key deletion was canceled afterwards', () => {
    test('WHEN the cluster is deleted THEN it is refused: the key is no longer pending deletion, and its HSMs stay', async () => {
        const stack = await readyKeyStore(aws, 'canceled-keys');
        const created = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId));
        const keyId = created.model!.KeyId as string;
        expectSuccess(await kmsKeys(aws).delete({ ...keyProperties(stack.keyStore.KeyStoreId), KeyId: keyId }));
        expectSuccess(await keyStores().delete(stack.keyStoreCurrent));
        const kms = kmsClient(aws);
        await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
        kms.destroy();
        const hsmsBefore = aws.emulator.state.clusters.get(stack.cluster.ClusterId)!.hsms.map((h) => h.hsmId);

        const refused = await clusters().delete(stack.cluster);

        expect(refused.errorCode).toBe('ResourceConflict');
        expect(refused.message).toContain(stack.keyStore.KeyStoreId);
        expect(aws.emulator.state.clusters.get(stack.cluster.ClusterId)!.hsms.map((h) => h.hsmId)).toEqual(hsmsBefore);
        expect(keyMaterialOn(aws, stack.cluster.ClusterId, keyId)).toHaveLength(1);
    });
});
