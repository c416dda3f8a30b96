/**
 * A key store create adopts only a store THIS request made (create-key-store.ts). Another stack declaring the
 * same name, cluster and (public) trust anchor — by malice, or one template deployed twice — must not take
 * over a disconnected store: taking it over resets kmsuser's password, so the owner's store fails
 * INVALID_CREDENTIALS, and CloudFormation's rollback of the second stack deletes the owner's store and secret.
 */
import { randomUUID } from 'crypto';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { expectSuccess, hsmUser, KMS_USER, keyStoreProperties, kmsOf, liveSecret } from './key-store-support';

let aws: LocalAws;
let cluster: Record<string, unknown>;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    cluster = await readyCluster(aws);
});
afterAll(() => aws?.stop());

const liveSecretNames = () => [...aws.emulator.state.secrets.values()].filter((s) => s.deletedDate === undefined).map((s) => s.name).sort();
const ssmCommandCount = () => [...aws.emulator.state.commands.values()].flat().length;

describe("GIVEN a DISCONNECTED key store the type made for its owner's stack", () => {
    let owner: Record<string, unknown>;
    let keyStoreId: string;

    beforeAll(async () => {
        const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'owned-keys', DesiredConnectionState: 'DISCONNECTED' });
        const created = await aws.driver(keyStoreType, { logicalResourceId: 'OwnersKeyStore' }).create(properties, { clientRequestToken: randomUUID() });
        expectSuccess(created);
        keyStoreId = created.model!.KeyStoreId as string;
        owner = { ...properties, KeyStoreId: keyStoreId };
    });

    it('WHEN another stack creates a key store with the same name, cluster and trust anchor THEN it fails AlreadyExists naming the store, and the owner keeps its store, secret and kmsuser password', async () => {
        // GIVEN what the owner's store, secret and kmsuser hold now
        const kmsStore = kmsOf(aws).findKeyStore(keyStoreId)!;
        const before = {
            state: kmsStore.connectionState,
            passwordKmsHolds: kmsStore.kmsUserPassword,
            secretVersions: liveSecret(aws, `cloudhsm/key-stores/${keyStoreId}/kmsuser`)!.versions.map((v) => v.versionId),
            kmsUserOnHsms: hsmUser(aws, cluster.ClusterId as string, KMS_USER).map((u) => u.password),
        };
        const secretsBefore = liveSecretNames();
        const commandsBefore = ssmCommandCount();

        // WHEN
        const intruder = await aws.driver(keyStoreType, { logicalResourceId: 'SecondKeyStore' }).create(
            keyStoreProperties(aws, cluster, { KeyStoreName: 'owned-keys', DesiredConnectionState: 'DISCONNECTED' }),
            { clientRequestToken: randomUUID() },
        );

        // THEN the create fails before touching anything, and no event carried the owner's ID (so a rollback has nothing to delete)
        expect({ status: intruder.status, errorCode: intruder.errorCode }).toEqual({ status: 'FAILED', errorCode: 'AlreadyExists' });
        expect(intruder.message).toContain('KeyStoreName');
        expect(intruder.message).toContain(keyStoreId);
        expect(intruder.events.map((e) => e.resourceModel?.KeyStoreId).filter(Boolean)).toEqual([]);
        const after = kmsOf(aws).findKeyStore(keyStoreId)!;
        expect({
            state: after.connectionState,
            passwordKmsHolds: after.kmsUserPassword,
            secretVersions: liveSecret(aws, `cloudhsm/key-stores/${keyStoreId}/kmsuser`)!.versions.map((v) => v.versionId),
            kmsUserOnHsms: hsmUser(aws, cluster.ClusterId as string, KMS_USER).map((u) => u.password),
        }).toEqual(before);
        expect(ssmCommandCount()).toBe(commandsBefore);
        // AND it leaves no secret behind (its create-request record is gone)
        expect(liveSecretNames()).toEqual(secretsBefore);
    });

    it('THEN the owner can still connect its store and delete it', async () => {
        const connected = { ...owner, DesiredConnectionState: 'CONNECTED' };
        expectSuccess(await aws.driver(keyStoreType, { logicalResourceId: 'OwnersKeyStore' }).update(owner, connected));
        expect(kmsOf(aws).findKeyStore(keyStoreId)!.connectionState).toBe('CONNECTED');
        expectSuccess(await aws.driver(keyStoreType, { logicalResourceId: 'OwnersKeyStore' }).delete(connected));
        expect(liveSecretNames().filter((n) => n.startsWith('cloudhsm/key-stores/'))).toEqual([]);
    });
});
