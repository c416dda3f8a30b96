/**
 * Peak memory of one type's bundle during a create step: starts the emulator, makes what the type's create needs
 * (local/contract/inputs.ts, through the source handlers), then has a fresh plain Node process
 * (bench/invoke-bundle.cjs) require the bundle and run the first create invocation, and reads that process's
 * maxRSS afterwards, once the library's last log lines are delivered. Prints one JSON line.
 *
 *   tsx bench/create-step.ts <type folder> [bundle path] [invocations]
 */
import { fork } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { contractInputs } from '../local/contract/inputs';
import { startLocalAws } from '../local/runtime';

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

async function main(folder: string, bundlePath: string, invocations: number): Promise<void> {
    const types = sourceTypes();
    const type = types.find((t) => t.folder === folder);
    if (!type) throw new Error(`No type folder ${folder}; the types: ${types.map((t) => t.folder).join(', ')}`);
    const aws = await startLocalAws();
    const inputsRoot = mkdtempSync(join(tmpdir(), 'create-step-'));
    try {
        // Every type's inputs are built, as a type may need another's resource (the key store a cluster).
        const inputs = await contractInputs(aws, types, inputsRoot);
        // Forked after startLocalAws: the child inherits AWS_ENDPOINT_URL and AWS_REGION.
        // The runtime's Node (node_modules/.bin/node, 22), whatever Node runs this script.
        const child = fork(join(__dirname, 'invoke-bundle.cjs'), [bundlePath], {
            execPath: join(root, 'node_modules', '.bin', 'node'),
            stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        const next = (type: string) => new Promise<any>((resolve, reject) => {
            const onMessage = (message: any) => {
                if (message.type !== type) return;
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
        const report = await driver.create(inputs[folder].create, { maxInvocations: invocations });
        const figures = next('figures');
        child.send({ type: 'figures' });
        const { loadMs, maxRssMiB } = await figures;
        child.kill();
        process.stdout.write(
            CREATE_STEP_PREFIX + JSON.stringify({ folder, invocations: report.invocations, status: report.last.status, errorCode: report.last.errorCode, loadMs, maxRssMiB }) + '\n',
        );
    } finally {
        rmSync(inputsRoot, { recursive: true, force: true });
        await aws.stop();
    }
}

const [folder, bundlePath, invocations] = process.argv.slice(2);
main(folder, bundlePath ?? join(root, folder ?? '', 'dist', 'handlers.js'), Number(invocations ?? 1)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
