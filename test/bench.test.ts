/**
 * `npm run bench`, reduced to one scenario and one seed, in two worker processes as the full bench runs: the
 * tables have their shape, each figure in them is the one the run measured (the critical path is the chain of
 * work the emulator recorded), a run gives the same figures in a worker as in this process, and our create
 * keeps within issue 11's budget.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { defaultDurations } from '../local/emulator/durations';
import { formatDuration } from '../local/report';
import { criticalPathSeconds } from '../bench/critical-path';
import { BenchResult, runBench, runJob } from '../bench/run';
import { CREATE_2X1 } from '../bench/scenarios';
import { callsTable, formatBench, secondsPastWork, spreadTable, typicalTable, waitsTable } from '../bench/tables';

const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());

describe('the critical path', () => {
    const piece = (kind: string, startS: number, endS: number) => ({ kind, subject: `${kind}-${startS}`, startMs: startS * 1000, endMs: endS * 1000 });

    test('chains work of different kinds, and counts HSMs created side by side once', () => {
        expect(criticalPathSeconds([piece('cluster create', 0, 240), piece('hsm create', 250, 670), piece("hsm create", 251, 671)])).toBe(660);
    });

    test('gives no credit for HSMs created one after another', () => {
        const work = [piece('command', 0, 3), piece('hsm create', 10, 430), piece('hsm create', 460, 880)];
        expect(criticalPathSeconds(work)).toBe(423);
    });

    test('chains scripts that run one after another', () => {
        expect(criticalPathSeconds([piece('command', 0, 3), piece('command', 10, 14), piece('key store connect', 20, 320)])).toBe(307);
    });
});

describe('a reduced bench: the 2 × 1 scenario, one seed, no bundles, two workers', () => {
    let result: BenchResult;
    let printed: string;

    beforeAll(async () => {
        result = await runBench({ scenarios: ['2 × 1'], seeds: 1, spreadFraction: 0.5, bundles: false, loadRuns: 1, workers: 2 });
        printed = formatBench(result);
    });

    test('our create at the typical latencies takes at most 16 invocations and 1.02 × its critical path', () => {
        const ours = result.typical.find((f) => f.policy === 'ours' && f.operation === CREATE_2X1)!;
        expect(ours.invocations).toBeLessThanOrEqual(16);
        expect(ours.emulatedSeconds / ours.criticalPathSeconds).toBeLessThanOrEqual(1.02);
    });

    test('bench/results.md holds what the code measures now: its rows for the 2 × 1 scenario at the typical latencies are this run\'s', () => {
        const committed = readFileSync(join(__dirname, '..', 'bench', 'results.md'), 'utf8').split('\n');
        for (const line of [...typicalTable(result).slice(2), ...callsTable(result).slice(2)]) expect(committed).toContain(line);
    });

    test('a run in a worker process gives the figures the same run gives in this process', async () => {
        const { figures } = await runJob({ scenario: '2 × 1', policy: 'ours', seed: 1, spreadFraction: 0.5 });
        const inWorker = result.spread.find((f) => f.policy === 'ours')!;
        const essentials = (f: typeof inWorker) => ({ emulated: f.emulatedSeconds, criticalPath: f.criticalPathSeconds, invocations: f.invocations, calls: f.calls, libraryCalls: f.libraryCalls });
        expect(figures.map(essentials)).toEqual([essentials(inWorker)]);
    });

    test('the time past the end of each awaited piece of work accounts for what ours spends beyond the critical path', () => {
        for (const figures of result.spread) {
            const past = Object.values(secondsPastWork(figures)).reduce((a, b) => a + b, 0);
            const beyond = figures.emulatedSeconds - figures.criticalPathSeconds;
            // The rest is the invocations' own time on the shared clock (the library's log delivery).
            expect(past).toBeLessThanOrEqual(beyond + 1);
            expect(past).toBeGreaterThanOrEqual(beyond - 2 * figures.invocations);
        }
        const table = waitsTable(result);
        expect(cells(table[2])[0]).toBe(CREATE_2X1);
        expect(printed).toContain(table.join('\n'));
    });

    test('every measured operation ran under both policies, and the spread ran the create under both', () => {
        expect(result.typical.map((f) => `${f.policy}: ${f.operation}`)).toEqual([
            `ours: ${CREATE_2X1}`,
            'ours: cluster delete, 2 × 1',
            `baseline: ${CREATE_2X1}`,
            'baseline: cluster delete, 2 × 1',
        ]);
        expect(result.spread.map((f) => `${f.policy} seed ${f.seed}: ${f.operation}`)).toEqual([`ours seed 1: ${CREATE_2X1}`, `baseline seed 1: ${CREATE_2X1}`]);
    });

    test("the create's critical path at the typical latencies is the chain of the service's own durations", () => {
        const d = defaultDurations;
        const chain = d.clusterCreateSeconds + d.hsmCreateSeconds + d.clusterInitializeSeconds + d.commandMinimumSeconds + d.hsmCreateSeconds;
        for (const figures of result.typical.filter((f) => f.operation === CREATE_2X1)) {
            expect(figures.work.map((w) => w.kind)).toEqual(['cluster create', 'hsm create', 'cluster initialize', 'command', 'hsm create']);
            expect(figures.criticalPathSeconds).toBeCloseTo(chain, 3);
            expect(figures.emulatedSeconds).toBeGreaterThanOrEqual(chain);
            expect(figures.invocations).toBe(figures.invocationTimes.length);
        }
    });

    test('at latencies drawn from the spread, the critical path is what the emulator applied, not the typical figures', () => {
        for (const figures of result.spread) {
            const applied = figures.work.reduce((sum, w) => sum + (w.endMs - w.startMs) / 1000, 0);
            expect(figures.criticalPathSeconds).toBeCloseTo(applied, 3);
            expect(figures.criticalPathSeconds).not.toBeCloseTo(result.typical[0].criticalPathSeconds, 0);
        }
    });

    test('the baseline looks every 30 s and so invokes the handler more often than ours', () => {
        const [ours, baseline] = (['ours', 'baseline'] as const).map((p) => result.typical.find((f) => f.policy === p && f.operation === CREATE_2X1)!);
        const gaps = baseline.invocationTimes.slice(1).map((inv, i) => Math.round((inv.startMs - baseline.invocationTimes[i].endMs) / 1000));
        expect(new Set(gaps)).toEqual(new Set([30]));
        expect(baseline.invocations).toBeGreaterThan(ours.invocations);
    });

    test("the table's rows carry the run's figures", () => {
        const table = typicalTable(result);
        expect(cells(table[0])).toHaveLength(10);
        expect(table).toHaveLength(2 + 2);
        const [ours, baseline] = (['ours', 'baseline'] as const).map((p) => result.typical.find((f) => f.policy === p && f.operation === CREATE_2X1)!);
        expect(cells(table[2])).toEqual([
            CREATE_2X1,
            formatDuration(ours.emulatedSeconds),
            formatDuration(baseline.emulatedSeconds),
            `${(ours.emulatedSeconds / baseline.emulatedSeconds).toFixed(2)}×`,
            formatDuration(Math.round(ours.criticalPathSeconds)),
            `${(ours.emulatedSeconds / ours.criticalPathSeconds).toFixed(2)}×`,
            `${(baseline.emulatedSeconds / baseline.criticalPathSeconds).toFixed(2)}×`,
            `${ours.invocations} / ${baseline.invocations}`,
            expect.stringMatching(/^\d+ \/ \d+$/),
            expect.stringMatching(/^\d+ \/ \d+$/),
        ]);
        const spread = spreadTable(result);
        const seeded = result.spread.find((f) => f.policy === 'ours')!;
        expect(cells(spread[2]).slice(0, 3)).toEqual([CREATE_2X1, '1', `${(seeded.emulatedSeconds / seeded.criticalPathSeconds).toFixed(2)}×`]);
        expect(printed).toContain(table.join('\n'));
        expect(printed).toContain(spread.join('\n'));
    });
});
