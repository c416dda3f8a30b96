/**
 * When to look again at an operation the service runs asynchronously. Each look is one more handler
 * invocation, and a look that comes late keeps the stack waiting for nothing. Real latencies scatter around
 * the typical figures (a new HSM: 5–10 minutes), so a wait takes its work to be able to end anywhere within
 * ±PLAUSIBLE_SPREAD of the typical duration, equally likely anywhere in that range, and:
 * - looks evenly across the range, from its start: for a given number of looks, even spacing is what makes
 *   the expected overshoot (the time between the end of the work and the look that sees it) least;
 * - gives a wider range more looks, in proportion to the square root of its width: the spacing g that makes
 *   the least of (expected overshoot g / 2) + LOOK_COST_SECONDS × (expected looks, the half-width W / g) is
 *   g = √(2 × LOOK_COST_SECONDS × W), so W / g = √(W / (2 × LOOK_COST_SECONDS)) looks up to the typical figure;
 * - past the range, backs off: each look comes 10 % of the time waited after the previous one, so a wait
 *   that runs long costs few invocations and still learns of the end within 10 % of its duration.
 * npm run bench measures what this costs and saves, at the typical figures and at latencies drawn within the range.
 */
export interface PollSchedule {
    /** Seconds after the wait began at which to look, in order; the last is the typical duration. */
    looksAtSeconds: number[];
    /** After the last of those, look this often until `backOffAfterSeconds`. */
    intervalSeconds: number;
    /** From here on each look comes BACK_OFF_FRACTION of the time waited after the previous one (never sooner than the interval). */
    backOffAfterSeconds?: number;
    timeoutSeconds: number;
}

/** Latencies are taken to scatter within ± this fraction of the typical figure. */
export const PLAUSIBLE_SPREAD = 0.5;

/**
 * What one more look is worth in seconds of the stack's time: an invocation costs a Lambda run, a few calls to
 * the service and a line in the type's log. Set so that the typical create (2 subnets × 1 HSM, activated)
 * takes 16 invocations, issue 11's budget.
 */
export const LOOK_COST_SECONDS = 6.5;

const BACK_OFF_FRACTION = 0.1;

/** Whole seconds to the next look, rounded up: a look a fraction of a second early would cost one more. */
export function nextLookSeconds(schedule: PollSchedule, waitedSeconds: number): number {
    const early = schedule.looksAtSeconds.find((at) => at > waitedSeconds);
    if (early !== undefined) return Math.ceil(early - waitedSeconds);
    if (schedule.backOffAfterSeconds !== undefined && waitedSeconds >= schedule.backOffAfterSeconds) {
        return Math.max(schedule.intervalSeconds, Math.ceil(BACK_OFF_FRACTION * waitedSeconds));
    }
    const last = schedule.looksAtSeconds[schedule.looksAtSeconds.length - 1];
    const intervalsPast = Math.floor((waitedSeconds - last) / schedule.intervalSeconds) + 1;
    return Math.ceil(last + intervalsPast * schedule.intervalSeconds - waitedSeconds);
}

const minutes = (m: number) => m * 60;

/** The schedule for work whose typical duration is `typicalSeconds` (see the top of this file). */
export function aroundTypical(typicalSeconds: number, timeoutSeconds: number): PollSchedule {
    const halfWidth = PLAUSIBLE_SPREAD * typicalSeconds;
    const earliest = typicalSeconds - halfWidth;
    const looks = Math.max(1, Math.round(Math.sqrt(halfWidth / (2 * LOOK_COST_SECONDS))));
    const spacing = halfWidth / looks;
    return {
        looksAtSeconds: Array.from({ length: looks }, (_, i) => Math.round(earliest + (i + 1) * spacing)),
        intervalSeconds: Math.max(1, Math.round(spacing)),
        backOffAfterSeconds: Math.round(typicalSeconds + halfWidth),
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
