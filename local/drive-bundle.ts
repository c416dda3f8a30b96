/**
 * Drives a bundled handler file in a plain Node process (as Lambda loads it) against the emulator, and prints
 * a JSON summary. Used by test/bundle.test.ts; jest's module sandbox cannot load the bundle's ES-module
 * dynamic imports, Node can.
 *
 *   tsx local/drive-bundle.ts cluster cluster-resource/dist/handlers.js
 *   tsx local/drive-bundle.ts keystore keystore-resource/dist/handlers.js
 */
import { resolve } from 'path';
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import keyStoreSchema from '../keystore-resource/schema.json';
import { entrypoint as keyStoreEntrypoint } from '../keystore-resource/src/handlers';
import { TypeUnderTest } from './driver/driver';
import { LocalAws, startLocalAws } from './runtime';

/** The bundle's library prints to stdout too; the summary is the line with this prefix. */
export const RESULT_PREFIX = 'DRIVE-BUNDLE-RESULT ';

interface BundledType {
    source: TypeUnderTest;
    /** The primary identifier property. */
    identifier: string;
    /** What a user declares; may first make what the resource needs (the key store needs a cluster). */
    properties(aws: LocalAws): Promise<Record<string, unknown>>;
    /** Anything type-specific for the summary, read from the emulator. */
    emulated(aws: LocalAws, id: string): Record<string, unknown>;
}

const bundledTypes: Record<string, BundledType> = {
    cluster: {
        source: { entrypoint: clusterEntrypoint, schema: clusterSchema },
        identifier: 'ClusterId',
        properties: async (aws) => ({
            SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
            HsmsPerSubnet: 1,
            ManagementInstanceId: aws.network.managementInstanceId,
            Mode: 'NON_FIPS',
        }),
        emulated: (aws, id) => ({ mode: aws.emulator.state.clusters.get(id)?.mode }),
    },
    keystore: {
        source: { entrypoint: keyStoreEntrypoint, schema: keyStoreSchema },
        identifier: 'KeyStoreId',
        properties: async (aws) => {
            const cluster = await aws.driver({ entrypoint: clusterEntrypoint, schema: clusterSchema }).create({
                SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
                HsmsPerSubnet: 1,
                ManagementInstanceId: aws.network.managementInstanceId,
            });
            if (cluster.status !== 'SUCCESS') throw new Error(`The cluster for the key store failed: ${cluster.errorCode}: ${cluster.message}`);
            return {
                KeyStoreName: 'bundled-keys',
                ClusterId: cluster.model!.ClusterId,
                TrustAnchorCertificate: cluster.model!.TrustAnchorCertificate,
                AdminSecretArn: cluster.model!.AdminSecretArn,
                ManagementInstanceId: aws.network.managementInstanceId,
            };
        },
        emulated: (aws, id) => ({ connectionState: aws.emulator.state.keyStores.get(id)?.connectionState }),
    },
};

async function main(typeKey: string, bundlePath: string): Promise<void> {
    const type = bundledTypes[typeKey];
    if (!type) throw new Error(`Unknown type ${typeKey}; expected one of ${Object.keys(bundledTypes).join(', ')}`);
    const loadStart = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const bundle = require(resolve(bundlePath));
    const requireMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    const aws = await startLocalAws();
    // The bundle's own library copy sleeps 250 ms of real time between log lines it delivers.
    const bundleQuiet = () => aws.emulator.whenQuiet(600);
    try {
        const schema = type.source.schema;
        const bundled = aws.driver({ entrypoint: bundle.entrypoint, schema }, { logicalResourceId: 'Bundled', beforeReinvoke: bundleQuiet });
        const source = aws.driver(type.source);
        const properties = await type.properties(aws);
        // The bundle's own copy of the library sleeps on the wall clock, so it runs the first step and the
        // synchronous actions; the source build runs the waits in between.
        const first = await bundled.create(properties, { maxInvocations: 1 });
        const id = first.last.resourceModel?.[type.identifier] as string | undefined;
        const finished = id ? await source.create(first.last.resourceModel!, { callbackContext: first.last.callbackContext, stringify: false }) : undefined;
        const read = id ? await bundled.read({ [type.identifier]: id }) : undefined;
        const listed = await bundled.list();
        const logGroup = `${schema.typeName.replace(/::/g, '-').toLowerCase()}-logs`;
        const logLines = [...(aws.emulator.state.logGroups.get(logGroup)?.values() ?? [])].flat().map((e) => e.message);
        process.stdout.write(
            RESULT_PREFIX +
                JSON.stringify({
                    requireMs,
                    first: first.last,
                    id,
                    emulated: id ? type.emulated(aws, id) : undefined,
                    finished: finished && { status: finished.status, model: finished.model, message: finished.message },
                    read: read && { status: read.status, model: read.model, message: read.message },
                    listed: listed.models?.map((m) => m[type.identifier]),
                    logLines,
                }) +
                '\n',
        );
    } finally {
        await aws.stop();
    }
}

main(process.argv[2], process.argv[3]).catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
