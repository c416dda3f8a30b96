/** The stand-in's pause between its own attempts at a best-effort call; replaceable by the local runtime. */
export declare const pause: { seconds: (seconds: number) => Promise<void> };
