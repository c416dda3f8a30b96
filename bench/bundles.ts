/**
 * Each type's bundle (npm run build) beside a default-style build of the same handler module, with the real
 * `aws-sdk` v2 that the CloudFormation library normally pulls in, which the bench installs into a scratch
 * directory of its own (never into the project). The figures themselves come from bench/bundle-figures.mjs,
 * run in a process of its own before the scenarios, so that nothing else of the bench runs beside the fresh
 * processes it times.
 */
import { execFile } from 'child_process';
import { existsSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { promisify } from 'util';

const root = join(__dirname, '..');
const scratch = join(tmpdir(), 'cloudhsm-bench-default-style');
const run = promisify(execFile);

/** Load figures of fresh processes: medians over `runs`, wall and CPU milliseconds. */
export interface LoadFigures {
    /** Wall time of `require(bundle)` alone. */
    loadMs: number;
    /** CPU time (user + system) of `require(bundle)` alone. */
    loadCpuMs: number;
    /** Wall time of the whole process, from spawn to exit. */
    processMs: number;
    /** CPU time of the whole process. */
    processCpuMs: number;
    loadMaxRssMiB: number;
    runs: number;
}

export interface BundleFigures {
    folder: string;
    typeName: string;
    bytes: number;
    ours: LoadFigures;
    /** maxRSS of the process that ran the bundle's first create invocation against the emulator. */
    createMaxRssMiB: number;
    defaultStyle: LoadFigures & { bytes: number };
    emptyProcess: LoadFigures;
    /** The machine's 1-minute load average when the figures were taken, and its CPUs. */
    loadAverage: number;
    cpus: number;
    node: string;
}

/** Installs aws-sdk v2 into the scratch directory (once; later runs reuse it) and returns its package folder. */
export async function prepareDefaultStyle(progress?: (line: string) => void): Promise<string> {
    const sdk = join(scratch, 'node_modules', 'aws-sdk');
    if (existsSync(join(sdk, 'package.json'))) return sdk;
    progress?.(`bundles: installing aws-sdk v2 into ${scratch}`);
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ private: true, description: 'npm run bench: the default-style build' }));
    const npm = process.env.npm_execpath;
    const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
    await run(command, [...args, 'install', '--no-audit', '--no-fund', '--no-package-lock', 'aws-sdk@2'], { cwd: scratch });
    return sdk;
}

export async function measureBundles(runs: number, sdkV2Dir: string, progress?: (line: string) => void): Promise<BundleFigures[]> {
    progress?.(`bundles: build, then ${runs} fresh processes per figure, and a create step per type`);
    const { stdout } = await run(join(root, 'node_modules', '.bin', 'node'), [join(__dirname, 'bundle-figures.mjs'), '--json', '--runs', String(runs)], {
        cwd: root,
        env: { ...process.env, AWS_SDK_V2_DIR: sdkV2Dir },
        maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as BundleFigures[];
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
