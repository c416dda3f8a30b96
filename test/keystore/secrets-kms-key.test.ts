/**
 * SecretsKmsKeyId: the customer KMS key that encrypts the kmsuser secret (and the create-request record that
 * holds the same password before it). Write-only, so read answers the model the create answered, without it.
 */
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { expectSuccess, keyStoreProperties, kmsClient, liveSecret } from './key-store-support';

let aws: LocalAws;
let cluster: Record<string, unknown>;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    cluster = await readyCluster(aws);
});
afterAll(() => aws?.stop());

test('GIVEN a customer key, WHEN a key store declares it as SecretsKmsKeyId, THEN the kmsuser secret uses it, and read answers the created model without it', async () => {
    // GIVEN
    const kms = kmsClient(aws);
    const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'kmsuser secret key' }))).KeyMetadata!.Arn!;
    kms.destroy();
    const driver = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
    const secretsBefore = aws.emulator.state.secrets.size;

    // WHEN
    const created = await driver.create(keyStoreProperties(aws, cluster, { KeyStoreName: 'customer-keyed', SecretsKmsKeyId: keyArn }));

    // THEN the one secret left, the kmsuser secret, is encrypted with the customer key (the record is gone)
    expectSuccess(created);
    const keyStoreId = created.model!.KeyStoreId as string;
    const written = [...aws.emulator.state.secrets.values()].slice(secretsBefore);
    expect(written.map((s) => [s.name, s.kmsKeyId])).toEqual([[`cloudhsm/key-stores/${keyStoreId}/kmsuser`, keyArn]]);
    expect(liveSecret(aws, `cloudhsm/key-stores/${keyStoreId}/kmsuser`)!.kmsKeyId).toBe(keyArn);
    // AND the property is write-only: neither the create's model nor read's carries it, and they are equal
    expect(created.model).not.toHaveProperty('SecretsKmsKeyId');
    expect((await driver.read({ KeyStoreId: keyStoreId })).model).toEqual(created.model);
    expectSuccess(await driver.delete({ KeyStoreId: keyStoreId }));
});
