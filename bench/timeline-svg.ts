/**
 * A picture of one create, ours above the baseline's, on one time scale: a row per piece of service work
 * (the cluster, each HSM, initialization, the activation script), then the handler's invocations with the
 * waits between them.
 */
import { formatDuration } from '../local/report';
import { OperationFigures } from './run';

const WIDTH = 1000;
const LABEL_WIDTH = 170;
const ROW = 18;
const BAR = 12;
const PANEL_GAP = 36;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function workLabels(figures: OperationFigures): string[] {
    const counts = new Map<string, number>();
    return figures.work.map((w) => {
        const n = (counts.get(w.kind) ?? 0) + 1;
        counts.set(w.kind, n);
        const name = w.kind === 'command' ? 'script on the instance' : w.kind;
        return w.kind.startsWith('hsm') || n > 1 ? `${name} ${n}` : name;
    });
}

export function timelineSvg(title: string, panels: OperationFigures[]): string {
    const spanSeconds = Math.max(...panels.map((p) => p.emulatedSeconds), 1);
    const x = (seconds: number) => LABEL_WIDTH + (seconds / spanSeconds) * (WIDTH - LABEL_WIDTH - 20);
    const parts: string[] = [];
    let y = 40;
    parts.push(`<text x="10" y="22" font-size="15" font-weight="bold">${escape(title)}</text>`);
    for (const panel of panels) {
        const at = (ms: number) => x((ms - panel.startMs) / 1000);
        parts.push(
            `<text x="10" y="${y + 12}" font-size="13" font-weight="bold">${escape(
                `${panel.policy}: ${formatDuration(panel.emulatedSeconds)}, ${panel.invocations} invocations, critical path ${formatDuration(Math.round(panel.criticalPathSeconds))}`,
            )}</text>`,
        );
        y += ROW + 4;
        workLabels(panel).forEach((label, i) => {
            const w = panel.work[i];
            parts.push(`<text x="10" y="${y + BAR - 2}" font-size="11">${escape(label)}</text>`);
            parts.push(`<rect x="${at(w.startMs).toFixed(1)}" y="${y}" width="${Math.max(1, at(w.endMs) - at(w.startMs)).toFixed(1)}" height="${BAR}" fill="#4a7fb5"/>`);
            y += ROW;
        });
        parts.push(`<text x="10" y="${y + BAR - 2}" font-size="11">handler invocations</text>`);
        panel.invocationTimes.forEach((inv, i) => {
            const next = panel.invocationTimes[i + 1];
            if (next) {
                parts.push(`<line x1="${at(inv.endMs).toFixed(1)}" y1="${y + BAR / 2}" x2="${at(next.startMs).toFixed(1)}" y2="${y + BAR / 2}" stroke="#999" stroke-dasharray="3,3"/>`);
            }
            parts.push(`<rect x="${at(inv.startMs).toFixed(1)}" y="${y}" width="${Math.max(2, at(inv.endMs) - at(inv.startMs)).toFixed(1)}" height="${BAR}" fill="#e07b39"/>`);
        });
        y += ROW + PANEL_GAP;
    }
    for (let minute = 0; minute * 60 <= spanSeconds; minute += 5) {
        parts.push(`<line x1="${x(minute * 60).toFixed(1)}" y1="30" x2="${x(minute * 60).toFixed(1)}" y2="${y - PANEL_GAP + 4}" stroke="#ddd"/>`);
        parts.push(`<text x="${x(minute * 60).toFixed(1)}" y="${y - PANEL_GAP + 18}" font-size="10" text-anchor="middle">${minute} min</text>`);
    }
    parts.push(
        `<text x="10" y="${y}" font-size="11" fill="#555">blue: the service's own work · orange: a handler invocation · dashed: waiting for CloudFormation to invoke again</text>`,
    );
    const height = y + 12;
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
        `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
        // Grid lines first, so bars are drawn over them.
        ...parts.filter((p) => p.includes('stroke="#ddd"')),
        ...parts.filter((p) => !p.includes('stroke="#ddd"')),
        '</svg>',
        '',
    ].join('\n');
}
