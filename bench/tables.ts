/** The bench's output: Markdown tables, so that README takes them as printed. */
import { formatDuration } from '../local/report';
import { BundleFigures, median } from './bundles';
import { BenchResult, OperationFigures, Policy } from './run';

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
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

export function spreadTable(result: BenchResult): string[] {
    const creates = [...new Set(result.spread.map((f) => f.operation))];
    const stats = (operation: string, policy: Policy) => {
        const runs = result.spread.filter((f) => f.operation === operation && f.policy === policy);
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
                `${ours.median.toFixed(2)}×`,
                `${ours.worst.toFixed(2)}×`,
                `${baseline.median.toFixed(2)}×`,
                `${baseline.worst.toFixed(2)}×`,
                `${ours.invocations} (${ours.mostInvocations})`,
                `${baseline.invocations} (${baseline.mostInvocations})`,
            ]);
        }),
    ];
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

export function bundleTable(bundles: BundleFigures[]): string[] {
    if (!bundles.length) return [];
    const empty = bundles[0].emptyProcess;
    return [
        ...header([
            'bundle',
            'size',
            '÷ default-style',
            'module load',
            '÷ empty process',
            '÷ default-style',
            'peak memory',
            '÷ empty process',
            '÷ default-style',
        ]),
        ...bundles.map((b) =>
            row([
                `${b.folder}/dist/handlers.js`,
                mib(b.bytes),
                ratio(b.bytes, b.defaultStyleBytes),
                `${b.ours.loadMs.toFixed(0)} ms`,
                ratio(b.ours.loadMs, empty.loadMs),
                ratio(b.ours.loadMs, b.defaultStyle.loadMs),
                `${b.ours.peakRssMiB.toFixed(0)} MiB`,
                ratio(b.ours.peakRssMiB, empty.peakRssMiB),
                ratio(b.ours.peakRssMiB, b.defaultStyle.peakRssMiB),
            ]),
        ),
        '',
        `Empty Node process: ${empty.loadMs.toFixed(1)} ms, ${empty.peakRssMiB.toFixed(0)} MiB. Default-style builds (real \`aws-sdk\` v2 beside the bundle): ` +
            bundles.map((b) => `${b.folder} ${mib(b.defaultStyleBytes)}, ${b.defaultStyle.loadMs.toFixed(0)} ms, ${b.defaultStyle.peakRssMiB.toFixed(0)} MiB`).join('; ') +
            '.',
    ];
}

export function formatBench(result: BenchResult): string {
    const sections = [
        '### Each operation at the typical service latencies',
        '',
        ...typicalTable(result),
        '',
        '### AWS calls by action',
        '',
        ...callsTable(result),
    ];
    if (result.spread.length) sections.push('', `### Creates at service latencies drawn within ±${result.options.spreadFraction * 100} % of the typical figures`, '', ...spreadTable(result));
    if (result.bundles.length) sections.push('', '### Bundles', '', ...bundleTable(result.bundles));
    return sections.join('\n');
}
