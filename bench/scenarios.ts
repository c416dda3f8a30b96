/**
 * The workflows the benchmarks measure, each on a fresh emulator. A scenario drives the real entrypoints
 * through the driver, as a stack would, and hands each operation it measures to `measure`; setup work (the
 * cluster a key store needs) is driven the same way but not measured.
 */
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import keyStoreSchema from '../keystore-resource/schema.json';
import { entrypoint as keyStoreEntrypoint } from '../keystore-resource/src/handlers';
import { OperationReport } from '../local/driver/driver';
import { LocalAws } from '../local/runtime';

export type Measure = (operation: string, report: OperationReport) => OperationReport;

export interface Scenario {
    name: string;
    /** A create whose waits the spread of service latencies is run against (reported as median and worst). */
    creates?: string;
    /** `createOnly`: stop after the create (the spread measures only that). */
    run(aws: LocalAws, measure: Measure, createOnly?: boolean): Promise<void>;
}

const clusters = (aws: LocalAws) => aws.driver({ entrypoint: clusterEntrypoint, schema: clusterSchema }, { logicalResourceId: 'Cluster' });
const keyStores = (aws: LocalAws) => aws.driver({ entrypoint: keyStoreEntrypoint, schema: keyStoreSchema }, { logicalResourceId: 'KeyStore' });

function succeeded(operation: string, report: OperationReport): Record<string, unknown> {
    if (report.status !== 'SUCCESS') throw new Error(`${operation}: ${report.status} ${report.errorCode ?? ''} ${report.message ?? ''}`);
    return report.model ?? {};
}

const selfSigned = (aws: LocalAws, subnets: Array<'a' | 'b' | 'c'>, hsmsPerSubnet: number) => ({
    SubnetIds: subnets.map((s) => aws.network.subnetIds[s]),
    HsmsPerSubnet: hsmsPerSubnet,
    ManagementInstanceId: aws.network.managementInstanceId,
});

/** Creates (measured or not) the typical cluster: 2 subnets × 1 HSM, self-signed, activated. */
async function typicalCluster(aws: LocalAws, measure?: Measure, operation = 'setup: cluster create') {
    const properties = selfSigned(aws, ['a', 'b'], 1);
    const report = await clusters(aws).create(properties);
    const model = succeeded(operation, measure ? measure(operation, report) : report);
    return { properties: { ...properties, ClusterId: model.ClusterId }, model };
}

export const CREATE_2X1 = 'cluster create, 2 subnets × 1 HSM';

export const SCENARIOS: Scenario[] = [
    {
        name: '2 × 1',
        creates: CREATE_2X1,
        run: async (aws, measure, createOnly) => {
            const { properties } = await typicalCluster(aws, measure, CREATE_2X1);
            if (createOnly) return;
            succeeded('cluster delete', measure('cluster delete, 2 × 1', await clusters(aws).delete(properties)));
        },
    },
    {
        name: '3 × 2',
        creates: 'cluster create, 3 subnets × 2 HSMs',
        run: async (aws, measure, createOnly) => {
            const properties = selfSigned(aws, ['a', 'b', 'c'], 2);
            const model = succeeded('create', measure('cluster create, 3 subnets × 2 HSMs', await clusters(aws).create(properties)));
            if (createOnly) return;
            succeeded('delete', measure('cluster delete, 3 × 2', await clusters(aws).delete({ ...properties, ClusterId: model.ClusterId })));
        },
    },
    {
        name: 'restore',
        creates: 'cluster restore from a backup, 2 × 1',
        run: async (aws, measure, createOnly) => {
            const { model: source } = await typicalCluster(aws);
            aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
            aws.emulator.settle();
            const backup = [...aws.emulator.state.backups.values()]
                .filter((b) => b.clusterId === source.ClusterId && b.state === 'READY')
                .sort((a, b) => b.createTimestamp - a.createTimestamp)[0];
            if (!backup) throw new Error('restore: no READY backup of the source cluster');
            const properties = {
                ...selfSigned(aws, ['a', 'c'], 1),
                SourceBackupId: backup.backupId,
                SourceAdminSecretArn: source.AdminSecretArn,
                SourceTrustAnchorSecretArn: source.TrustAnchorSecretArn,
            };
            const restored = succeeded('restore', measure('cluster restore from a backup, 2 × 1', await clusters(aws).create(properties)));
            if (createOnly) return;
            succeeded('delete', measure('cluster delete, restored', await clusters(aws).delete({ ...properties, ClusterId: restored.ClusterId })));
        },
    },
    {
        name: 'grow, park, grow back',
        run: async (aws, measure) => {
            let { properties: current } = await typicalCluster(aws);
            for (const [operation, hsmsPerSubnet] of [
                ['cluster grow 1 → 2 per subnet', 2],
                ['cluster park 2 → 0 per subnet', 0],
                ['cluster grow back 0 → 1 per subnet', 1],
            ] as const) {
                const desired = { ...current, HsmsPerSubnet: hsmsPerSubnet };
                succeeded(operation, measure(operation, await clusters(aws).update(current, desired)));
                current = desired;
            }
        },
    },
    {
        name: 'key store',
        run: async (aws, measure) => {
            const { model: cluster } = await typicalCluster(aws);
            const properties = {
                KeyStoreName: 'bench-keys',
                ClusterId: cluster.ClusterId,
                TrustAnchorCertificate: cluster.TrustAnchorCertificate,
                AdminSecretArn: cluster.AdminSecretArn,
                ManagementInstanceId: aws.network.managementInstanceId,
            };
            const created = succeeded('key store create', measure('key store create', await keyStores(aws).create(properties)));
            const current = { ...properties, KeyStoreId: created.KeyStoreId };
            const rotated = { ...current, KmsUserPasswordVersion: 2 };
            succeeded('rotation', measure('key store kmsuser rotation', await keyStores(aws).update(current, rotated)));
            succeeded('key store delete', measure('key store delete', await keyStores(aws).delete(rotated)));
        },
    },
    // The KmsKey type (branch kmskey) joins here when it exists: a scenario that creates the typical cluster
    // and a key store as above (unmeasured), then measures 'kms key create' and 'kms key delete' through its
    // own driver; and its workflows join WORKFLOWS in bench/baseline-policy.ts.
];
