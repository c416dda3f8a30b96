/**
 * The whole life of a KMS key in a CloudHSM key store, through the real entrypoint, the driver and the emulator:
 * create (key material on the cluster's HSMs as kmsuser), read, encrypt and decrypt, update every property KMS
 * lets change, delete (scheduled after PendingWindowInDays), and NotFound for a key pending deletion or gone.
 */
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { kmsClient } from '../keystore/key-store-support';
import { advanceSeconds, expectSuccess } from '../keystore/key-store-support';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { journals, keyMaterialOn, keyProperties, KeyStoreStack, kmsKeyIn, kmsKeys, readyKeyStore } from './kms-key-support';

let aws: LocalAws;
let stack: KeyStoreStack;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    stack = await readyKeyStore(aws, 'payments-keys');
});
afterAll(() => aws.stop());

describe('a KMS key in a connected key store', () => {
    let properties: Record<string, unknown>;
    let model: Record<string, any>;

    test('create answers with the KeyId at once, puts the key material on every HSM as kmsuser, and leaves no journal behind alive', async () => {
        properties = keyProperties(stack.keyStore.KeyStoreId, { Tags: [{ Key: 'team', Value: 'payments' }] });

        const created = await kmsKeys(aws).create(properties);

        expectSuccess(created);
        model = created.model!;
        expect(created.invocations).toBe(1);
        expect(model).toMatchObject({
            CustomKeyStoreId: stack.keyStore.KeyStoreId,
            Description: 'payments data key',
            Enabled: true,
            KeyState: 'Enabled',
            KeySpec: 'SYMMETRIC_DEFAULT',
            KeyUsage: 'ENCRYPT_DECRYPT',
            Origin: 'AWS_CLOUDHSM',
            MultiRegion: false,
            CloudHsmClusterId: stack.cluster.ClusterId,
            Tags: [{ Key: 'team', Value: 'payments' }],
        });
        expect(model.KeyId).toMatch(/^[0-9a-f-]{36}$/);
        expect(model.Arn).toBe(`arn:aws:kms:us-east-1:${aws.emulator.state.accountId}:key/${model.KeyId}`);
        expect(model.KeyPolicy).toEqual({
            Version: '2012-10-17',
            Id: 'key-default-1',
            Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${aws.emulator.state.accountId}:root` }, Action: 'kms:*', Resource: '*' }],
        });
        expect(created.calls).toMatchObject({ 'kms:CreateKey': 1, 'secretsmanager:CreateSecret': 1, 'secretsmanager:DeleteSecret': 1 });
        // No scan of the account's keys on the usual path.
        expect(created.calls['kms:ListKeys']).toBeUndefined();
        const material = keyMaterialOn(aws, stack.cluster.ClusterId, model.KeyId);
        expect(material).toHaveLength(1);
        expect(material[0]).toMatchObject({ owner: 'kmsuser', keyType: 'aes' });
        expect(material[0].hsmIds.sort()).toEqual(aws.emulator.state.clusters.get(stack.cluster.ClusterId)!.hsms.map((h) => h.hsmId).sort());
        expect(journals(aws).every((j) => j.deletedDate !== undefined)).toBe(true);
    });

    test('read returns the model that create returned', async () => {
        const read = await kmsKeys(aws).read({ KeyId: model.KeyId });
        expect(read.status).toBe('SUCCESS');
        expect(read.model).toEqual(model);
    });

    test('the key encrypts and decrypts against the emulator', async () => {
        const kms = kmsClient(aws);
        const encrypted = await kms.send(new EncryptCommand({ KeyId: model.KeyId, Plaintext: Buffer.from('card 4111'), EncryptionContext: { purpose: 'test' } }));
        const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'test' } }));
        expect(Buffer.from(decrypted.Plaintext!).toString()).toBe('card 4111');
        expect(decrypted.KeyId).toBe(model.Arn);
        kms.destroy();
    });

    test('delete schedules the key for deletion after PendingWindowInDays; then read, update and delete answer NotFound', async () => {
        const current = { ...properties, KeyId: model.KeyId, PendingWindowInDays: 7 };
        const deleted = await kmsKeys(aws).delete(current);

        expectSuccess(deleted);
        expect(deleted.calls).toMatchObject({ 'kms:ScheduleKeyDeletion': 1 });
        const key = kmsKeyIn(aws, model.KeyId)!;
        expect(key.pendingWindowInDays).toBe(7);
        expect((await kmsKeys(aws).read({ KeyId: model.KeyId })).errorCode).toBe('NotFound');
        expect((await kmsKeys(aws).update(current, { ...current, Description: 'x' })).errorCode).toBe('NotFound');
        expect((await kmsKeys(aws).delete(current)).errorCode).toBe('NotFound');
    });

    test('when the waiting period ends KMS deletes the key and, through the connected store, its key material', async () => {
        advanceSeconds(aws, 7 * 24 * 3600 + 60);
        expect(kmsKeyIn(aws, model.KeyId)).toBeUndefined();
        expect(keyMaterialOn(aws, stack.cluster.ClusterId, model.KeyId)).toEqual([]);
        expect((await kmsKeys(aws).read({ KeyId: model.KeyId })).errorCode).toBe('NotFound');
    });
});
