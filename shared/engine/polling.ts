/**
 * How long to wait before looking again at an operation the service runs asynchronously. The first look
 * comes when the operation can plausibly be done (not on a fixed beat), later looks at an interval that keeps
 * invocations and API calls few, and the whole wait is bounded.
 */
export interface PollSchedule {
    /** Seconds after the start when the operation is first plausibly done. */
    firstLookSeconds: number;
    intervalSeconds: number;
    timeoutSeconds: number;
}

export function nextLookSeconds(schedule: PollSchedule, waitedSeconds: number): number {
    if (waitedSeconds < schedule.firstLookSeconds) return schedule.firstLookSeconds - waitedSeconds;
    return schedule.intervalSeconds;
}

const minutes = (m: number) => m * 60;

/** Typical service timings (reference/aws-behaviour.md) turned into schedules. */
export const SCHEDULES = {
    clusterCreate: { firstLookSeconds: 150, intervalSeconds: 20, timeoutSeconds: minutes(60) },
    clusterRestore: { firstLookSeconds: 300, intervalSeconds: 30, timeoutSeconds: minutes(90) },
    clusterInitialize: { firstLookSeconds: 150, intervalSeconds: 15, timeoutSeconds: minutes(30) },
    clusterDelete: { firstLookSeconds: 30, intervalSeconds: 15, timeoutSeconds: minutes(30) },
    clusterSettle: { firstLookSeconds: 30, intervalSeconds: 30, timeoutSeconds: minutes(90) },
    hsmCreate: { firstLookSeconds: 300, intervalSeconds: 30, timeoutSeconds: minutes(60) },
    hsmDelete: { firstLookSeconds: 60, intervalSeconds: 15, timeoutSeconds: minutes(30) },
    // "Each individual HSM migration takes approximately 30 minutes", one HSM after another: up to 28 HSMs.
    hsmTypeMigration: { firstLookSeconds: minutes(20), intervalSeconds: minutes(5), timeoutSeconds: minutes(16 * 60) },
    command: { firstLookSeconds: 3, intervalSeconds: 3, timeoutSeconds: minutes(15) },
    activation: { firstLookSeconds: 2, intervalSeconds: 5, timeoutSeconds: minutes(5) },
    // KMS documents "up to 20 minutes" for a connection; several minutes is typical.
    keyStoreConnect: { firstLookSeconds: 240, intervalSeconds: 20, timeoutSeconds: minutes(30) },
    keyStoreDisconnect: { firstLookSeconds: 10, intervalSeconds: 10, timeoutSeconds: minutes(10) },
} satisfies Record<string, PollSchedule>;
