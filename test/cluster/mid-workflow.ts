/**
 * Helpers for scenarios that stop a CloudFormation operation at a named step, change the world, and let
 * CloudFormation carry on from the callback context it was holding; and for what a user checks afterwards.
 */
import { Driver, ProgressEventJson, stringifyPrimitives } from '../../local/driver/driver';
import { leftovers } from '../../local/leftovers';
import { LocalAws } from '../../local/runtime';

/** A normal create never takes this many invocations to reach any of its steps (22 in all, by default durations). */
const INVOCATIONS_TO_ANY_STEP = 60;

/**
 * Runs a create one invocation at a time, as CloudFormation would, until an IN_PROGRESS event is waiting at
 * `step`. Returns the events so far, that one last; the clock stands where CloudFormation would start
 * counting its callback delay.
 */
export async function createUntilStep(aws: LocalAws, driver: Driver, properties: Record<string, unknown>, step: string, clientRequestToken: string): Promise<ProgressEventJson[]> {
    let model = stringifyPrimitives(properties) as Record<string, unknown>;
    let callbackContext: Record<string, unknown> | undefined;
    const events: ProgressEventJson[] = [];
    for (let invocation = 0; invocation < INVOCATIONS_TO_ANY_STEP; invocation++) {
        const { last } = await driver.create(model, { clientRequestToken, callbackContext, maxInvocations: 1, stringify: false });
        events.push(last);
        if (last.status !== 'IN_PROGRESS') throw new Error(`The create ended ${last.status} before reaching ${step}: ${last.message}`);
        if (last.callbackContext?.step === step) return events;
        aws.clock.advance(last.callbackDelaySeconds ?? 0);
        model = last.resourceModel!;
        callbackContext = last.callbackContext;
    }
    throw new Error(`The create never waited at ${step}`);
}

/** CloudFormation's next invocations after `event`: the callback delay passes, then the same request carries on. */
export function resumeCreate(aws: LocalAws, driver: Driver, event: ProgressEventJson, clientRequestToken: string) {
    aws.clock.advance(event.callbackDelaySeconds ?? 0);
    return driver.create(event.resourceModel!, { clientRequestToken, callbackContext: event.callbackContext, stringify: false });
}

/** The ID CloudFormation holds for a create that failed: the one its IN_PROGRESS events carried. */
export function clusterIdOf(events: ProgressEventJson[]): string {
    const withId = events.filter((e) => e.resourceModel?.ClusterId);
    if (!withId.length) throw new Error('No event carried a ClusterId');
    return withId[withId.length - 1].resourceModel!.ClusterId as string;
}

export function liveClusters(aws: LocalAws) {
    return [...aws.emulator.state.clusters.values()].filter((c) => c.state !== 'DELETED');
}

export function liveHsms(aws: LocalAws, clusterId: string) {
    return (aws.emulator.state.clusters.get(clusterId)?.hsms ?? []).filter((h) => h.state !== 'DELETED');
}

/** Secrets of the cluster that are not scheduled for deletion, by name. */
export function secretsOf(aws: LocalAws, clusterId: string): string[] {
    return [...aws.emulator.state.secrets.values()]
        .filter((s) => s.deletedDate === undefined && s.name.startsWith(`cloudhsm/${clusterId}/`))
        .map((s) => s.name)
        .sort();
}

/** Calls that the emulator answered without an error, from index `from` of its call log. */
export function answeredCalls(aws: LocalAws, service: string, action: string, from = 0): number {
    return aws.emulator.calls.slice(from).filter((c) => c.service === service && c.action === action && !c.error).length;
}

/**
 * After a delete, only what the type documents it keeps may remain: the admin credentials and trust anchor
 * secrets, and only when the cluster has backups (a restore from them needs both).
 */
export function expectOnlyDocumentedLeftovers(aws: LocalAws, clusterId: string): void {
    const left = leftovers(aws.emulator.state);
    expect(left.clusters).toEqual([]);
    expect(left.hsms).toEqual([]);
    expect(left.rules).toEqual([]);
    const hasBackups = [...aws.emulator.state.backups.values()].some((b) => b.clusterId === clusterId && b.state !== 'DELETED');
    const kept = hasBackups ? [`cloudhsm/${clusterId}/admin-credentials`, `cloudhsm/${clusterId}/trust-anchor`] : [];
    expect(secretsOf(aws, clusterId)).toEqual(kept);
}
