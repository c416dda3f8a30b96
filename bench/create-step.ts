/**
 * Peak memory of each type's bundle during a create step: starts the emulator, makes what the types' creates
 * need (local/contract/inputs.ts, through the source handlers, once for all), then for each type has a fresh
 * plain Node process (bench/invoke-bundle.cjs) require the bundle and run the first create invocation, and
 * reads that process's maxRSS afterwards, once the library's last log lines are delivered. Prints one JSON
 * line per type.
 *
 *   tsx bench/create-step.ts [--invocations N] <type folder>[=<bundle path>] ...
 */
import { fork } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { contractInputs } from '../local/contract/inputs';
import { LocalAws, startLocalAws } from '../local/runtime';

const root = join(__dirname, '..');
export const CREATE_STEP_PREFIX = 'CREATE-STEP-FIGURES ';

interface SourceType {
    folder: string;
    typeName: string;
    entrypoint: (event: unknown, context: unknown) => Promise<unknown>;
    schema: { typeName: string; primaryIdentifier: string[] };
}

function sourceTypes(): SourceType[] {
    const suite = JSON.parse(readFileSync(join(root, '.rpdk-config'), 'utf8')) as { types: Array<{ folder: string }> };
    return suite.types.map(({ folder }) => {
        const schema = JSON.parse(readFileSync(join(root, folder, 'schema.json'), 'utf8'));
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        return { folder, typeName: schema.typeName, entrypoint: require(join(root, folder, 'src', 'handlers')).entrypoint, schema };
    });
}

async function main(targets: Array<{ folder: string; bundlePath: string }>, invocations: number): Promise<void> {
    const types = sourceTypes();
    const unknown = targets.filter((t) => !types.some((type) => type.folder === t.folder));
    if (!targets.length || unknown.length) throw new Error(`No type folder ${unknown.map((t) => t.folder).join(', ')}; the types: ${types.map((t) => t.folder).join(', ')}`);
    const aws = await startLocalAws();
    const inputsRoot = mkdtempSync(join(tmpdir(), 'create-step-'));
    try {
        // Every type's inputs are built, as a type may need another's resource (the key store a cluster).
        const inputs = await contractInputs(aws, types, inputsRoot);
        for (const { folder, bundlePath } of targets) await createStep(aws, types.find((t) => t.folder === folder)!, bundlePath, inputs[folder].create, invocations);
    } finally {
        rmSync(inputsRoot, { recursive: true, force: true });
        await aws.stop();
    }
}

async function createStep(aws: LocalAws, type: SourceType, bundlePath: string, properties: Record<string, unknown>, invocations: number): Promise<void> {
    // Forked after startLocalAws: the child inherits AWS_ENDPOINT_URL and AWS_REGION.
    // The runtime's Node (node_modules/.bin/node, 22), whatever Node runs this script.
    const child = fork(join(__dirname, 'invoke-bundle.cjs'), [bundlePath], {
        execPath: join(root, 'node_modules', '.bin', 'node'),
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
        const next = (kind: string) => new Promise<any>((resolve, reject) => {
            const onMessage = (message: any) => {
                if (message.type !== kind) return;
                child.off('message', onMessage);
                resolve(message);
            };
            child.on('message', onMessage);
            child.once('exit', (code) => reject(new Error(`The bundle's process exited (${code})`)));
        });
        await next('loaded');
        const entrypoint = async (payload: unknown) => {
            const answer = next('result');
            child.send({ type: 'invoke', payload });
            const { event, error } = await answer;
            if (error) throw new Error(error);
            return event;
        };
        // The bundle's own library sleeps 250 ms of real time between the log lines it delivers.
        const driver = aws.driver({ entrypoint, schema: type.schema }, { logicalResourceId: 'Bench', beforeReinvoke: () => aws.emulator.whenQuiet(600) });
        const report = await driver.create(properties, { maxInvocations: invocations });
        const figures = next('figures');
        child.send({ type: 'figures' });
        const { loadMs, maxRssMiB } = await figures;
        process.stdout.write(
            CREATE_STEP_PREFIX +
                JSON.stringify({ folder: type.folder, invocations: report.invocations, status: report.last.status, errorCode: report.last.errorCode, loadMs, maxRssMiB }) +
                '\n',
        );
    } finally {
        child.kill();
    }
}

const args = process.argv.slice(2);
const invocationsAt = args.indexOf('--invocations');
const invocations = invocationsAt >= 0 ? Number(args.splice(invocationsAt, 2)[1]) : 1;
const targets = args.map((arg) => {
    const [folder, bundlePath] = arg.split('=');
    return { folder, bundlePath: bundlePath ?? join(root, folder, 'dist', 'handlers.js') };
});
main(targets, invocations).catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
