/**
 * The work a service does in the background after an accepted request (a cluster being created, an HSM being
 * deleted, a script running on the instance), each with the interval it took on the shared clock. The
 * emulator applies these durations itself, so it can say exactly what the service spent: the benchmarks
 * compute an operation's critical path from it (bench/critical-path.ts).
 */

/** The durations that each time one piece of work; each piece started draws its own. */
export type WorkDuration =
    | 'clusterCreateSeconds'
    | 'clusterRestoreSeconds'
    | 'clusterInitializeSeconds'
    | 'clusterDeleteSeconds'
    | 'clusterModifySeconds'
    | 'hsmCreateSeconds'
    | 'hsmDeleteSeconds'
    | 'keyStoreConnectSeconds'
    | 'keyStoreDisconnectSeconds'
    | 'instanceTerminateSeconds';

export interface ServiceWork {
    /** `hsm create`, `cluster initialize`, … (from the duration's name), or `command` for a Run Command script. */
    kind: string;
    /** The resource worked on: a cluster, HSM, key store or command ID. */
    subject: string;
    startMs: number;
    endMs: number;
}

/** `hsmCreateSeconds` → `hsm create`. */
export const workKindOf = (duration: WorkDuration): string =>
    duration
        .replace(/Seconds$/, '')
        .replace(/([A-Z])/g, ' $1')
        .toLowerCase();

/**
 * How long one piece of work takes. By default the typical figure of `Durations`; the benchmarks draw each
 * piece from a spread around it, so that no two HSMs take exactly the same time.
 */
export type WorkDurationSampler = (duration: WorkDuration, typicalSeconds: number) => number;

export const typicalWorkDurations: WorkDurationSampler = (_duration, typicalSeconds) => typicalSeconds;
