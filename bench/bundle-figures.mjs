// Per type: the bundle's bytes; how long a fresh Node process takes to require it, and the process as a whole;
// the peak resident memory (maxRSS) of a fresh process that loads it and runs a create step against the emulator.
// Beside them, measured in the same rounds: an empty Node process, and (with AWS_SDK_V2_DIR, a real aws-sdk v2
// package folder) a default-style build: the same handlers with the SDK v2 the CloudFormation library normally
// pulls in. `npm run bench` runs this with the aws-sdk v2 it installs in a scratch directory.
//
//   node bench/bundle-figures.mjs [--runs 9] [--no-build] [--no-create] [--json]
//
// Every figure is the median of `runs` fresh processes, taken in rounds (each round loads every bundle, its
// default-style build and the empty process once, in turn), so that other work on a shared machine weighs on
// all of them alike. Wall time is what a cold start waits; CPU time (process.cpuUsage) is the work itself,
// which load from other processes does not inflate: on a busy machine the CPU figure is the one to trust.
// Runs with node_modules/.bin/node.
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'fs';
import { cpus, loadavg, tmpdir } from 'os';
import { join, resolve } from 'path';
import { fileURLToPath } from 'url';
import { bundleOptions } from '../scripts/bundle-options.mjs';
import { root, types } from '../scripts/types.mjs';

const node = join(root, 'node_modules', '.bin', 'node');
const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const MiB = 1024 * 1024;

/** One fresh process: require `path` (nothing for an empty process), then report the require and the process so far. */
const PROBE = `
const started = process.hrtime.bigint(), cpu = process.cpuUsage();
if (process.argv[1]) require(process.argv[1]);
const used = process.cpuUsage(cpu), total = process.cpuUsage();
console.log(JSON.stringify({ loadMs: Number(process.hrtime.bigint() - started) / 1e6, loadCpuMs: (used.user + used.system) / 1000, processCpuMs: (total.user + total.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));`;

const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function probe(path) {
    const started = process.hrtime.bigint();
    const output = execFileSync(node, ['-e', PROBE, ...(path ? [resolve(path)] : [])], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const processMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { ...JSON.parse(output.trim().split('\n').pop()), processMs };
}

const summary = (samples) => ({
    loadMs: median(samples.map((s) => s.loadMs)),
    loadCpuMs: median(samples.map((s) => s.loadCpuMs)),
    processMs: median(samples.map((s) => s.processMs)),
    processCpuMs: median(samples.map((s) => s.processCpuMs)),
    loadMaxRssMiB: median(samples.map((s) => s.maxRssMiB)),
    runs: samples.length,
});

/** Load figures of each path (undefined: an empty process), taken in `runs` rounds over all of them. */
export function loadFigures(paths, runs = 9) {
    const samples = paths.map(() => []);
    // One round first that is not counted: it brings every file into the page cache.
    paths.forEach((path) => probe(path));
    for (let round = 0; round < runs; round++) paths.forEach((path, i) => samples[i].push(probe(path)));
    return samples.map(summary);
}

/** bench/create-step.ts in one process for all `folders`: each bundle's process maxRSS after its first create invocation. */
export function createStepFigures(folders) {
    const output = execFileSync(node, [tsxCli, join(root, 'bench', 'create-step.ts'), ...folders], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const figures = {};
    for (const line of output.split('\n').filter((l) => l.startsWith('CREATE-STEP-FIGURES '))) {
        const { folder, status, errorCode, maxRssMiB } = JSON.parse(line.slice('CREATE-STEP-FIGURES '.length));
        if (status === 'FAILED') throw new Error(`The create step of ${folder} failed (${errorCode}); its memory figure would mean nothing`);
        figures[folder] = maxRssMiB;
    }
    const missing = folders.filter((f) => figures[f] === undefined);
    if (missing.length) throw new Error(`bench/create-step.ts printed no figures for ${missing.join(', ')}:\n${output}`);
    return figures;
}

/** The same handlers bundled the way build.mjs does, but with a real SDK v2 behind the library's `aws-sdk` imports. */
async function defaultStyleBundle(folder, sdkV2Dir, dir) {
    const { build } = await import('esbuild');
    const sdkV2 = {
        name: 'real-sdk-v2',
        setup(b) {
            b.onResolve({ filter: /^aws-sdk(\/|$)/ }, (args) => b.resolve(args.path.replace(/^aws-sdk/, resolve(sdkV2Dir)), { kind: args.kind, resolveDir: args.resolveDir }));
        },
    };
    const { outputFiles } = await build({ ...bundleOptions(folder), plugins: [sdkV2], logLevel: 'error' });
    const path = join(dir, `${folder}.js`);
    writeFileSync(path, outputFiles[0].contents);
    return path;
}

/**
 * The figures, as data: one row per type. `runs`: rounds of fresh processes (median); `build`: run build.mjs
 * first; `create`: also drive each type's create step (its memory figure); `sdkV2Dir`: a real aws-sdk v2 folder
 * for the default-style comparison (default: AWS_SDK_V2_DIR).
 */
export async function bundleFigures({ runs = 9, build = true, create = true, sdkV2Dir = process.env.AWS_SDK_V2_DIR } = {}) {
    if (build) execFileSync(node, [join(root, 'build.mjs')], { cwd: root, stdio: 'ignore' });
    const present = types.filter(({ folder }) => existsSync(join(root, folder, 'dist', 'handlers.js')));
    const ours = present.map(({ folder }) => join(root, folder, 'dist', 'handlers.js'));
    const scratch = mkdtempSync(join(tmpdir(), 'default-style-'));
    try {
        const defaultStyle = sdkV2Dir ? await Promise.all(present.map(({ folder }) => defaultStyleBundle(folder, sdkV2Dir, scratch))) : [];
        const loadAverage = loadavg()[0];
        const [empty, ...measured] = loadFigures([undefined, ...ours, ...defaultStyle], runs);
        const memory = create ? createStepFigures(present.map((t) => t.folder)) : {};
        const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
        return present.map(({ folder, typeName }, i) => ({
            folder,
            typeName,
            bytes: statSync(ours[i]).size,
            ours: measured[i],
            createMaxRssMiB: memory[folder],
            defaultStyle: sdkV2Dir ? { bytes: statSync(defaultStyle[i]).size, ...measured[present.length + i] } : undefined,
            emptyProcess: empty,
            loadAverage: Math.max(loadAverage, loadavg()[0]),
            cpus: cpus().length,
            node: version,
        }));
    } finally {
        rmSync(scratch, { recursive: true, force: true });
    }
}

export function formatFigures(rows) {
    const cell = (v, digits = 0) => (v === undefined ? '—' : v.toFixed(digits));
    const { emptyProcess: empty, node: version, loadAverage, cpus: cpuCount } = rows[0];
    const lines = [`Node ${version}; median of ${empty.runs} fresh processes; ms wall (CPU); load average ${loadAverage.toFixed(1)} on ${cpuCount} CPUs`];
    lines.push('| type | bundle | require ms | process ms | maxRSS after load | maxRSS after a create step |', '|---|---|---|---|---|---|');
    const row = (name, bytes, f, create) =>
        `| ${name} | ${cell(bytes / MiB, 2)} MiB | ${cell(f.loadMs)} (${cell(f.loadCpuMs)}) | ${cell(f.processMs)} (${cell(f.processCpuMs)}) | ${cell(f.loadMaxRssMiB, 1)} MiB | ${create === undefined ? '—' : `${cell(create, 1)} MiB`} |`;
    for (const r of rows) {
        lines.push(row(r.folder, r.bytes, r.ours, r.createMaxRssMiB));
        if (r.defaultStyle) lines.push(row(`${r.folder}, default-style (SDK v2)`, r.defaultStyle.bytes, r.defaultStyle));
    }
    lines.push(`| empty process | — | — | ${cell(empty.processMs)} (${cell(empty.processCpuMs)}) | ${cell(empty.loadMaxRssMiB, 1)} MiB | — |`);
    return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
    const flag = (name) => process.argv.includes(name);
    const runsAt = process.argv.indexOf('--runs');
    const figures = await bundleFigures({ runs: runsAt > 0 ? Number(process.argv[runsAt + 1]) : 9, build: !flag('--no-build'), create: !flag('--no-create') });
    console.log(flag('--json') ? JSON.stringify(figures, null, 2) : formatFigures(figures));
}
