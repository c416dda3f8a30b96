// Per type: the bundle's bytes, the median time a fresh Node process takes to require it, and the peak resident
// memory (maxRSS) of a fresh process that loads it and runs a create step against the emulator; the same for an
// empty process. With AWS_SDK_V2_DIR (a real aws-sdk v2 package folder), also a default-style build: the same
// handlers with the SDK v2 the CloudFormation library normally pulls in, for comparison.
//
//   node bench/bundle-figures.mjs [--runs 7] [--no-build] [--no-create]
//   import { bundleFigures } from './bench/bundle-figures.mjs'; const figures = await bundleFigures({ runs: 7 });
//
// Load times are wall-clock milliseconds of `require(bundle)` alone (the process's own start is not in them), with
// the CPU milliseconds beside them: on a busy machine the CPU figure says more. Runs with node_modules/.bin/node.
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { fileURLToPath } from 'url';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import { root, types } from '../scripts/types.mjs';

const node = join(root, 'node_modules', '.bin', 'node');
const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const MiB = 1024 * 1024;

/** One fresh process: require `path` (nothing for an empty process), then report its load and maxRSS. */
const PROBE = `
const started = process.hrtime.bigint(), cpu = process.cpuUsage();
if (process.argv[1]) require(process.argv[1]);
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ loadMs: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (used.user + used.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));`;

const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export function loadFigures(path, runs = 7) {
    const samples = Array.from({ length: runs }, () =>
        JSON.parse(execFileSync(node, ['-e', PROBE, ...(path ? [resolve(path)] : [])], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()),
    );
    return {
        loadMs: median(samples.map((s) => s.loadMs)),
        loadCpuMs: median(samples.map((s) => s.cpuMs)),
        loadMaxRssMiB: median(samples.map((s) => s.maxRssMiB)),
        runs,
    };
}

/** bench/create-step.ts in its own process: the bundle's process maxRSS after the first create invocation. */
export function createStepFigures(folder, path) {
    const output = execFileSync(node, [tsxCli, join(root, 'bench', 'create-step.ts'), folder, resolve(path)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const line = output.split('\n').find((l) => l.startsWith('CREATE-STEP-FIGURES '));
    if (!line) throw new Error(`bench/create-step.ts ${folder} printed no figures:\n${output}`);
    const { status, errorCode, maxRssMiB } = JSON.parse(line.slice('CREATE-STEP-FIGURES '.length));
    if (status === 'FAILED') throw new Error(`The create step of ${folder} failed (${errorCode}); its memory figure would mean nothing`);
    return { createMaxRssMiB: maxRssMiB, createStatus: status };
}

/** The same handlers bundled the way build.mjs does, but with a real SDK v2 behind the library's `aws-sdk` imports. */
async function defaultStyleBundle(folder, sdkV2Dir) {
    const { build } = await import('esbuild');
    const sdkV2 = {
        name: 'real-sdk-v2',
        setup(b) {
            b.onResolve({ filter: /^aws-sdk(\/|$)/ }, (args) => b.resolve(args.path.replace(/^aws-sdk/, resolve(sdkV2Dir)), { kind: args.kind, resolveDir: args.resolveDir }));
        },
    };
    const { outputFiles } = await build({ ...bundleOptions(folder), plugins: [sdkV2], logLevel: 'error' });
    const dir = mkdtempSync(join(tmpdir(), 'default-style-'));
    const path = join(dir, 'handlers.js');
    writeFileSync(path, outputFiles[0].contents);
    return { path, dir };
}

/**
 * The figures, as data. `runs`: fresh processes per load figure (median); `build`: run build.mjs first;
 * `create`: also drive a create step (some 30 s per type); `sdkV2Dir`: a real aws-sdk v2 folder for the
 * default-style comparison (default: AWS_SDK_V2_DIR).
 */
export async function bundleFigures({ runs = 7, build = true, create = true, sdkV2Dir = process.env.AWS_SDK_V2_DIR } = {}) {
    if (build) execFileSync(node, [join(root, 'build.mjs')], { cwd: root, stdio: 'ignore' });
    const empty = loadFigures(undefined, runs);
    const figures = [];
    for (const { folder, typeName } of types) {
        const path = join(root, folder, 'dist', 'handlers.js');
        if (!existsSync(path)) continue;
        const row = { folder, typeName, bytes: statSync(path).size, ...loadFigures(path, runs), ...(create ? createStepFigures(folder, path) : {}) };
        if (sdkV2Dir) {
            const defaultStyle = await defaultStyleBundle(folder, sdkV2Dir);
            try {
                row.defaultStyle = { bytes: statSync(defaultStyle.path).size, ...loadFigures(defaultStyle.path, runs) };
            } finally {
                rmSync(defaultStyle.dir, { recursive: true, force: true });
            }
        }
        figures.push(row);
    }
    return { node: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), empty, types: figures };
}

export function formatFigures({ node: version, empty, types: rows }) {
    const lines = [`Node ${version}; load = median of ${empty.runs} fresh processes (wall ms, CPU ms); RSS = maxRSS`];
    const cell = (v, digits = 0) => (v === undefined ? '—' : v.toFixed(digits));
    lines.push('| type | bundle | load ms (CPU) | maxRSS after load | maxRSS after a create step |', '|---|---|---|---|---|');
    for (const r of rows) {
        lines.push(`| ${r.folder} | ${cell(r.bytes / MiB, 2)} MiB | ${cell(r.loadMs)} (${cell(r.loadCpuMs)}) | ${cell(r.loadMaxRssMiB, 1)} MiB | ${cell(r.createMaxRssMiB, 1)} MiB |`);
        if (r.defaultStyle) {
            const d = r.defaultStyle;
            lines.push(`| ${r.folder}, default-style (SDK v2) | ${cell(d.bytes / MiB, 2)} MiB | ${cell(d.loadMs)} (${cell(d.loadCpuMs)}) | ${cell(d.loadMaxRssMiB, 1)} MiB | — |`);
        }
    }
    lines.push(`| empty process | — | ${cell(empty.loadMs, 1)} (${cell(empty.loadCpuMs, 1)}) | ${cell(empty.loadMaxRssMiB, 1)} MiB | — |`);
    return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const flag = (name) => process.argv.includes(name);
    const runsAt = process.argv.indexOf('--runs');
    const figures = await bundleFigures({ runs: runsAt > 0 ? Number(process.argv[runsAt + 1]) : 7, build: !flag('--no-build'), create: !flag('--no-create') });
    console.log(flag('--json') ? JSON.stringify(figures, null, 2) : formatFigures(figures));
}
