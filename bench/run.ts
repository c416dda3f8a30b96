/**
 * Runs the scenarios under both wait policies, at the typical service latencies and then, for each create,
 * at latencies drawn from a spread over several seeds; and measures the bundles. Returns every figure the
 * tables print, with what they were computed from.
 */
import { installSharedClock } from '../local/clock';
import { InvocationTime, OperationReport } from '../local/driver/driver';
import { ServiceWork, WorkDurationSampler } from '../local/emulator/service-work';
import { startLocalAws } from '../local/runtime';
import { installBaselinePolicy, removeBaselinePolicy } from './baseline-policy';
import { BundleFigures, measureBundles } from './bundles';
import { criticalPathSeconds, workDuring } from './critical-path';
import { Scenario, SCENARIOS } from './scenarios';
import { spreadWorkDurations } from './spread';

export type Policy = 'ours' | 'baseline';
export const POLICIES: Policy[] = ['ours', 'baseline'];

export interface OperationFigures {
    scenario: string;
    operation: string;
    policy: Policy;
    /** The seed of the spread of service latencies; undefined at the typical figures. */
    seed?: number;
    emulatedSeconds: number;
    criticalPathSeconds: number;
    invocations: number;
    /** The handlers' AWS calls by `service:Action`. */
    calls: Record<string, number>;
    /** The CloudFormation library's own CloudWatch Logs and CloudWatch calls by `service:Action`. */
    libraryCalls: Record<string, number>;
    startMs: number;
    work: ServiceWork[];
    invocationTimes: InvocationTime[];
}

export interface BenchOptions {
    /** Scenario names (bench/scenarios.ts); all by default. */
    scenarios?: string[];
    seeds: number;
    /** ±fraction of each typical latency. */
    spreadFraction: number;
    bundles: boolean;
    /** Fresh Node processes per bundle figure (the median is reported). */
    loadRuns: number;
    progress?: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = { seeds: 5, spreadFraction: 0.5, bundles: true, loadRuns: 7 };

export interface BenchResult {
    options: BenchOptions;
    typical: OperationFigures[];
    spread: OperationFigures[];
    bundles: BundleFigures[];
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
    const scenarios = options.scenarios ? SCENARIOS.filter((s) => options.scenarios!.includes(s.name)) : SCENARIOS;
    if (options.scenarios && scenarios.length !== options.scenarios.length) {
        throw new Error(`Unknown scenario in ${options.scenarios.join(', ')}; the scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    }
    // Emulated time is then made only of the waits, the library's sleeps and the services' durations: the
    // figures do not depend on how loaded the machine is. The first clock installed in a process stays.
    if (installSharedClock({ followsRealTime: false }).followsRealTime) throw new Error('The bench needs the shared clock without real time; run it in a process of its own.');
    const result: BenchResult = { options, typical: [], spread: [], bundles: [] };
    for (const scenario of scenarios) {
        for (const policy of POLICIES) {
            options.progress?.(`${scenario.name}, ${policy}, typical latencies`);
            result.typical.push(...(await runScenario(scenario, policy)));
        }
    }
    for (const scenario of scenarios.filter((s) => s.creates)) {
        for (let seed = 1; seed <= options.seeds; seed++) {
            for (const policy of POLICIES) {
                options.progress?.(`${scenario.name}, ${policy}, latencies ±${options.spreadFraction * 100} % seed ${seed}`);
                result.spread.push(...(await runScenario(scenario, policy, seed, spreadWorkDurations(seed, options.spreadFraction))));
            }
        }
    }
    if (options.bundles) result.bundles = await measureBundles(options.loadRuns, options.progress);
    return result;
}

async function runScenario(scenario: Scenario, policy: Policy, seed?: number, workDurations?: WorkDurationSampler): Promise<OperationFigures[]> {
    const aws = await startLocalAws({ workDurations });
    if (policy === 'baseline') installBaselinePolicy();
    const measured: OperationFigures[] = [];
    try {
        await scenario.run(aws, (operation: string, report: OperationReport) => {
            if (seed !== undefined && operation !== scenario.creates) return report;
            const startMs = report.invocationTimes[0].startMs;
            const work = workDuring(aws.emulator.work, startMs, report.invocationTimes[report.invocationTimes.length - 1].endMs);
            measured.push({
                scenario: scenario.name,
                operation,
                policy,
                seed,
                emulatedSeconds: report.emulatedSeconds,
                criticalPathSeconds: criticalPathSeconds(work),
                invocations: report.invocations,
                calls: report.calls,
                libraryCalls: report.libraryCalls,
                startMs,
                work,
                invocationTimes: report.invocationTimes,
            });
            return report;
        }, seed !== undefined);
    } finally {
        removeBaselinePolicy();
        await aws.stop();
    }
    return measured;
}
