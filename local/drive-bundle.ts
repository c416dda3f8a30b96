/**
 * Drives a bundled handler file in a plain Node process (as Lambda loads it) against the emulator, and prints
 * a JSON summary. Used by test/bundle.test.ts; jest's module sandbox cannot load the bundle's ES-module
 * dynamic imports, Node can.
 *
 *   tsx local/drive-bundle.ts cluster-resource/dist/handlers.js
 */
import { resolve } from 'path';
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as sourceEntrypoint } from '../cluster-resource/src/handlers';
import { startLocalAws } from './runtime';

/** The bundle's library prints to stdout too; the summary is the line with this prefix. */
export const RESULT_PREFIX = 'DRIVE-BUNDLE-RESULT ';

async function main(bundlePath: string): Promise<void> {
    const loadStart = process.hrtime.bigint();
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const bundle = require(resolve(bundlePath));
    const requireMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    const aws = await startLocalAws();
    // The bundle's own library copy sleeps 250 ms of real time between log lines it delivers.
    const bundleQuiet = () => aws.emulator.whenQuiet(600);
    try {
        const bundled = aws.driver({ entrypoint: bundle.entrypoint, schema: clusterSchema }, { logicalResourceId: 'BundledCluster', beforeReinvoke: bundleQuiet });
        const source = aws.driver({ entrypoint: sourceEntrypoint, schema: clusterSchema });
        const properties = { SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], HsmsPerSubnet: 1, ManagementInstanceId: aws.network.managementInstanceId, Mode: 'NON_FIPS' };
        // The bundle's own copy of the library sleeps on the wall clock, so it runs the first step and the
        // synchronous actions; the source build runs the waits in between.
        const first = await bundled.create(properties, { maxInvocations: 1 });
        const clusterId = first.last.resourceModel?.ClusterId as string | undefined;
        const finished = clusterId ? await source.create(first.last.resourceModel!, { callbackContext: first.last.callbackContext, stringify: false }) : undefined;
        const read = clusterId ? await bundled.read({ ClusterId: clusterId }) : undefined;
        const listed = await bundled.list();
        const logLines = [...(aws.emulator.state.logGroups.get('community-cloudhsm-cluster-logs')?.values() ?? [])].flat().map((e) => e.message);
        process.stdout.write(
            RESULT_PREFIX +
            JSON.stringify({
                requireMs,
                first: first.last,
                emulatedMode: clusterId ? aws.emulator.state.clusters.get(clusterId)?.mode : undefined,
                finished: finished && { status: finished.status, model: finished.model },
                read: read && { status: read.status, model: read.model, message: read.message },
                listed: listed.models?.map((m) => m.ClusterId),
                logLines,
            }) +
            '\n',
        );
    } finally {
        await aws.stop();
    }
}

main(process.argv[2]).catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
