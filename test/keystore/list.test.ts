/**
 * LIST through the real entrypoint pages through more CloudHSM key stores than one page holds, and leaves out
 * external (XKS) key stores, which are not this type's. The stores are made through the KMS API against ACTIVE
 * clusters written into the emulator (as the KMS service's own tests make them): one store per cluster is all
 * KMS allows, and a dozen clusters through the cluster type would prove nothing more about LIST.
 */
import { LocalAws, startLocalAws } from '../../local/runtime';
import { addKeyStoreCluster, connectKeyStore, createKeyStore, KmsHarness } from '../../local/emulator/services/kms-test-fixtures';
import { keyStoreType } from '../support';
import { advanceSeconds, kmsClient, kmsOf } from './key-store-support';

const CLOUDHSM_KEY_STORES = 12;
/** The handler asks KMS for 10 key stores per page. */
const PAGE_SIZE = 10;

let aws: LocalAws;
let harness: KmsHarness;
beforeAll(async () => {
    aws = await startLocalAws();
    harness = { clock: aws.clock, emulator: aws.emulator, client: kmsClient(aws), kms: kmsOf(aws), durations: aws.emulator.durations };
});
afterAll(async () => {
    harness.client.destroy();
    await aws.stop();
});

test('LIST returns every CloudHSM key store exactly once across pages, and no external key store', async () => {
    // GIVEN 12 CloudHSM key stores and 2 external ones, created a second apart so that the order KMS lists them
    // in is known: an external store first, one in the middle of the first page.
    harness.kms.quotas.customKeyStoresPerAccount = 20;
    const external: string[] = [];
    const cloudHsm: Array<{ id: string; name: string; clusterId: string; trustAnchorPem: string }> = [];
    external.push(harness.kms.seedExternalKeyStore('xks-first').customKeyStoreId);
    for (let i = 0; i < CLOUDHSM_KEY_STORES; i++) {
        advanceSeconds(aws, 1);
        if (i === 6) {
            external.push(harness.kms.seedExternalKeyStore('xks-middle').customKeyStoreId);
            advanceSeconds(aws, 1);
        }
        const cluster = addKeyStoreCluster(harness);
        const name = `store-${String(i).padStart(2, '0')}`;
        cloudHsm.push({ id: await createKeyStore(harness, cluster, name), name, clusterId: cluster.clusterId, trustAnchorPem: cluster.trustAnchorPem });
    }
    await connectKeyStore(harness, cloudHsm[3].id);

    // WHEN CloudFormation lists, page after page.
    const driver = aws.driver(keyStoreType);
    const pages: Array<Array<Record<string, unknown>>> = [];
    let token: string | undefined;
    do {
        const page = await driver.list(token);
        expect(page.status).toBe('SUCCESS');
        pages.push(page.models ?? []);
        token = page.nextToken;
    } while (token && pages.length < 5);

    // THEN two pages of 10 key stores each from KMS, without the external ones, make up every CloudHSM store once.
    expect(token).toBeUndefined();
    expect(pages.map((p) => p.length)).toEqual([PAGE_SIZE - external.length, CLOUDHSM_KEY_STORES + external.length - PAGE_SIZE]);
    const listedIds = pages.flat().map((m) => m.KeyStoreId as string);
    expect(listedIds).toEqual(cloudHsm.map((s) => s.id));
    expect(new Set(listedIds).size).toBe(listedIds.length);
    for (const id of external) expect(listedIds).not.toContain(id);

    const byId = new Map(pages.flat().map((m) => [m.KeyStoreId as string, m]));
    expect(byId.get(cloudHsm[0].id)).toMatchObject({
        KeyStoreName: cloudHsm[0].name,
        ClusterId: cloudHsm[0].clusterId,
        TrustAnchorCertificate: cloudHsm[0].trustAnchorPem,
        ConnectionState: 'DISCONNECTED',
        DesiredConnectionState: 'DISCONNECTED',
    });
    expect(byId.get(cloudHsm[3].id)).toMatchObject({ ConnectionState: 'CONNECTED', DesiredConnectionState: 'CONNECTED' });
    for (const model of byId.values()) {
        expect(model).not.toHaveProperty('AdminSecretArn');
        expect(model).not.toHaveProperty('ManagementInstanceId');
    }
});
