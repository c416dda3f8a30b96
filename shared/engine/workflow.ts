/**
 * Runs a workflow (an ordered list of named steps) within one handler invocation, and turns a wait into an
 * IN_PROGRESS event that CloudFormation answers by invoking again after `callbackDelaySeconds`.
 *
 * The callback context is a cache, never the truth: it holds the step reached, the IDs learned, and when
 * each wait began. Steps look at the service before acting, so replaying any step creates nothing twice.
 */
import { HandlerError, NotStabilizedError } from './errors';
import { classify } from '../aws/error-table';
import { pause } from './sleep';

/** Throttling and internal failures are retried by coming back later, this many times in a row at most. */
const MAX_RETRIES = 6;

/** What a step tells the engine. */
export type StepOutcome =
    | { kind: 'next' }
    | { kind: 'repeat' }
    | { kind: 'wait'; seconds: number; reason: string; timeoutSeconds: number }
    | { kind: 'finish' };

export const next = (): StepOutcome => ({ kind: 'next' });
/** Run this step again at once (it made one call and has more of the same to do). */
export const repeat = (): StepOutcome => ({ kind: 'repeat' });
export const finish = (): StepOutcome => ({ kind: 'finish' });
/**
 * Come back to this step in `seconds`. `timeoutSeconds` bounds the whole wait, counted from the first time
 * this step waited; past it the engine fails with NotStabilized naming `reason`.
 */
export const wait = (seconds: number, reason: string, timeoutSeconds: number): StepOutcome => ({
    kind: 'wait',
    seconds: Math.max(1, Math.round(seconds)),
    reason,
    timeoutSeconds,
});

/** The plain-JSON callback context every workflow shares; `data` holds what the workflow learned. */
export interface WorkflowContext<D> {
    workflow: string;
    step: string;
    /** When the current wait began (emulated/real epoch ms), absent when the step has not waited yet. */
    waitingSinceMs?: number;
    startedAtMs: number;
    invocations: number;
    /** Consecutive retryable failures of the current step. */
    retries?: number;
    data: D;
}

/** What the engine tells a step about its own wait. */
export interface StepProgress {
    /** Seconds since this step first asked to wait; 0 on its first run. */
    waitedSeconds: number;
}

export interface Step<S> {
    name: string;
    /** Steps with a `when` that answers false are passed over. */
    when?: (scope: S) => boolean;
    run: (scope: S, progress: StepProgress) => Promise<StepOutcome>;
}

export interface Workflow<S> {
    name: string;
    steps: Step<S>[];
}

export type WorkflowResult<D> =
    | { status: 'in-progress'; context: WorkflowContext<D>; callbackDelaySeconds: number; message: string }
    | { status: 'done' };

// A scope is whatever the workflow's steps receive; the only thing the engine needs from it is `data`.
export type ScopeOf<D> = { data: D };

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export async function runWorkflow<D, S extends ScopeOf<D>>(
    workflow: Workflow<S>,
    options: {
        callbackContext: unknown;
        initialData: () => D;
        budgetMs: number;
        makeScope: (data: D) => S;
        /**
         * False while the resource has no primary identifier yet: an IN_PROGRESS event must carry one, so until
         * then a transient failure is retried within the invocation instead of by coming back later.
         */
        canComeBackLater: (scope: S) => boolean;
    },
): Promise<WorkflowResult<D>> {
    const invocationStartMs = Date.now();
    const previous = options.callbackContext as Partial<WorkflowContext<D>> | undefined;
    const resumed = previous?.workflow === workflow.name && typeof previous.step === 'string';
    const context: WorkflowContext<D> = resumed
        ? clone(previous as WorkflowContext<D>)
        : { workflow: workflow.name, step: workflow.steps[0].name, startedAtMs: invocationStartMs, invocations: 0, data: options.initialData() };
    context.invocations += 1;
    const scope = options.makeScope(context.data);

    let index = workflow.steps.findIndex((s) => s.name === context.step);
    if (index < 0) throw new Error(`Callback context names unknown step ${context.step} of ${workflow.name}`);

    while (index < workflow.steps.length) {
        const step = workflow.steps[index];
        context.step = step.name;
        if (step.when && !step.when(scope)) {
            index += 1;
            delete context.waitingSinceMs;
            continue;
        }
        if (Date.now() - invocationStartMs > options.budgetMs) {
            return { status: 'in-progress', context, callbackDelaySeconds: 0, message: `${workflow.name}: continuing at ${step.name}` };
        }
        let outcome: StepOutcome;
        try {
            outcome = await step.run(scope, { waitedSeconds: context.waitingSinceMs ? (Date.now() - context.waitingSinceMs) / 1000 : 0 });
        } catch (err) {
            const failure = classify(err, `${workflow.name}/${step.name}`);
            const retries = context.retries ?? 0;
            if (!failure.retryable || retries >= MAX_RETRIES) throw new HandlerError(failure.code, failure.message);
            context.retries = retries + 1;
            if (!options.canComeBackLater(scope)) {
                const backoffSeconds = Math.min(8, 2 ** retries);
                if (Date.now() + backoffSeconds * 1000 - invocationStartMs > options.budgetMs) throw new HandlerError(failure.code, failure.message);
                await pause.seconds(backoffSeconds);
                continue;
            }
            return {
                status: 'in-progress',
                context,
                callbackDelaySeconds: Math.min(60, 5 * 2 ** retries),
                message: `retrying after a transient failure: ${failure.message}`,
            };
        }
        delete context.retries;
        switch (outcome.kind) {
            case 'next':
                index += 1;
                delete context.waitingSinceMs;
                break;
            case 'repeat':
                delete context.waitingSinceMs;
                break;
            case 'finish':
                return { status: 'done' };
            case 'wait': {
                const now = Date.now();
                context.waitingSinceMs ??= now;
                const waitedSeconds = (now - context.waitingSinceMs) / 1000;
                if (waitedSeconds >= outcome.timeoutSeconds) {
                    throw new NotStabilizedError(
                        `${outcome.reason}: still not done after ${Math.round(waitedSeconds / 60)} min (limit ${Math.round(outcome.timeoutSeconds / 60)} min).`,
                    );
                }
                const remaining = outcome.timeoutSeconds - waitedSeconds;
                return {
                    status: 'in-progress',
                    context,
                    callbackDelaySeconds: Math.max(1, Math.min(outcome.seconds, Math.ceil(remaining))),
                    message: outcome.reason,
                };
            }
        }
    }
    return { status: 'done' };
}
