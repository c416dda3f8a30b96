import { ConnectCustomKeyStoreCommand, CreateKeyCommand, DisconnectCustomKeyStoreCommand, UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import {
    KeyStoreCluster,
    KmsHarness,
    addKeyStoreCluster,
    advance,
    connectKeyStore,
    createKeyStore,
    describeKeyStore,
    disconnectKeyStore,
    failureOf,
    startKms,
    stopKms,
} from './kms-test-fixtures';

let h: KmsHarness;
beforeEach(async () => {
    h = await startKms();
});
afterEach(async () => {
    await stopKms(h);
});

const connect = (customKeyStoreId: string) => h.client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
const disconnect = (customKeyStoreId: string) => h.client.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));

async function storeFor(cluster: KeyStoreCluster): Promise<string> {
    return createKeyStore(h, cluster);
}

describe('ConnectCustomKeyStore', () => {
    test('goes CONNECTING, then CONNECTED after the connect time, and rotates the kmsuser password', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        const backupsBefore = h.emulator.state.backups.size;
        await connect(customKeyStoreId);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTING');
        advance(h, h.durations.keyStoreConnectSeconds - 1);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTING');
        advance(h, 1);
        const store = await describeKeyStore(h, customKeyStoreId);
        expect(store.ConnectionState).toBe('CONNECTED');
        expect(store.ConnectionErrorCode).toBeUndefined();
        const kmsUser = cluster.kmsUser()!;
        expect(kmsUser.password).not.toBe(cluster.kmsUserPassword);
        expect(kmsUser.password!.length).toBeGreaterThanOrEqual(8);
        expect(h.kms.findKeyStore(customKeyStoreId)!.kmsUserPassword).toBe(kmsUser.password);
        // The password change is a user change: CloudHSM takes a backup that carries the new password.
        const backups = [...h.emulator.state.backups.values()].filter((b) => b.clusterId === cluster.clusterId);
        expect(h.emulator.state.backups.size).toBe(backupsBefore + 1);
        expect(backups[0].users.find((u) => u.username === 'kmsuser')?.password).toBe(kmsUser.password);
    });

    test('succeeds and changes nothing for a store that is CONNECTING or CONNECTED', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        await connect(customKeyStoreId);
        advance(h, 100);
        await connect(customKeyStoreId);
        advance(h, h.durations.keyStoreConnectSeconds - 100);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTED');
        const rotatedPassword = cluster.kmsUser()!.password;
        await connect(customKeyStoreId);
        advance(h, h.durations.keyStoreConnectSeconds);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTED');
        expect(cluster.kmsUser()!.password).toBe(rotatedPassword);
    });

    test('fails with USER_NOT_FOUND when kmsuser is missing on one ACTIVE HSM', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        const kmsUser = cluster.kmsUser()!;
        kmsUser.hsmIds = kmsUser.hsmIds.slice(1);
        await connectKeyStore(h, customKeyStoreId);
        expect(await describeKeyStore(h, customKeyStoreId)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'USER_NOT_FOUND' });
        expect(kmsUser.password).toBe(cluster.kmsUserPassword);
    });

    test('fails with USER_NOT_FOUND when the cluster has no kmsuser', async () => {
        const customKeyStoreId = await storeFor(addKeyStoreCluster(h, { kmsUserPassword: null }));
        await connectKeyStore(h, customKeyStoreId);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionErrorCode).toBe('USER_NOT_FOUND');
    });

    test('fails with INVALID_CREDENTIALS when KMS was told another password, and counts a failed login', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        cluster.kmsUser()!.password = 'changed-Pa55word';
        await connectKeyStore(h, customKeyStoreId);
        expect(await describeKeyStore(h, customKeyStoreId)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS' });
        expect(cluster.kmsUser()).toMatchObject({ password: 'changed-Pa55word', failedLogins: 1, locked: false });
    });

    test('locks kmsuser out after five failed connections, then fails with USER_LOCKED_OUT', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        cluster.kmsUser()!.password = 'changed-Pa55word';
        for (let attempt = 1; attempt <= 5; attempt++) {
            await connectKeyStore(h, customKeyStoreId);
            expect((await describeKeyStore(h, customKeyStoreId)).ConnectionErrorCode).toBe('INVALID_CREDENTIALS');
            await disconnectKeyStore(h, customKeyStoreId);
        }
        expect(cluster.kmsUser()!.locked).toBe(true);
        // Even the right password does not help a locked user.
        await h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, KeyStorePassword: 'changed-Pa55word' }));
        await connectKeyStore(h, customKeyStoreId);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionErrorCode).toBe('USER_LOCKED_OUT');
    });

    test('fails with INSUFFICIENT_CLOUDHSM_HSMS when no HSM is ACTIVE once the connection completes', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        await connect(customKeyStoreId);
        for (const hsm of cluster.cluster.hsms) hsm.state = 'DEGRADED';
        advance(h, h.durations.keyStoreConnectSeconds);
        expect(await describeKeyStore(h, customKeyStoreId)).toMatchObject({
            ConnectionState: 'FAILED',
            ConnectionErrorCode: 'INSUFFICIENT_CLOUDHSM_HSMS',
        });
    });

    test('fails with CLUSTER_NOT_FOUND when the cluster is DELETED or gone', async () => {
        const deleted = addKeyStoreCluster(h);
        const deletedStoreId = await storeFor(deleted);
        deleted.cluster.state = 'DELETED';
        const gone = addKeyStoreCluster(h);
        const goneStoreId = await storeFor(gone);
        await connect(goneStoreId);
        h.emulator.state.clusters.delete(gone.clusterId);
        await connectKeyStore(h, deletedStoreId);
        for (const customKeyStoreId of [deletedStoreId, goneStoreId]) {
            expect(await describeKeyStore(h, customKeyStoreId)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'CLUSTER_NOT_FOUND' });
        }
    });

    test('a CONNECTED store whose cluster loses its HSMs or is deleted stays CONNECTED; no key can be made in it; reconnecting ends FAILED', async () => {
        // KMS: ConnectionState is DISCONNECTED only if the store was never connected or was disconnected on
        // request; a CONNECTED store with trouble needs its cluster ACTIVE with an active HSM (ConnectionState).
        const emptied = addKeyStoreCluster(h);
        const emptiedStoreId = await storeFor(emptied);
        await connectKeyStore(h, emptiedStoreId);
        emptied.cluster.hsms = [];
        const deleted = addKeyStoreCluster(h);
        const deletedStoreId = await storeFor(deleted);
        await connectKeyStore(h, deletedStoreId);
        deleted.cluster.hsms = [];
        deleted.cluster.state = 'DELETED';
        for (const [customKeyStoreId, errorCode] of [
            [emptiedStoreId, 'INSUFFICIENT_CLOUDHSM_HSMS'],
            [deletedStoreId, 'CLUSTER_NOT_FOUND'],
        ]) {
            expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTED');
            const newKey = await failureOf(h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId })));
            expect(newKey.name).toBe('CloudHsmClusterInvalidConfigurationException');
            await disconnectKeyStore(h, customKeyStoreId);
            await connectKeyStore(h, customKeyStoreId);
            expect(await describeKeyStore(h, customKeyStoreId)).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: errorCode });
        }
    });

    test('refuses a cluster that exists but is not ACTIVE', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        cluster.cluster.state = 'UPDATE_IN_PROGRESS';
        const error = await failureOf(connect(customKeyStoreId));
        expect(error.name).toBe('CloudHsmClusterNotActiveException');
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('DISCONNECTED');
    });

    test('a FAILED store must be disconnected before it connects again', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        cluster.kmsUser()!.password = 'changed-Pa55word';
        await connectKeyStore(h, customKeyStoreId);
        const refused = await failureOf(connect(customKeyStoreId));
        expect(refused.name).toBe('CustomKeyStoreInvalidStateException');
        expect(refused.message).toContain('Disconnect');
        await disconnect(customKeyStoreId);
        const disconnecting = await describeKeyStore(h, customKeyStoreId);
        expect(disconnecting.ConnectionState).toBe('DISCONNECTING');
        expect(disconnecting.ConnectionErrorCode).toBeUndefined();
        const whileDisconnecting = await failureOf(connect(customKeyStoreId));
        expect(whileDisconnecting.name).toBe('CustomKeyStoreInvalidStateException');
        advance(h, h.durations.keyStoreDisconnectSeconds);
        const store = await describeKeyStore(h, customKeyStoreId);
        expect(store.ConnectionState).toBe('DISCONNECTED');
        expect(store.ConnectionErrorCode).toBeUndefined();
        await h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, KeyStorePassword: 'changed-Pa55word' }));
        await connectKeyStore(h, customKeyStoreId);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTED');
    });

    test('answers CustomKeyStoreNotFoundException for an unknown store', async () => {
        expect((await failureOf(connect('cks-0123456789abcdef0'))).name).toBe('CustomKeyStoreNotFoundException');
        expect((await failureOf(disconnect('cks-0123456789abcdef0'))).name).toBe('CustomKeyStoreNotFoundException');
    });
});

describe('DisconnectCustomKeyStore', () => {
    test('goes DISCONNECTING, then DISCONNECTED after the disconnect time', async () => {
        const customKeyStoreId = await storeFor(addKeyStoreCluster(h));
        await connectKeyStore(h, customKeyStoreId);
        await disconnect(customKeyStoreId);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('DISCONNECTING');
        advance(h, h.durations.keyStoreDisconnectSeconds - 1);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('DISCONNECTING');
        advance(h, 1);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('DISCONNECTED');
    });

    test('refuses a store that is DISCONNECTED or DISCONNECTING', async () => {
        const customKeyStoreId = await storeFor(addKeyStoreCluster(h));
        expect((await failureOf(disconnect(customKeyStoreId))).name).toBe('CustomKeyStoreInvalidStateException');
        await connectKeyStore(h, customKeyStoreId);
        await disconnect(customKeyStoreId);
        expect((await failureOf(disconnect(customKeyStoreId))).name).toBe('CustomKeyStoreInvalidStateException');
    });

    test('interrupts a connection: the connection that was under way never completes', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await storeFor(cluster);
        await connect(customKeyStoreId);
        advance(h, 10);
        await disconnect(customKeyStoreId);
        advance(h, h.durations.keyStoreDisconnectSeconds);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('DISCONNECTED');
        await connect(customKeyStoreId);
        // The first connection would have completed now; the second one is still under way.
        advance(h, h.durations.keyStoreConnectSeconds - 10 - h.durations.keyStoreDisconnectSeconds);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTING');
        expect(cluster.kmsUser()!.password).toBe(cluster.kmsUserPassword);
        advance(h, 10 + h.durations.keyStoreDisconnectSeconds);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('CONNECTED');
    });
});
