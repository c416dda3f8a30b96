/**
 * What the live test costs, said before it starts. CloudHSM bills each HSM by the hour while it exists, at
 * a price that depends on the region and HSM type (https://aws.amazon.com/cloudhsm/pricing/); we do not
 * quote one. The durations are the emulator's with its default service timings (local/emulator/durations.ts,
 * measured with `npm run test:live -- --emulator`); real ones vary, HSM creation most.
 */
interface PhaseEstimate {
    phase: string;
    minutes: number;
    /** The most HSMs that exist during the phase. */
    hsms: number;
}

export const PHASE_ESTIMATES: PhaseEstimate[] = [
    { phase: 'cluster create (1 HSM, then 1 per subnet)', minutes: 23, hsms: 2 },
    { phase: 'grow to 2 per subnet', minutes: 8, hsms: 4 },
    { phase: 'shrink to 0', minutes: 3, hsms: 4 },
    { phase: 'grow back to 1 per subnet', minutes: 8, hsms: 2 },
    { phase: 'key store create, rotate, delete', minutes: 12, hsms: 2 },
    { phase: 'cluster delete', minutes: 4, hsms: 2 },
];

export function costNotice(region: string): string {
    const minutes = PHASE_ESTIMATES.reduce((sum, p) => sum + p.minutes, 0);
    const hsmHours = PHASE_ESTIMATES.reduce((sum, p) => sum + (p.minutes * p.hsms) / 60, 0);
    const lines = PHASE_ESTIMATES.map((p) => `  ${p.phase.padEnd(40)} ~${String(p.minutes).padStart(2)} min, up to ${p.hsms} HSM(s)`);
    return [
        `The live test creates a CloudHSM cluster in ${region} and holds up to 4 HSMs (hsm2m.medium) for about ${minutes} minutes:`,
        ...lines,
        `That is at most about ${hsmHours.toFixed(1)} HSM-hours (each phase counted at its largest HSM count), charged at`,
        `the hourly price of an hsm2m.medium HSM in ${region}: see https://aws.amazon.com/cloudhsm/pricing/ (it depends on`,
        'the region). Where a partial hour bills as a whole one (check the pricing page), each of the 6 HSMs the run creates',
        'counts at least an hour: up to about 6 HSM-hours. Secrets Manager secrets and KMS requests add cents. Times are',
        'estimates from the emulator\'s default service timings; real HSM creation can take longer, and a failure mid-way',
        'still ends with the clean-up.',
    ].join('\n');
}
