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

/** Creates a prerequisite through its type's own bundle, as a stack would before the resource under test. */
async function prerequisite(aws: LocalAws, types: InputType[], resource: string, properties: Properties): Promise<Properties> {
    const type = types.find((t) => t.typeName.endsWith(`::${resource}`));
    if (!type) throw new Error(`The contract-test inputs need the ${resource} type`);
    const driver = aws.driver({ entrypoint: type.entrypoint, schema: type.schema }, { logicalResourceId: `ContractTest${resource}`, providerLogGroupName: null });
    const made = await driver.create(properties);
    if (made.status !== 'SUCCESS') throw new Error(`The ${resource} for the contract-test inputs failed: ${made.errorCode}: ${made.message}`);
    return made.model!;
}

/** An ACTIVE cluster of its own for each key store: KMS lets only one custom key store use a cluster. */
const activeCluster = (aws: LocalAws, types: InputType[]) =>
    prerequisite(aws, types, 'Cluster', { SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], HsmsPerSubnet: 1, ManagementInstanceId: aws.network.managementInstanceId });

const keyStoreProperties = async (aws: LocalAws, types: InputType[], name: string) => {
    const cluster = await activeCluster(aws, types);
    return {
        KeyStoreName: name,
        ClusterId: cluster.ClusterId,
        TrustAnchorCertificate: cluster.TrustAnchorCertificate,
        AdminSecretArn: cluster.AdminSecretArn,
        ManagementInstanceId: aws.network.managementInstanceId,
    };
};

const keyStoreInputs: Builder = async (aws, types) => {
    const create = await keyStoreProperties(aws, types, 'contract-test-keys');
    return { create, update: { ...create, KeyStoreName: 'contract-test-keys-renamed' }, invalid: { ...create, KeyStoreName: '' } };
};

/** A KMS key needs a CONNECTED key store: made here, on a second cluster, through the key store type's bundle. */
const kmsKeyInputs: Builder = async (aws, types) => {
    const store = await prerequisite(aws, types, 'KeyStore', await keyStoreProperties(aws, types, 'contract-test-key-home'));
    const create = { CustomKeyStoreId: store.KeyStoreId, Description: 'contract test', PendingWindowInDays: 7, Tags: [{ Key: 'purpose', Value: 'contract-test' }] };
    return {
        create,
        update: { ...create, Description: 'contract test, updated', Enabled: false, Tags: [{ Key: 'purpose', Value: 'contract-test-updated' }] },
        invalid: { ...create, KeySpec: 'RSA_2048' },
    };
};

const builders: Record<string, Builder> = { Cluster: clusterInputs, KeyStore: keyStoreInputs, KmsKey: kmsKeyInputs };

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
