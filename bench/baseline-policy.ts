/**
 * The baseline the benchmarks compare with: the same workflows run the way the AWS sample's state machines
 * run them (reference/seeds/, reference/aws-behaviour.md) — a fixed 30 s wait between looks, whatever is
 * awaited, and additional HSMs created one at a time, each awaited before the next.
 *
 * It is a configuration of our own engine that only the benchmarks install, in their own process and for the
 * measured operations only, by swapping the steps of the workflow objects the handlers import; no handler code
 * path leads to it.
 */
import { SCHEDULES } from '../shared/engine/polling';
import { Step, wait, Workflow } from '../shared/engine/workflow';
import { alignHsms } from '../cluster-resource/src/steps/hsms';
import { hsmAlignment, withDefaults } from '../cluster-resource/src/translate';
import { createWorkflow as clusterCreate } from '../cluster-resource/src/workflows/create';
import { deleteWorkflow as clusterDelete } from '../cluster-resource/src/workflows/delete';
import { ClusterScope } from '../cluster-resource/src/workflows/scope';
import { updateWorkflow as clusterUpdate } from '../cluster-resource/src/workflows/update';
import { createWorkflow as keyStoreCreate } from '../keystore-resource/src/workflows/create';
import { deleteWorkflow as keyStoreDelete } from '../keystore-resource/src/workflows/delete';
import { updateWorkflow as keyStoreUpdate } from '../keystore-resource/src/workflows/update';
import { createWorkflow as kmsKeyCreate } from '../kmskey-resource/src/workflows/create';
import { deleteWorkflow as kmsKeyDelete } from '../kmskey-resource/src/workflows/delete';
import { updateWorkflow as kmsKeyUpdate } from '../kmskey-resource/src/workflows/update';

const FIXED_WAIT_SECONDS = 30;

/** Every workflow the types run. */
const WORKFLOWS: Workflow<any>[] = [clusterCreate, clusterUpdate, clusterDelete, keyStoreCreate, keyStoreUpdate, keyStoreDelete, kmsKeyCreate, kmsKeyUpdate, kmsKeyDelete];

const withFixedWait = <S>(step: Step<S>): Step<S> => ({
    ...step,
    run: async (scope, progress) => {
        const outcome = await step.run(scope, progress);
        return outcome.kind === 'wait' ? wait(FIXED_WAIT_SECONDS, outcome.reason, outcome.timeoutSeconds) : outcome;
    },
});

/** Adds one HSM, then waits for it before adding the next; removals as ours. */
const oneHsmAtATime: Step<ClusterScope> = {
    ...alignHsms,
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        const creating = (cluster.Hsms ?? []).filter((h) => h.State === 'CREATE_IN_PROGRESS');
        if (creating.length) return wait(FIXED_WAIT_SECONDS, `Waiting for HSM ${creating[0].HsmId} before adding the next`, SCHEDULES.hsmCreate.timeoutSeconds);
        const adds = cluster.State !== 'UNINITIALIZED' && hsmAlignment(cluster, withDefaults(scope.model).HsmsPerSubnet).create.length > 0;
        const outcome = await alignHsms.run(scope, progress);
        return adds && outcome.kind === 'repeat' ? wait(FIXED_WAIT_SECONDS, 'Waiting for the HSM just added', SCHEDULES.hsmCreate.timeoutSeconds) : outcome;
    },
};

let originalSteps: Array<Step<any>[]> | undefined;

export function installBaselinePolicy(): void {
    if (originalSteps) return;
    originalSteps = WORKFLOWS.map((w) => w.steps);
    for (const workflow of WORKFLOWS) {
        workflow.steps = workflow.steps.map((step) => withFixedWait(step === alignHsms ? oneHsmAtATime : step));
    }
}

export function removeBaselinePolicy(): void {
    if (!originalSteps) return;
    WORKFLOWS.forEach((w, i) => (w.steps = originalSteps![i]));
    originalSteps = undefined;
}
