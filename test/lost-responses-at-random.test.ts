/**
 * Both types' whole lives under a seeded random rate of lost responses and throttling on every service: a
 * cluster is created, a key store is created on it, then both are deleted. Every operation ends SUCCESS with
 * exactly one of each, and nothing is left after the deletes but what the cluster type documents it keeps.
 * The seed makes the faults the same on every run.
 */
import { LocalAws, startLocalAws } from '../local/runtime';
import { expectOnlyDocumentedLeftovers, liveClusters, liveHsms, secretsOf } from './cluster/mid-workflow';
import { expectSuccess, keyStoreProperties } from './keystore/key-store-support';
import { clusterProperties, clusterType, keyStoreType, QUICK_SERVICE_DURATIONS } from './support';

const SERVICES = ['cloudhsmv2', 'ec2', 'secretsmanager', 'ssm', 'kms', 'logs', 'cloudwatch'];

let aws: LocalAws;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
});
afterAll(() => aws.stop());

it('15% of calls to every service lose their answer after the work and 10% are throttled (seed 42): create and delete of a cluster and a key store end SUCCESS with one of each', async () => {
    // GIVEN every service loses the answer to some calls after doing the work, and throttles others
    SERVICES.forEach((service, i) => {
        aws.emulator.faults.add({ service, kind: 'lose-response', lostAs: i % 2 ? 'drop' : 'internal', rate: 0.15, seed: 42 + i });
        aws.emulator.faults.add({ service, kind: 'throttle', rate: 0.1, seed: 4200 + i });
    });
    const clusters = aws.driver(clusterType, { logicalResourceId: 'Cluster' });
    const keyStores = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });

    // WHEN a cluster and a key store on it are created
    const cluster = await clusters.create(clusterProperties(aws));
    expectSuccess(cluster);
    const clusterId = cluster.model!.ClusterId as string;
    const keyStore = await keyStores.create(keyStoreProperties(aws, cluster.model!));
    expectSuccess(keyStore);

    // THEN one of each, and one activation
    expect(liveClusters(aws).map((c) => [c.clusterId, c.state])).toEqual([[clusterId, 'ACTIVE']]);
    expect(liveHsms(aws, clusterId)).toHaveLength(2);
    // admin credentials and trust anchor; the CA key is destroyed once the cluster is initialized
    expect(secretsOf(aws, clusterId)).toHaveLength(2);
    expect([...aws.emulator.state.commands.values()].flat().filter((c) => c.comment?.startsWith('Activate'))).toHaveLength(1);
    expect([...aws.emulator.state.keyStores.values()].map((s) => [s.customKeyStoreId, s.connectionState])).toEqual([[keyStore.model!.KeyStoreId, 'CONNECTED']]);

    // WHEN both are deleted, the key store first (as CloudFormation orders it by the reference)
    expectSuccess(await keyStores.delete(keyStore.model!));
    expectSuccess(await clusters.delete(cluster.model!));

    // THEN nothing is left but the two secrets the cluster type keeps for a restore from its backups
    expect(aws.emulator.state.keyStores.size).toBe(0);
    expect([...aws.emulator.state.secrets.values()].filter((s) => s.deletedDate === undefined && s.name.startsWith('cloudhsm/key-stores/'))).toEqual([]);
    expectOnlyDocumentedLeftovers(aws, clusterId);
    // AND the faults did happen, to mutating calls of both types too
    const lost = aws.emulator.calls.filter((c) => c.responseLost && !['logs', 'cloudwatch'].includes(c.service) && !/^(Describe|List|Get)/.test(c.action));
    expect(lost.length).toBeGreaterThanOrEqual(3);
});
