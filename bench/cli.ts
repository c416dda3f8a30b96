/**
 * `npm run bench`: every performance figure, measured side by side in one run, printed as the tables README
 * shows; a timeline picture per create in bench/timelines/. Options:
 *   --seeds N        seeds of the latency spread per create (default 5)
 *   --spread F       ±F of each typical latency (default 0.5)
 *   --scenario NAME  only this scenario (repeatable); see bench/scenarios.ts
 *   --no-bundles     skip the bundle figures (they build, and install aws-sdk v2 into a scratch directory)
 *   --json PATH      also write every figure, with the work and invocations they come from
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_OPTIONS, BenchOptions, runBench } from './run';
import { formatBench } from './tables';
import { timelineSvg } from './timeline-svg';
import { SCENARIOS } from './scenarios';

function parseArgs(argv: string[]): BenchOptions & { json?: string } {
    const options: BenchOptions & { json?: string } = { ...DEFAULT_OPTIONS };
    for (let i = 0; i < argv.length; i++) {
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
            return v;
        };
        switch (argv[i]) {
            case '--seeds':
                options.seeds = Number(value());
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

async function main(): Promise<void> {
    const options = parseArgs(process.argv.slice(2));
    const started = performance.now();
    const result = await runBench({ ...options, progress: (line) => process.stderr.write(`bench: ${line}\n`) });
    const directory = join(__dirname, 'timelines');
    mkdirSync(directory, { recursive: true });
    for (const scenario of SCENARIOS.filter((s) => s.creates)) {
        const panels = result.typical.filter((f) => f.operation === scenario.creates);
        if (panels.length) writeFileSync(join(directory, `${slug(scenario.creates!)}.svg`), timelineSvg(scenario.creates!, panels));
    }
    if (options.json) writeFileSync(options.json, JSON.stringify(result, null, 1));
    console.log(formatBench(result));
    console.log(`\nTimelines: bench/timelines/. Bench run took ${Math.round((performance.now() - started) / 1000)} s.`);
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
