/**
 * Runs the scenarios under both wait policies, at the typical service latencies and then, for each create,
 * at latencies drawn from a spread over several seeds; and measures the bundles. Returns every figure the
 * tables print, with what they were computed from.
 *
 * Each run of a scenario (a job) starts its own emulator and depends on nothing else, and emulated time does
 * not follow real time, so the jobs can run side by side in worker processes (bench/worker.ts) with the same
 * figures as one after another.
 */
import { ChildProcess, fork } from 'child_process';
import { availableParallelism } from 'os';
import { join } from 'path';
import { pathToFileURL } from 'url';
import { installSharedClock } from '../local/clock';
import { InvocationTime, OperationReport } from '../local/driver/driver';
import { ServiceWork } from '../local/emulator/service-work';
import { startLocalAws } from '../local/runtime';
import { installBaselinePolicy, removeBaselinePolicy } from './baseline-policy';
import { BundleFigures, measureBundles, prepareDefaultStyle } from './bundles';
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
    /** Worker processes for the scenario runs; 1 runs them in this process. */
    workers: number;
    progress?: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = { seeds: 10, spreadFraction: 0.5, bundles: true, loadRuns: 9, workers: availableParallelism() };

/** One run of one scenario: at the typical latencies, or with the create's latencies drawn from `seed`. */
export interface Job {
    scenario: string;
    policy: Policy;
    seed?: number;
    spreadFraction: number;
}

export interface JobResult {
    job: Job;
    figures: OperationFigures[];
    /** Real milliseconds the run took, where it ran. */
    realMs: number;
}

export interface BenchResult {
    options: Omit<BenchOptions, 'progress'>;
    typical: OperationFigures[];
    spread: OperationFigures[];
    bundles: BundleFigures[];
    /** Real time of each scenario run, for finding where the bench's own time goes. */
    timings: Array<Job & { realMs: number }>;
}

export function benchJobs(options: Pick<BenchOptions, 'scenarios' | 'seeds' | 'spreadFraction'>): Job[] {
    const scenarios = options.scenarios ? SCENARIOS.filter((s) => options.scenarios!.includes(s.name)) : SCENARIOS;
    if (options.scenarios && scenarios.length !== options.scenarios.length) {
        throw new Error(`Unknown scenario in ${options.scenarios.join(', ')}; the scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    }
    const { spreadFraction } = options;
    const typical = scenarios.flatMap((s) => POLICIES.map((policy) => ({ scenario: s.name, policy, spreadFraction })));
    const seeds = Array.from({ length: options.seeds }, (_, i) => i + 1);
    const spread = scenarios.filter((s) => s.creates).flatMap((s) => seeds.flatMap((seed) => POLICIES.map((policy) => ({ scenario: s.name, policy, seed, spreadFraction }))));
    return [...typical, ...spread];
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
    const jobs = benchJobs(options);
    // The bundles first: their times are real time, taken before the scenario runs load the machine (and its
    // load average, which the table reports).
    const bundles = options.bundles ? await measureBundles(options.loadRuns, await prepareDefaultStyle(options.progress), options.progress) : [];
    const workers = Math.max(1, Math.min(options.workers, jobs.length));
    options.progress?.(`${jobs.length} scenario runs in ${workers === 1 ? 'this process' : `${workers} worker processes`}`);
    const results = workers === 1 ? await inThisProcess(jobs, options.progress) : await inWorkers(jobs, workers, options.progress);
    const { progress, ...kept } = options;
    const figures = (which: (job: Job) => boolean) => results.filter((r) => which(r.job)).flatMap((r) => r.figures);
    return {
        options: kept,
        typical: figures((job) => job.seed === undefined),
        spread: figures((job) => job.seed !== undefined),
        bundles,
        timings: results.map((r) => ({ ...r.job, realMs: r.realMs })),
    };
}

const describeJob = (job: Job) => `${job.scenario}, ${job.policy}, ${job.seed === undefined ? 'typical latencies' : `latencies ±${job.spreadFraction * 100} % seed ${job.seed}`}`;

async function inThisProcess(jobs: Job[], progress?: (line: string) => void): Promise<JobResult[]> {
    const results: JobResult[] = [];
    for (const job of jobs) {
        results.push(await runJob(job));
        progress?.(`${describeJob(job)}: ${(results[results.length - 1].realMs / 1000).toFixed(1)} s`);
    }
    return results;
}

/** Hands the jobs to `count` worker processes, each taking the next job when it is free; results in job order. */
async function inWorkers(jobs: Job[], count: number, progress?: (line: string) => void): Promise<JobResult[]> {
    const results: JobResult[] = new Array(jobs.length);
    let nextJob = 0;
    const children: ChildProcess[] = [];
    try {
        await Promise.all(
            Array.from({ length: count }, () =>
                new Promise<void>((resolve, reject) => {
                    const child = fork(join(__dirname, 'worker.ts'), [], {
                        execPath: process.execPath,
                        execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
                        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
                    });
                    children.push(child);
                    let current = -1;
                    const giveNext = () => {
                        if (nextJob >= jobs.length) return resolve();
                        current = nextJob++;
                        child.send(jobs[current]);
                    };
                    child.on('message', (message: { result?: JobResult; error?: string; ready?: boolean }) => {
                        if (message.error) return reject(new Error(`${describeJob(jobs[current])}: ${message.error}`));
                        if (message.result) {
                            results[current] = message.result;
                            progress?.(`${describeJob(message.result.job)}: ${(message.result.realMs / 1000).toFixed(1)} s`);
                        }
                        giveNext();
                    });
                    child.on('exit', (code) => {
                        if (nextJob < jobs.length || (current >= 0 && !results[current])) reject(new Error(`A bench worker exited (${code}) during ${describeJob(jobs[current])}`));
                    });
                }),
            ),
        );
    } finally {
        children.forEach((child) => child.connected && child.disconnect());
    }
    return results;
}

/** Runs one job in this process, which must keep the shared clock without real time (see bench/worker.ts). */
export async function runJob(job: Job): Promise<JobResult> {
    // Emulated time is then made only of the waits, the library's sleeps and the services' durations: the
    // figures do not depend on how loaded the machine is. The first clock installed in a process stays.
    if (installSharedClock({ followsRealTime: false }).followsRealTime) throw new Error('The bench needs the shared clock without real time; run it in a process of its own.');
    const scenario = SCENARIOS.find((s) => s.name === job.scenario);
    if (!scenario) throw new Error(`No scenario ${job.scenario}`);
    const started = performance.now();
    const figures = await runScenario(scenario, job);
    return { job, figures, realMs: performance.now() - started };
}

async function runScenario(scenario: Scenario, { policy, seed, spreadFraction }: Job): Promise<OperationFigures[]> {
    const spread = seed !== undefined;
    const aws = await startLocalAws({ workDurations: spread ? spreadWorkDurations(seed, spreadFraction) : undefined });
    const measured: OperationFigures[] = [];
    const measure = async (operation: string, run: () => Promise<OperationReport>) => {
        if (policy === 'baseline') installBaselinePolicy();
        let report: OperationReport;
        try {
            report = await run();
        } finally {
            removeBaselinePolicy();
        }
        if (spread && operation !== scenario.creates) return report;
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
    };
    try {
        await scenario.run(aws, measure, spread);
    } finally {
        await aws.stop();
    }
    return measured;
}
