/**
 * Timed transitions: a service schedules "at t, do this" and every request first runs what has come due,
 * in time order. Nothing runs on a wall-clock timer, so advancing the shared clock is all it takes.
 */
interface Due {
    atMs: number;
    seq: number;
    run: () => void;
}

export class Scheduler {
    private queue: Due[] = [];
    private seq = 0;

    constructor(private readonly now: () => number) {}

    after(seconds: number, run: () => void): void {
        this.queue.push({ atMs: this.now() + seconds * 1000, seq: this.seq++, run });
    }

    /** Runs everything that has come due, including transitions that come due because of earlier ones. */
    runDue(): void {
        for (;;) {
            const now = this.now();
            const due = this.queue.filter((d) => d.atMs <= now).sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
            if (due.length === 0) return;
            const first = due[0];
            this.queue.splice(this.queue.indexOf(first), 1);
            first.run();
        }
    }

    /** Seconds until the next scheduled transition, or undefined when none is pending. */
    secondsToNext(): number | undefined {
        if (this.queue.length === 0) return undefined;
        return Math.max(0, (Math.min(...this.queue.map((d) => d.atMs)) - this.now()) / 1000);
    }

    get pending(): number {
        return this.queue.length;
    }
}
