/**
 * A cluster that a KMS key store uses is not deleted: CloudHSM would let it go, and every key in the store
 * would stop working. The cluster delete refuses with ResourceConflict, naming the store, before removing
 * anything; in CloudFormation's order for a stack that holds both (the store first), both deletes succeed.
 */
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterType, keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { clusterOf, expectSuccess, keyStoreProperties, mutatingCallSequence } from './key-store-support';

let aws: LocalAws;
afterEach(() => aws?.stop());

test('a cluster delete while a key store uses the cluster: ResourceConflict naming the store, nothing removed; after the store is deleted, the cluster goes', async () => {
    // GIVEN a cluster and a CONNECTED key store on it
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    const cluster = await readyCluster(aws);
    const clusterId = cluster.ClusterId as string;
    const keyStores = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
    const created = await keyStores.create(keyStoreProperties(aws, cluster, { KeyStoreName: 'payments-keys' }));
    expectSuccess(created);
    const keyStoreId = created.model!.KeyStoreId as string;
    const hsmsBefore = clusterOf(aws, clusterId).hsms.map((h) => h.hsmId);
    const from = aws.emulator.calls.length;

    // WHEN the cluster is deleted first
    const refused = await aws.driver(clusterType, { logicalResourceId: 'Cluster' }).delete(cluster);

    // THEN it is refused, naming the store and what to do, and nothing was removed
    expect(refused.status).toBe('FAILED');
    expect(refused.errorCode).toBe('ResourceConflict');
    expect(refused.message).toContain('payments-keys');
    expect(refused.message).toContain(keyStoreId);
    expect(refused.message).toMatch(/Delete the key store first/);
    expect(mutatingCallSequence(aws, from)).toEqual([]);
    expect(clusterOf(aws, clusterId).state).toBe('ACTIVE');
    expect(clusterOf(aws, clusterId).hsms.map((h) => h.hsmId)).toEqual(hsmsBefore);
    expect(aws.emulator.state.keyStores.get(keyStoreId)?.connectionState).toBe('CONNECTED');

    // AND in CloudFormation's order for a stack with both (the store refers to the cluster, so it goes first)
    expectSuccess(await keyStores.delete({ ...keyStoreProperties(aws, cluster, { KeyStoreName: 'payments-keys' }), KeyStoreId: keyStoreId }));
    expectSuccess(await aws.driver(clusterType, { logicalResourceId: 'Cluster' }).delete(cluster));
    expect(aws.emulator.state.keyStores.has(keyStoreId)).toBe(false);
    expect(['DELETED', undefined]).toContain(aws.emulator.state.clusters.get(clusterId)?.state);
});
