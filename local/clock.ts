/**
 * The one clock that the emulator, the driver and the handlers share.
 *
 * Emulated time is real time plus a skew that only grows: the driver adds a callback delay to it instead of
 * sleeping, the emulator adds injected latency to it. The handlers read it through the ordinary `Date`,
 * which `install()` replaces in this process, so the product carries no clock hook of its own.
 */
const RealDate = Date;

export class SharedClock {
    private skewMs = 0;
    private readonly startedAtMs = RealDate.now();

    /**
     * `followsRealTime` false: only advances move the clock (the benchmarks), so that an operation's emulated
     * time is what its waits, sleeps and the services' durations make it, however loaded the machine is.
     */
    constructor(readonly followsRealTime = true) {}

    now(): number {
        return (this.followsRealTime ? RealDate.now() : this.startedAtMs) + this.skewMs;
    }

    advance(seconds: number): void {
        if (seconds > 0) this.skewMs += seconds * 1000;
    }

    /** Emulated milliseconds since `sinceMs` (a value of `now()`). */
    elapsedMs(sinceMs: number): number {
        return this.now() - sinceMs;
    }
}

let installed: SharedClock | undefined;

/** Makes `Date.now()` and `new Date()` in this process read the shared clock. Idempotent. */
export function installSharedClock(options: { followsRealTime?: boolean } = {}): SharedClock {
    if (installed) return installed;
    const clock = new SharedClock(options.followsRealTime ?? true);
    class ShiftedDate extends RealDate {
        constructor(...args: unknown[]) {
            if (args.length === 0) super(clock.now());
            else super(...(args as [string]));
        }
        static now(): number {
            return clock.now();
        }
    }
    globalThis.Date = ShiftedDate as DateConstructor;
    installed = clock;
    return clock;
}
