/**
 * When to look again at an operation the service runs asynchronously. Each look is one more handler
 * invocation, and a look that comes late keeps the stack waiting for nothing; real latencies scatter around
 * the typical figures (a new HSM: 5–10 minutes). So the early looks go where the work can plausibly be done,
 * closing in on the typical duration, and later ones come at a fraction of it, bounded by a timeout.
 */
export interface PollSchedule {
    /** Seconds after the wait began at which to look, in order; the last is the typical duration. */
    looksAtSeconds: number[];
    /** After the last of those, look this often. */
    intervalSeconds: number;
    timeoutSeconds: number;
}

export function nextLookSeconds(schedule: PollSchedule, waitedSeconds: number): number {
    const early = schedule.looksAtSeconds.find((at) => at > waitedSeconds);
    if (early !== undefined) return early - waitedSeconds;
    const last = schedule.looksAtSeconds[schedule.looksAtSeconds.length - 1];
    const intervalsPast = Math.floor((waitedSeconds - last) / schedule.intervalSeconds) + 1;
    return last + intervalsPast * schedule.intervalSeconds - waitedSeconds;
}

const minutes = (m: number) => m * 60;

/**
 * Looks at 70 %, 85 % and 100 % of the typical duration, then every 15 % of it. Against latencies anywhere
 * within ±50 % of the typical figure this costs three looks per wait at the typical figure and overshoots
 * the end of the work by at most 20 % of the typical duration (npm run bench measures both).
 */
function aroundTypical(typicalSeconds: number, timeoutSeconds: number): PollSchedule {
    return {
        looksAtSeconds: [0.7, 0.85, 1].map((fraction) => Math.round(fraction * typicalSeconds)),
        intervalSeconds: Math.max(5, Math.round(0.15 * typicalSeconds)),
        timeoutSeconds,
    };
}

/** The typical service timings of reference/aws-behaviour.md (the emulator's defaults) turned into schedules. */
export const SCHEDULES = {
    clusterCreate: aroundTypical(240, minutes(60)),
    clusterRestore: aroundTypical(480, minutes(90)),
    clusterInitialize: aroundTypical(210, minutes(30)),
    clusterDelete: aroundTypical(60, minutes(30)),
    clusterSettle: { looksAtSeconds: [30], intervalSeconds: 30, timeoutSeconds: minutes(90) },
    hsmCreate: aroundTypical(420, minutes(60)),
    hsmDelete: aroundTypical(120, minutes(30)),
    command: { looksAtSeconds: [3], intervalSeconds: 3, timeoutSeconds: minutes(15) },
    activation: { looksAtSeconds: [2], intervalSeconds: 5, timeoutSeconds: minutes(5) },
    // "Each individual HSM migration takes approximately 30 minutes", one HSM after another: up to 28 HSMs.
    hsmTypeMigration: { looksAtSeconds: [minutes(20)], intervalSeconds: minutes(5), timeoutSeconds: minutes(16 * 60) },
    // KMS documents "up to 20 minutes" for a connection; several minutes is typical.
    keyStoreConnect: aroundTypical(300, minutes(30)),
    keyStoreDisconnect: aroundTypical(30, minutes(10)),
} satisfies Record<string, PollSchedule>;
