/**
 * Each type's bundle (npm run build) beside a default-style build of the same handler module: the same
 * esbuild settings, but with the real `aws-sdk` v2 that the CloudFormation library normally pulls in, which
 * the bench installs into a scratch directory of its own (never into the project). Size, and module load time
 * and peak memory in a fresh Node process, each the median of several processes.
 */
import { execFileSync } from 'child_process';
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

const root = join(__dirname, '..');
const scratch = join(tmpdir(), 'cloudhsm-bench-default-style');

export interface LoadFigures {
    loadMs: number;
    peakRssMiB: number;
}

export interface BundleFigures {
    folder: string;
    bytes: number;
    /** The default-style build's bundle plus the `aws-sdk` install it needs beside it. */
    defaultStyleBytes: number;
    ours: LoadFigures;
    defaultStyle: LoadFigures;
    emptyProcess: LoadFigures;
}

export async function measureBundles(runs: number, progress?: (line: string) => void): Promise<BundleFigures[]> {
    progress?.('bundles: npm run build');
    execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'pipe' });
    const folders = readdirSync(root).filter((f) => existsSync(join(root, f, 'dist', 'handlers.js')) && existsSync(join(root, f, 'src', 'handlers.ts')));
    progress?.(`bundles: aws-sdk v2 in ${scratch}`);
    installSdkV2();
    const emptyProcess = medianLoad(undefined, runs);
    const figures: BundleFigures[] = [];
    for (const folder of folders) {
        progress?.(`bundles: ${folder}, ${runs} fresh processes each`);
        const ours = join(root, folder, 'dist', 'handlers.js');
        const defaultStyle = await buildDefaultStyle(folder);
        figures.push({
            folder,
            bytes: statSync(ours).size,
            defaultStyleBytes: statSync(defaultStyle).size + treeBytes(join(scratch, 'node_modules')),
            ours: medianLoad(ours, runs),
            defaultStyle: medianLoad(defaultStyle, runs),
            emptyProcess,
        });
    }
    return figures;
}

function installSdkV2(): void {
    if (existsSync(join(scratch, 'node_modules', 'aws-sdk', 'package.json'))) return;
    mkdirSync(scratch, { recursive: true });
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ private: true, description: 'npm run bench: the default-style build' }));
    const npm = process.env.npm_execpath;
    const [command, args] = npm ? [process.execPath, [npm]] : ['npm', []];
    execFileSync(command, [...args, 'install', '--no-audit', '--no-fund', '--no-package-lock', 'aws-sdk@2'], { cwd: scratch, stdio: 'pipe' });
}

/** build.mjs's settings, with `aws-sdk` left to the library's own require. */
async function buildDefaultStyle(folder: string): Promise<string> {
    const outfile = join(scratch, folder, 'handlers.js');
    await build({
        entryPoints: [join(root, folder, 'src', 'handlers.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        minify: true,
        keepNames: true,
        legalComments: 'none',
        mainFields: ['module', 'main'],
        external: ['aws-sdk', 'aws-sdk/*'],
        logLevel: 'error',
    });
    return outfile;
}

const LOAD_SCRIPT = `
const path = process.argv[1];
const started = process.hrtime.bigint();
if (path) require(path);
const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(JSON.stringify({ loadMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
`;

function medianLoad(path: string | undefined, runs: number): LoadFigures {
    const samples = Array.from({ length: runs }, () => JSON.parse(execFileSync(process.execPath, ['-e', LOAD_SCRIPT, path ?? ''], { encoding: 'utf8' })) as LoadFigures);
    return { loadMs: median(samples.map((s) => s.loadMs)), peakRssMiB: median(samples.map((s) => s.peakRssMiB)) };
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function treeBytes(path: string): number {
    const stat = statSync(path);
    if (!stat.isDirectory()) return stat.size;
    return readdirSync(path).reduce((sum, entry) => sum + treeBytes(join(path, entry)), 0);
}
