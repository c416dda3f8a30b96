/**
 * The wait policy (shared/engine/polling.ts) as a create lives it: wherever the service's latency falls
 * within ±50 % of its typical figure, the create learns that the work ended within one spacing of the
 * schedule, and past that range within 10 % of the time it waited; at the typical figure it looks exactly
 * when the work ends.
 */
import { randomUUID } from 'crypto';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { SCHEDULES } from '../../shared/engine/polling';
import { clusterProperties, clusterType } from '../support';
import { createUntilStep } from './mid-workflow';

let aws: LocalAws | undefined;
afterEach(async () => {
    await aws?.stop();
    aws = undefined;
});

/** Seconds from the end of the cluster's creation to the invocation that saw it (and created the first HSM). */
async function overshootOfClusterCreate(clusterCreateSeconds: number): Promise<{ overshootSeconds: number; invocations: number }> {
    aws = await startLocalAws({ durations: { clusterCreateSeconds } });
    const events = await createUntilStep(aws, aws.driver(clusterType), clusterProperties(aws), 'await-first-hsm', randomUUID());
    const created = aws.emulator.work.find((w) => w.kind === 'cluster create')!;
    const firstHsm = aws.emulator.work.find((w) => w.kind === 'hsm create')!;
    return { overshootSeconds: (firstHsm.startMs - created.endMs) / 1000, invocations: events.length };
}

const typical = 240;
const schedule = SCHEDULES.clusterCreate;
// An invocation takes about a second of the shared clock (the library's log delivery) before it looks.
const INVOCATION_SECONDS = 2;

it.each([0.5, 0.6, 0.8, 0.99, 1.01, 1.2, 1.49])('a cluster created in %s × the typical 240 s is seen within one spacing of the schedule', async (fraction) => {
    const { overshootSeconds } = await overshootOfClusterCreate(Math.round(fraction * typical));
    expect(overshootSeconds).toBeGreaterThanOrEqual(0);
    expect(overshootSeconds).toBeLessThanOrEqual(schedule.intervalSeconds + INVOCATION_SECONDS);
});

it.each([2, 4])('a cluster that takes %s × the typical 240 s, beyond the plausible range, is seen within 10 %% of the wait', async (fraction) => {
    const { overshootSeconds } = await overshootOfClusterCreate(fraction * typical);
    expect(overshootSeconds).toBeLessThanOrEqual(0.1 * fraction * typical + INVOCATION_SECONDS);
});

it('at the typical 240 s the last of the early looks sees the cluster as it ends: the create invocation and one per look', async () => {
    const { overshootSeconds, invocations } = await overshootOfClusterCreate(typical);
    expect(overshootSeconds).toBeLessThanOrEqual(INVOCATION_SECONDS);
    expect(invocations).toBe(1 + schedule.looksAtSeconds.length);
    expect(schedule.looksAtSeconds[schedule.looksAtSeconds.length - 1]).toBe(typical);
});
