/**
 * One handler operation of a workflow: run it within the invocation budget and turn the result into the
 * event CloudFormation expects — IN_PROGRESS with the model (which carries the identifier), the finished
 * model, or FAILED with the model when it already names the resource (so a rollback can delete it).
 */
import { BaseModel, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { runWorkflow, ScopeOf, Workflow } from '../engine/workflow';
import { failedWithModel, inProgress } from './resource';

/** Handler work per invocation; the library then needs a few seconds to deliver logs and metrics. */
export const INVOCATION_BUDGET_MS = 30_000;

export interface WorkflowOperation<M extends BaseModel, D, S extends ScopeOf<D>> {
    workflow: Workflow<S>;
    callbackContext: unknown;
    /** The desired model (a mutable copy); steps fill in what they learn. */
    model: M;
    makeScope: (data: D) => S;
    /** Whether the model carries the primary identifier yet. */
    identified: (model: M) => boolean;
    /** Hides write-only properties from a FAILED event's model. */
    publicModel: (model: M) => M;
    finish: (scope: S) => Promise<ProgressEvent<M>>;
}

export async function runWorkflowOperation<M extends BaseModel, D, S extends ScopeOf<D>>(op: WorkflowOperation<M, D, S>): Promise<ProgressEvent<M>> {
    let scope: S | undefined;
    try {
        const result = await runWorkflow(op.workflow, {
            callbackContext: op.callbackContext,
            initialData: () => ({}) as D,
            budgetMs: INVOCATION_BUDGET_MS,
            makeScope: (data: D) => (scope = op.makeScope(data)),
            canComeBackLater: () => op.identified(op.model),
        });
        return result.status === 'done' ? await op.finish(scope!) : inProgress(result, op.model);
    } catch (err) {
        return failedWithModel(err, op.workflow.name, op.identified(op.model) ? op.publicModel(op.model) : undefined);
    }
}
