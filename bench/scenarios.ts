/**
 * The workflows the benchmarks measure, each on a fresh emulator. A scenario drives the real entrypoints
 * through the driver, as a stack would, and runs each operation it measures through `measure`, which applies
 * the wait policy being measured to that operation alone; setup work (the cluster a key store needs) is
 * driven the same way, under our own policy, and not measured.
 */
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import keyStoreSchema from '../keystore-resource/schema.json';
import { entrypoint as keyStoreEntrypoint } from '../keystore-resource/src/handlers';
import kmsKeySchema from '../kmskey-resource/schema.json';
import { entrypoint as kmsKeyEntrypoint } from '../kmskey-resource/src/handlers';
import { OperationReport, TypeUnderTest } from '../local/driver/driver';
import { SsmService } from '../local/emulator/services/ssm';
import { LocalAws } from '../local/runtime';

export type Measure = (operation: string, run: () => Promise<OperationReport>) => Promise<OperationReport>;

export interface Scenario {
    name: string;
    /** A create whose waits the spread of service latencies is run against (reported as median and worst). */
    creates?: string;
    /** `createOnly`: stop after the create (the spread measures only that). */
    run(aws: LocalAws, measure: Measure, createOnly?: boolean): Promise<void>;
}

/**
 * The driver, with CloudFormation's next invocation coming once the emulator has answered every request and
 * the scripts on the instance have ended. The handlers run in this process, so their last request has reached
 * the emulator within a few turns of the event loop; the runtime's default waits a quiet period of real time.
 */
function driverOf(aws: LocalAws, type: TypeUnderTest, logicalResourceId: string) {
    const ssm = aws.emulator.service<SsmService>('ssm');
    return aws.driver(type, {
        logicalResourceId,
        beforeReinvoke: async () => {
            await aws.emulator.whenIdle();
            await ssm.whenAllFinished();
            await aws.emulator.whenIdle();
        },
    });
}

const clusters = (aws: LocalAws) => driverOf(aws, { entrypoint: clusterEntrypoint, schema: clusterSchema }, 'Cluster');
const keyStores = (aws: LocalAws) => driverOf(aws, { entrypoint: keyStoreEntrypoint, schema: keyStoreSchema }, 'KeyStore');
const kmsKeys = (aws: LocalAws) => driverOf(aws, { entrypoint: kmsKeyEntrypoint, schema: kmsKeySchema }, 'Key');

function succeeded(operation: string, report: OperationReport): Record<string, unknown> {
    if (report.status !== 'SUCCESS') throw new Error(`${operation}: ${report.status} ${report.errorCode ?? ''} ${report.message ?? ''}`);
    return report.model ?? {};
}

/** Runs `operation` measured and requires it to succeed. */
const measured = async (measure: Measure, operation: string, run: () => Promise<OperationReport>) => succeeded(operation, await measure(operation, run));

const selfSigned = (aws: LocalAws, subnets: Array<'a' | 'b' | 'c'>, hsmsPerSubnet: number) => ({
    SubnetIds: subnets.map((s) => aws.network.subnetIds[s]),
    HsmsPerSubnet: hsmsPerSubnet,
    ManagementInstanceId: aws.network.managementInstanceId,
});

/** The typical cluster, 2 subnets × 1 HSM, self-signed, activated: measured as `operation`, or setup when no `measure`. */
async function typicalCluster(aws: LocalAws, measure?: Measure, operation = CREATE_2X1) {
    const properties = selfSigned(aws, ['a', 'b'], 1);
    const create = () => clusters(aws).create(properties);
    const model = measure ? await measured(measure, operation, create) : succeeded(`setup: ${operation}`, await create());
    return { properties: { ...properties, ClusterId: model.ClusterId }, model };
}

/** A key store on the typical cluster, declared as a user would. */
function keyStoreProperties(aws: LocalAws, cluster: Record<string, unknown>) {
    return {
        KeyStoreName: 'bench-keys',
        ClusterId: cluster.ClusterId,
        TrustAnchorCertificate: cluster.TrustAnchorCertificate,
        AdminSecretArn: cluster.AdminSecretArn,
        ManagementInstanceId: aws.network.managementInstanceId,
    };
}

export const CREATE_2X1 = 'cluster create, 2 subnets × 1 HSM';

export const SCENARIOS: Scenario[] = [
    {
        name: '2 × 1',
        creates: CREATE_2X1,
        run: async (aws, measure, createOnly) => {
            const { properties } = await typicalCluster(aws, measure);
            if (createOnly) return;
            await measured(measure, 'cluster delete, 2 × 1', () => clusters(aws).delete(properties));
        },
    },
    {
        name: '3 × 2',
        creates: 'cluster create, 3 subnets × 2 HSMs',
        run: async (aws, measure, createOnly) => {
            const properties = selfSigned(aws, ['a', 'b', 'c'], 2);
            const model = await measured(measure, 'cluster create, 3 subnets × 2 HSMs', () => clusters(aws).create(properties));
            if (createOnly) return;
            await measured(measure, 'cluster delete, 3 × 2', () => clusters(aws).delete({ ...properties, ClusterId: model.ClusterId }));
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
            const restored = await measured(measure, 'cluster restore from a backup, 2 × 1', () => clusters(aws).create(properties));
            if (createOnly) return;
            await measured(measure, 'cluster delete, restored', () => clusters(aws).delete({ ...properties, ClusterId: restored.ClusterId }));
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
                await measured(measure, operation, () => clusters(aws).update(current, desired));
                current = desired;
            }
        },
    },
    {
        name: 'key store',
        run: async (aws, measure) => {
            const { model: cluster } = await typicalCluster(aws);
            const properties = keyStoreProperties(aws, cluster);
            const created = await measured(measure, 'key store create', () => keyStores(aws).create(properties));
            const current = { ...properties, KeyStoreId: created.KeyStoreId };
            const rotated = { ...current, KmsUserPasswordVersion: 2 };
            await measured(measure, 'key store kmsuser rotation', () => keyStores(aws).update(current, rotated));
            await measured(measure, 'key store delete', () => keyStores(aws).delete(rotated));
        },
    },
    {
        name: 'KMS key',
        run: async (aws, measure) => {
            const { model: cluster } = await typicalCluster(aws);
            const keyStore = succeeded('setup: key store create', await keyStores(aws).create(keyStoreProperties(aws, cluster)));
            const properties = { CustomKeyStoreId: keyStore.KeyStoreId, Description: 'bench key' };
            const key = await measured(measure, 'KMS key create', () => kmsKeys(aws).create(properties));
            await measured(measure, 'KMS key delete', () => kmsKeys(aws).delete({ ...properties, ...key }));
        },
    },
];
