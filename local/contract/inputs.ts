/**
 * The inputs `cfn test` reads from a type's folder (inputs/inputs_1_{create,update,invalid}.json), for the
 * network, the instance and the cluster that exist in this endpoint's emulator.
 */
import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { LocalAws } from '../runtime';

type Properties = Record<string, unknown>;

export interface TypeInputs {
    create: Properties;
    update: Properties;
    /** Fails validation before anything is created (InvalidRequest). */
    invalid: Properties;
}

interface InputType {
    folder: string;
    typeName: string;
    entrypoint: (event: unknown, context: unknown) => Promise<unknown>;
    schema: { typeName: string; primaryIdentifier: string[] };
}

type Builder = (aws: LocalAws, types: InputType[]) => Promise<TypeInputs>;

const clusterInputs: Builder = async (aws) => {
    const create = {
        SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
        HsmsPerSubnet: 1,
        ManagementInstanceId: aws.network.managementInstanceId,
        Tags: [{ Key: 'purpose', Value: 'contract-test' }],
    };
    return {
        create,
        update: { ...create, BackupRetentionDays: 30, Tags: [{ Key: 'purpose', Value: 'contract-test-updated' }] },
        invalid: { ...create, HsmsPerSubnet: 29 },
    };
};

/** A key store needs an ACTIVE cluster: made here through the cluster type's own bundle. */
const keyStoreInputs: Builder = async (aws, types) => {
    const clusterType = types.find((t) => t.typeName.endsWith('::Cluster'));
    if (!clusterType) throw new Error('The key store inputs need the cluster type');
    const cluster = await aws.driver({ entrypoint: clusterType.entrypoint, schema: clusterType.schema }, { logicalResourceId: 'ContractTestCluster', providerLogGroupName: null }).create({
        SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
        HsmsPerSubnet: 1,
        ManagementInstanceId: aws.network.managementInstanceId,
    });
    if (cluster.status !== 'SUCCESS') throw new Error(`The cluster for the key store inputs failed: ${cluster.errorCode}: ${cluster.message}`);
    const create = {
        KeyStoreName: 'contract-test-keys',
        ClusterId: cluster.model!.ClusterId,
        TrustAnchorCertificate: cluster.model!.TrustAnchorCertificate,
        AdminSecretArn: cluster.model!.AdminSecretArn,
        ManagementInstanceId: aws.network.managementInstanceId,
    };
    return { create, update: { ...create, KeyStoreName: 'contract-test-keys-renamed' }, invalid: { ...create, KeyStoreName: '' } };
};

const builders: Record<string, Builder> = { Cluster: clusterInputs, KeyStore: keyStoreInputs };

export async function contractInputs(aws: LocalAws, types: InputType[], inputsRoot: string): Promise<Record<string, TypeInputs>> {
    const all: Record<string, TypeInputs> = {};
    for (const type of types) {
        const resource = type.typeName.split('::')[2];
        const build = builders[resource];
        if (!build) throw new Error(`No contract-test inputs for ${type.typeName}; add a builder to local/contract/inputs.ts`);
        const inputs = await build(aws, types);
        const dir = join(inputsRoot, type.folder, 'inputs');
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        for (const [kind, properties] of Object.entries(inputs)) writeFileSync(join(dir, `inputs_1_${kind}.json`), JSON.stringify(properties, null, 4) + '\n');
        all[type.folder] = inputs;
    }
    return all;
}
