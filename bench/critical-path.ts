/**
 * The physical limit of an operation: the critical path of the service work it caused, from the intervals
 * the emulator recorded for each piece of work it timed (local/emulator/service-work.ts).
 *
 * A piece of work depends on every piece of another kind that ended before it began (an HSM waits for its
 * cluster, initialization for the first HSM, activation for initialization), and the critical path is the
 * longest chain of such dependencies, counted in service seconds. HSMs of one cluster are independent of
 * each other: AWS creates or deletes them side by side, so a workflow that adds them one at a time gets no
 * credit for it. Everything else of the same kind chains (two scripts in a row, a disconnect before a connect).
 */
import { ServiceWork } from '../local/emulator/service-work';

const SIDE_BY_SIDE = new Set(['hsm create', 'hsm delete']);

export function workDuring(work: readonly ServiceWork[], startMs: number, endMs: number): ServiceWork[] {
    return work.filter((w) => w.startMs >= startMs && w.startMs <= endMs);
}

const dependsOn = (later: ServiceWork, earlier: ServiceWork) =>
    earlier.endMs <= later.startMs && !(earlier.kind === later.kind && SIDE_BY_SIDE.has(later.kind));

/** Seconds of service work on the longest dependency chain of `work`. */
export function criticalPathSeconds(work: readonly ServiceWork[]): number {
    const ordered = [...work].sort((a, b) => a.startMs - b.startMs);
    const chainEndingAt = new Map<ServiceWork, number>();
    for (const piece of ordered) {
        const before = ordered.filter((earlier) => earlier !== piece && chainEndingAt.has(earlier) && dependsOn(piece, earlier));
        const longestBefore = Math.max(0, ...before.map((earlier) => chainEndingAt.get(earlier)!));
        chainEndingAt.set(piece, longestBefore + (piece.endMs - piece.startMs) / 1000);
    }
    return Math.max(0, ...chainEndingAt.values());
}
