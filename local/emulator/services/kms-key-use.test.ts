/**
 * Keys in a CloudHSM key store beyond their life cycle: key material on the HSMs (made with the key, deleted
 * with it only through a connected store), Encrypt/Decrypt by key state, tags and descriptions.
 */
import {
    CreateKeyCommand,
    DecryptCommand,
    DisableKeyCommand,
    EncryptCommand,
    ListResourceTagsCommand,
    ScheduleKeyDeletionCommand,
    TagResourceCommand,
    UntagResourceCommand,
    UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { addKeyStoreCluster, advance, connectKeyStore, createKeyStore, disconnectKeyStore, failureOf, KmsHarness, startKms, stopKms } from './kms-test-fixtures';
import { HsmKey } from '../state';

let h: KmsHarness;
beforeEach(async () => {
    h = await startKms();
});
afterEach(async () => {
    await stopKms(h);
});

async function keyInConnectedStore() {
    const cluster = addKeyStoreCluster(h);
    const customKeyStoreId = await createKeyStore(h, cluster);
    await connectKeyStore(h, customKeyStoreId);
    const { KeyMetadata } = await h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId }));
    return { cluster, customKeyStoreId, keyId: KeyMetadata!.KeyId! };
}

const materialOf = (cluster: { cluster: { keys?: HsmKey[] } }, keyId: string) => (cluster.cluster.keys ?? []).filter((k) => k.label === keyId);

test('CreateKey puts an AES key owned by kmsuser on every ACTIVE HSM; deletion through a connected store removes it', async () => {
    const { cluster, keyId } = await keyInConnectedStore();
    const [material] = materialOf(cluster, keyId);
    expect(material).toMatchObject({ owner: 'kmsuser', keyType: 'aes', keyClass: 'secret-key' });
    expect(material.keyReference).toMatch(/^0x[0-9a-f]{16}$/);

    await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    advance(h, 7 * 86_400 + 1);

    expect(h.emulator.state.kmsKeys.has(keyId)).toBe(false);
    expect(materialOf(cluster, keyId)).toEqual([]);
});

test('a key deleted while its store is disconnected leaves its material on the cluster, orphaned', async () => {
    const { cluster, customKeyStoreId, keyId } = await keyInConnectedStore();
    await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    await disconnectKeyStore(h, customKeyStoreId);
    advance(h, 7 * 86_400 + 1);

    expect(h.emulator.state.kmsKeys.has(keyId)).toBe(false);
    expect(materialOf(cluster, keyId)).toHaveLength(1);
});

test('Encrypt and Decrypt: only an Enabled key whose material an active HSM holds; the encryption context must match', async () => {
    const { cluster, customKeyStoreId, keyId } = await keyInConnectedStore();
    const { CiphertextBlob } = await h.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionContext: { a: '1' } }));
    expect((await failureOf(h.client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: '2' } })))).name).toBe('InvalidCiphertextException');
    expect((await failureOf(h.client.send(new DecryptCommand({ CiphertextBlob, KeyId: '11111111-2222-3333-4444-555555555555' })))).name).toBe('IncorrectKeyException');
    expect((await failureOf(h.client.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not ours') })))).name).toBe('InvalidCiphertextException');

    for (const hsm of cluster.cluster.hsms) hsm.state = 'DEGRADED';
    expect((await failureOf(h.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })))).name).toBe('KMSInvalidStateException');
    for (const hsm of cluster.cluster.hsms) hsm.state = 'ACTIVE';

    await h.client.send(new DisableKeyCommand({ KeyId: keyId }));
    expect((await failureOf(h.client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })))).name).toBe('DisabledException');
    await disconnectKeyStore(h, customKeyStoreId);
    expect((await failureOf(h.client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: '1' } })))).name).toBe('KMSInvalidStateException');
});

test('tags: TagResource overwrites a value and counts toward 50; UntagResource removes; a key pending deletion keeps its tags and description but they cannot change', async () => {
    const { keyId } = await keyInConnectedStore();
    await h.client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'b', TagValue: '1' }, { TagKey: 'a', TagValue: '1' }] }));
    await h.client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'a', TagValue: '2' }] }));
    await h.client.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['b'] }));
    expect((await h.client.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([{ TagKey: 'a', TagValue: '2' }]);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    expect((await failureOf(h.client.send(new TagResourceCommand({ KeyId: keyId, Tags: fifty })))).name).toBe('LimitExceededException');

    await h.client.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'new' }));
    await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    expect((await failureOf(h.client.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'c', TagValue: '1' }] })))).name).toBe('KMSInvalidStateException');
    expect((await failureOf(h.client.send(new UpdateKeyDescriptionCommand({ KeyId: keyId, Description: 'x' })))).name).toBe('KMSInvalidStateException');
    expect((await h.client.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).toEqual([{ TagKey: 'a', TagValue: '2' }]);
});
