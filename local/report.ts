/** Printing what the driver measured, for `npm start` and the benchmarks. */
import { OperationReport } from './driver/driver';

const total = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);

export function formatDuration(seconds: number): string {
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
}

/** `timeLabel`: how the duration is named, `emulated` on the shared clock, `took` on a real one (live/). */
export function describeOperation(phase: string, report: OperationReport, timeLabel: 'emulated' | 'took' = 'emulated'): string {
    const byAction = Object.entries(report.calls)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}×${v}`)
        .join(' ');
    const outcome = report.status === 'SUCCESS' ? 'SUCCESS' : `FAILED ${report.errorCode}: ${report.message}`;
    return [
        `${phase.padEnd(28)} ${outcome}`,
        `    ${timeLabel} ${formatDuration(report.emulatedSeconds)}, ${report.invocations} invocation(s), ${total(report.calls)} AWS call(s) (+${total(report.libraryCalls)} log/metric calls by the CloudFormation library)`,
        `    ${byAction}`,
    ].join('\n');
}
