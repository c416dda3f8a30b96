/** The bench's output: Markdown tables, written to bench/results.md, which README carries as they are. */
import { ServiceWork } from '../local/emulator/service-work';
import { formatDuration } from '../local/report';
import { BundleFigures, LoadFigures, median } from './bundles';
import { BenchResult, OperationFigures, Policy } from './run';

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const times = (value: number) => `${value.toFixed(2)}×`;
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const seconds = (s: number) => formatDuration(Math.round(s));
const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
const header = (cells: string[]) => [row(cells), row(cells.map(() => '---'))];

/** Operations in the order first measured, each with its figures under both policies. */
function pairs(figures: OperationFigures[]): Array<{ operation: string; ours: OperationFigures; baseline: OperationFigures }> {
    const operations = [...new Set(figures.map((f) => f.operation))];
    const of = (operation: string, policy: Policy) => figures.find((f) => f.operation === operation && f.policy === policy)!;
    return operations.map((operation) => ({ operation, ours: of(operation, 'ours'), baseline: of(operation, 'baseline') }));
}

export function typicalTable(result: BenchResult): string[] {
    return [
        ...header([
            'operation',
            'emulated: ours',
            'baseline',
            'ours ÷ baseline',
            'critical path',
            'ours ÷ critical path',
            'baseline ÷ critical path',
            'invocations: ours / baseline',
            'AWS calls: ours / baseline',
            'log + metric calls: ours / baseline',
        ]),
        ...pairs(result.typical).map(({ operation, ours, baseline }) =>
            row([
                operation,
                seconds(ours.emulatedSeconds),
                seconds(baseline.emulatedSeconds),
                ratio(ours.emulatedSeconds, baseline.emulatedSeconds),
                seconds(ours.criticalPathSeconds),
                ratio(ours.emulatedSeconds, ours.criticalPathSeconds),
                ratio(baseline.emulatedSeconds, baseline.criticalPathSeconds),
                `${ours.invocations} / ${baseline.invocations}`,
                `${total(ours.calls)} / ${total(baseline.calls)}`,
                `${total(ours.libraryCalls)} / ${total(baseline.libraryCalls)}`,
            ]),
        ),
    ];
}

const byAction = (counts: Record<string, number>) =>
    Object.entries(counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([action, n]) => `${action.split(':')[1]}×${n}`)
        .join(' ');

export function callsTable(result: BenchResult): string[] {
    return [
        ...header(['operation', 'AWS calls by action: ours', 'baseline', 'library calls: ours', 'baseline']),
        ...pairs(result.typical).map(({ operation, ours, baseline }) =>
            row([operation, byAction(ours.calls), byAction(baseline.calls), byAction(ours.libraryCalls), byAction(baseline.libraryCalls)]),
        ),
    ];
}

const spreadRuns = (result: BenchResult, operation: string, policy: Policy) => result.spread.filter((f) => f.operation === operation && f.policy === policy);

export function spreadTable(result: BenchResult): string[] {
    const creates = [...new Set(result.spread.map((f) => f.operation))];
    const stats = (operation: string, policy: Policy) => {
        const runs = spreadRuns(result, operation, policy);
        const ratios = runs.map((f) => f.emulatedSeconds / f.criticalPathSeconds);
        const invocations = runs.map((f) => f.invocations);
        return { runs: runs.length, median: median(ratios), worst: Math.max(...ratios), invocations: median(invocations), mostInvocations: Math.max(...invocations) };
    };
    return [
        ...header([
            `create (latencies ±${result.options.spreadFraction * 100} %)`,
            'seeds',
            'ours ÷ critical path: median',
            'worst',
            'baseline ÷ critical path: median',
            'worst',
            'invocations: ours median (most)',
            'baseline median (most)',
        ]),
        ...creates.map((operation) => {
            const ours = stats(operation, 'ours');
            const baseline = stats(operation, 'baseline');
            return row([
                operation,
                ours.runs,
                times(ours.median),
                times(ours.worst),
                times(baseline.median),
                times(baseline.worst),
                `${ours.invocations} (${ours.mostInvocations})`,
                `${baseline.invocations} (${baseline.mostInvocations})`,
            ]);
        }),
    ];
}

/**
 * Seconds from the end of each piece of awaited work to the invocation that saw it, summed by kind of work.
 * Pieces of one kind started together (the HSMs of one CreateHsm round) are awaited together: their wait ends
 * with the last of them.
 */
export function secondsPastWork(figures: OperationFigures): Record<string, number> {
    const groups: ServiceWork[][] = [];
    for (const piece of [...figures.work].sort((a, b) => a.startMs - b.startMs)) {
        const together = groups.find((g) => g[0].kind === piece.kind && piece.startMs - g[0].startMs < 5000);
        if (together) together.push(piece);
        else groups.push([piece]);
    }
    const past: Record<string, number> = {};
    for (const pieces of groups) {
        const endMs = Math.max(...pieces.map((p) => p.endMs));
        const seenAt = figures.invocationTimes.find((i) => i.startMs >= endMs);
        if (!seenAt) continue;
        past[pieces[0].kind] = (past[pieces[0].kind] ?? 0) + (seenAt.startMs - endMs) / 1000;
    }
    return past;
}

/** For each create under our policy: the median time past the end of each kind of work, over the seeds. */
export function waitsTable(result: BenchResult): string[] {
    const creates = [...new Set(result.spread.map((f) => f.operation))];
    const kinds = [...new Set(result.spread.flatMap((f) => f.work.map((w) => w.kind)))];
    return [
        ...header([`create (ours, latencies ±${result.options.spreadFraction * 100} %): median seconds from the end of the work to the look that saw it`, ...kinds, 'all']),
        ...creates.map((operation) => {
            const past = spreadRuns(result, operation, 'ours').map(secondsPastWork);
            const cell = (values: number[]) => (values.length ? `${Math.round(median(values))} s` : '–');
            return row([
                operation,
                ...kinds.map((kind) => cell(past.filter((p) => kind in p).map((p) => p[kind]))),
                cell(past.map((p) => Object.values(p).reduce((a, b) => a + b, 0))),
            ]);
        }),
    ];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
const ms = (value: number) => value.toFixed(0);
const wallCpu = (wall: number, cpu: number) => `${ms(wall)} (${ms(cpu)})`;
const ratios = (wall: number, cpu: number, wallBase: number, cpuBase: number) => `${ratio(wall, wallBase)} (${ratio(cpu, cpuBase)})`;
const load = (f: LoadFigures) => wallCpu(f.loadMs, f.loadCpuMs);
const processTime = (f: LoadFigures) => wallCpu(f.processMs, f.processCpuMs);

export function bundleTable(bundles: BundleFigures[]): string[] {
    if (!bundles.length) return [];
    const { emptyProcess: empty, node, loadAverage, cpus } = bundles[0];
    return [
        ...header([
            'bundle',
            'size',
            'module load, ms: wall (CPU)',
            '÷ default-style',
            'whole process, ms: wall (CPU)',
            '÷ empty process',
            'peak memory: loaded',
            'during a create step',
        ]),
        ...bundles.map((b) =>
            row([
                `${b.folder}/dist/handlers.js`,
                mib(b.bytes),
                load(b.ours),
                ratios(b.ours.loadMs, b.ours.loadCpuMs, b.defaultStyle.loadMs, b.defaultStyle.loadCpuMs),
                processTime(b.ours),
                ratios(b.ours.processMs, b.ours.processCpuMs, empty.processMs, empty.processCpuMs),
                `${b.ours.loadMaxRssMiB.toFixed(0)} MiB`,
                `${b.createMaxRssMiB.toFixed(0)} MiB`,
            ]),
        ),
        ...bundles.map((b) =>
            row([
                `${b.folder}, default-style (aws-sdk v2)`,
                mib(b.defaultStyle.bytes),
                load(b.defaultStyle),
                '1×',
                processTime(b.defaultStyle),
                ratios(b.defaultStyle.processMs, b.defaultStyle.processCpuMs, empty.processMs, empty.processCpuMs),
                `${b.defaultStyle.loadMaxRssMiB.toFixed(0)} MiB`,
                '–',
            ]),
        ),
        row(['empty Node process', '–', '–', '–', processTime(empty), '1×', `${empty.loadMaxRssMiB.toFixed(0)} MiB`, '–']),
        '',
        `Medians of ${empty.runs} fresh processes of ${node}, taken in rounds over every row; load average ${loadAverage.toFixed(1)} on ${cpus} CPUs. ` +
            'Wall time is what a cold start waits; CPU time (user + system) is the work itself, which other processes on the machine do not inflate.',
    ];
}

export function formatBench(result: BenchResult): string {
    const { seeds, spreadFraction, loadRuns } = result.options;
    const sections = [
        `Written by \`npm run bench\` (${seeds} seeds of latencies within ±${spreadFraction * 100} %${result.bundles.length ? `, ${loadRuns} rounds of fresh processes per bundle figure` : ''}).`,
        '',
        '### Each operation at the typical service latencies',
        '',
        ...typicalTable(result),
    ];
    if (result.spread.length) {
        sections.push(
            '',
            `### Creates at service latencies drawn within ±${spreadFraction * 100} % of the typical figures`,
            '',
            ...spreadTable(result),
            '',
            ...waitsTable(result),
        );
    }
    if (result.bundles.length) sections.push('', '### Bundles', '', ...bundleTable(result.bundles));
    sections.push('', '### AWS calls by action, at the typical latencies', '', ...callsTable(result));
    return sections.join('\n') + '\n';
}
