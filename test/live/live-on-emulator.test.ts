/**
 * `npm run test:live` on the embedded emulator: the same entry module (live/cli.ts with `--emulator`), the same
 * bundled handlers, driver and inputs format (the seeded subnet and instance IDs, written as a config file),
 * with AWS_ENDPOINT_URL at the emulator and the shared clock. The bundles run in a plain Node process, as in
 * test/bundle.test.ts; their library sleeps on the wall clock (about 2 s per invocation), so the three runs
 * start together and the tests read their results.
 */
import { execFile, execFileSync } from 'child_process';
import { join } from 'path';
import { QUICK_SERVICE_DURATIONS } from '../support';

const root = join(__dirname, '..', '..');
const RESULT_PREFIX = 'LIVE-RESULT ';

interface LiveResult {
    exitCode: number;
    stdout: string;
    result: {
        exitCode: number;
        outcome?: { phases: Array<{ name: string; status: string; errorCode?: string }>; left: Record<string, string[]> };
        inputs: { region: string; subnetIds: string[]; instanceId: string };
        recordedCalls: Record<string, number>;
        emulatorCalls: Record<string, number>;
    };
}

/** Runs `tsx live/cli.ts --emulator …` as `npm run test:live -- --emulator …` would. */
function runLive(args: string[], env: Record<string, string | undefined> = {}): Promise<LiveResult> {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const argv = [join(root, 'live', 'cli.ts'), '--emulator', '--service-timings', JSON.stringify(QUICK_SERVICE_DURATIONS), ...args];
    return new Promise((resolve, reject) => {
        execFile(tsx, argv, { cwd: root, env: { ...process.env, LIVE_ACKNOWLEDGE_COST: undefined, ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
            if (!line) return reject(new Error(`no result line; exit ${error?.code}\n${stdout}\n${stderr}`));
            resolve({ exitCode: (error?.code as number | undefined) ?? 0, stdout, result: JSON.parse(line.slice(RESULT_PREFIX.length)) });
        });
    });
}

const LIFECYCLE = [
    'cluster: create',
    'cluster: read',
    'cluster: grow to 2 per subnet',
    'cluster: shrink to 0',
    'cluster: grow back to 1',
    'key store: create',
    'key store: rotate kmsuser',
    'key store: delete',
    'cluster: delete',
];
const NOTHING_LEFT = { clusters: [], hsms: [], backups: [], secrets: [], keyStores: [] };

let succeeded: Promise<LiveResult>;
let refused: Promise<LiveResult>;
let keyStoreFails: Promise<LiveResult>;

beforeAll(() => {
    execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'pipe' });
    succeeded = runLive([], { LIVE_ACKNOWLEDGE_COST: 'yes' });
    refused = runLive([]);
    // KMS keeps failing to connect: the key store exists, its create fails after the handler's retries.
    keyStoreFails = runLive(['--acknowledge-cost', '--fault', 'kms:ConnectCustomKeyStore:internal']);
    // Handled in the tests; this keeps a failed run from being an unhandled rejection before they await it.
    [succeeded, refused, keyStoreFails].forEach((run) => run.catch(() => undefined));
}, 120_000);

test('GIVEN the cost acknowledged WHEN the live test runs on the emulator THEN every phase succeeds, the report is npm start\'s, and the clean-up finds nothing left', async () => {
    const { exitCode, stdout, result } = await succeeded;

    expect(result.inputs.subnetIds).toHaveLength(2);
    expect(result.outcome!.phases).toEqual(LIFECYCLE.map((name) => ({ name, status: 'SUCCESS' })));
    expect(stdout).toMatch(/cluster: create\s+SUCCESS\n\s+emulated \d+ min \d\d s, \d+ invocation\(s\), \d+ AWS call\(s\)/);
    expect(stdout).toContain('cloudhsmv2:CreateCluster×1');
    expect(stdout).toMatch(/\nSUCCESS\n/);
    expect(result.outcome!.left).toEqual(NOTHING_LEFT);
    expect(stdout).toMatch(/Nothing of run live-[0-9a-f]{12} is left/);
    expect(exitCode).toBe(0);
}, 600_000);

test('GIVEN a live run WHEN it counts AWS calls at Node\'s http layer (as it must in a real account) THEN its counts are exactly the emulator\'s', async () => {
    const { result } = await succeeded;

    expect(result.recordedCalls['cloudhsmv2:CreateCluster']).toBe(1);
    expect(result.recordedCalls['kms:CreateCustomKeyStore']).toBe(1);
    expect(result.recordedCalls['ec2:DescribeSubnets']).toBeGreaterThan(0);
    expect(result.recordedCalls).toEqual(result.emulatorCalls);
}, 600_000);

test('GIVEN no cost acknowledgement WHEN the live test starts THEN it refuses, says what it would cost and where the price is, and calls nothing', async () => {
    const { exitCode, stdout, result } = await refused;

    expect(exitCode).toBe(2);
    expect(stdout).toMatch(/holds up to 4 HSMs/);
    expect(stdout).toMatch(/HSM-hours/);
    expect(stdout).toContain('https://aws.amazon.com/cloudhsm/pricing/');
    expect(stdout).toContain('Not started: set LIVE_ACKNOWLEDGE_COST=yes');
    expect(result.outcome).toBeUndefined();
    expect(result.emulatorCalls).toEqual({});
}, 600_000);

test('GIVEN the key store create fails midway WHEN the live test runs THEN it still deletes the key store and the cluster, reports nothing left, and exits non-zero', async () => {
    const { exitCode, stdout, result } = await keyStoreFails;
    const phases = result.outcome!.phases;

    expect(phases.slice(0, 5).every((p) => p.status === 'SUCCESS')).toBe(true);
    expect(phases[5]).toMatchObject({ name: 'key store: create', status: 'FAILED' });
    expect(phases.slice(6)).toEqual([
        { name: 'key store: delete', status: 'SUCCESS' },
        { name: 'cluster: delete', status: 'SUCCESS' },
    ]);
    expect(result.emulatorCalls['kms:DeleteCustomKeyStore']).toBe(1);
    expect(result.emulatorCalls['cloudhsmv2:DeleteCluster']).toBe(1);
    expect(result.outcome!.left).toEqual(NOTHING_LEFT);
    expect(stdout).toContain('Stopped: the key store create failed. Cleaning up.');
    expect(stdout).toMatch(/\nFAILED \(stopped: the key store create failed; key store: create\)\n/);
    expect(exitCode).toBe(1);
}, 600_000);
