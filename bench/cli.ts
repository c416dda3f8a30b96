/**
 * `npm run bench`: every performance figure, measured side by side in one run, printed and written to
 * bench/results.md (README carries that file's tables; test/readme-bench.test.ts holds the two equal), with a
 * timeline picture per create in bench/timelines/. Options:
 *   --seeds N        seeds of the latency spread per create (default 10)
 *   --spread F       ±F of each typical latency (default 0.5)
 *   --scenario NAME  only this scenario (repeatable); see bench/scenarios.ts
 *   --no-bundles     skip the bundle figures (they build, and install aws-sdk v2 into a scratch directory)
 *   --workers N      worker processes for the scenario runs (default: the machine's CPUs; 1: this process)
 *   --load-runs N    rounds of fresh processes per bundle figure (default 9)
 *   --json PATH      also write every figure, with the work and invocations they come from
 * A run with fewer scenarios or seeds, or without bundles, prints its tables but leaves bench/results.md and
 * the timelines as they are: those hold the figures of a full run.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_OPTIONS, BenchOptions, BenchResult, runBench } from './run';
import { SCENARIOS } from './scenarios';
import { formatBench } from './tables';
import { timelineSvg } from './timeline-svg';

function parseArgs(argv: string[]): BenchOptions & { json?: string } {
    const options: BenchOptions & { json?: string } = { ...DEFAULT_OPTIONS };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
            return v;
        };
        const count = (name: string, min: number) => {
            const n = Number(value());
            if (!Number.isInteger(n) || n < min) throw new Error(`${name} needs a whole number of at least ${min}`);
            return n;
        };
        switch (argv[i]) {
            case '--seeds':
                options.seeds = count('--seeds', 0);
                break;
            case '--spread':
                options.spreadFraction = Number(value());
                break;
            case '--scenario':
                options.scenarios = [...(options.scenarios ?? []), value()];
                break;
            case '--no-bundles':
                options.bundles = false;
                break;
            case '--workers':
                options.workers = count('--workers', 1);
                break;
            case '--load-runs':
                options.loadRuns = count('--load-runs', 1);
                break;
            case '--json':
                options.json = value();
                break;
            default:
                throw new Error(`Unknown option ${argv[i]}`);
        }
    }
    return options;
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Real seconds of the scenario runs, by scenario and kind of run: where the bench's own time goes. */
function timingLines(result: BenchResult): string[] {
    const sums = new Map<string, { seconds: number; runs: number }>();
    for (const t of result.timings) {
        const key = `${t.scenario}, ${t.policy}, ${t.seed === undefined ? 'typical' : 'spread'}`;
        const sum = sums.get(key) ?? { seconds: 0, runs: 0 };
        sums.set(key, { seconds: sum.seconds + t.realMs / 1000, runs: sum.runs + 1 });
    }
    return [...sums].map(([key, { seconds, runs }]) => `  ${key}: ${seconds.toFixed(1)} s in ${runs} run${runs > 1 ? 's' : ''}`);
}

async function main(): Promise<void> {
    const options = parseArgs(process.argv.slice(2));
    const started = performance.now();
    const progress = (line: string) => process.stderr.write(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s: ${line}\n`);
    const result = await runBench({ ...options, progress });
    const tables = formatBench(result);
    const full = !options.scenarios && options.seeds === DEFAULT_OPTIONS.seeds && options.bundles && options.spreadFraction === DEFAULT_OPTIONS.spreadFraction;
    if (full) {
        writeFileSync(join(__dirname, 'results.md'), tables);
        const directory = join(__dirname, 'timelines');
        mkdirSync(directory, { recursive: true });
        for (const scenario of SCENARIOS.filter((s) => s.creates)) {
            const panels = result.typical.filter((f) => f.operation === scenario.creates);
            if (panels.length) writeFileSync(join(directory, `${slug(scenario.creates!)}.svg`), timelineSvg(scenario.creates!, panels));
        }
    }
    if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 1));
    console.log(tables);
    process.stderr.write(['Real time of the scenario runs:', ...timingLines(result), ''].join('\n'));
    console.log(
        `${full ? 'Written to bench/results.md; timelines in bench/timelines/. ' : 'A partial run: bench/results.md and bench/timelines/ left as they are. '}` +
            `Bench run took ${Math.round((performance.now() - started) / 1000)} s.`,
    );
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
