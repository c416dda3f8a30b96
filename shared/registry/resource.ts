/**
 * The glue between the CloudFormation library and our handlers: one error boundary, one client factory per
 * invocation, and the exported `entrypoint` that Lambda calls.
 */
import {
    Action,
    BaseModel,
    BaseResource,
    LoggerProxy,
    OperationStatus,
    ProgressEvent,
    ResourceHandlerRequest,
    SessionProxy,
} from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients, SessionCredentials } from '../aws/clients';
import { classify } from '../aws/error-table';
import { WorkflowResult } from '../engine/workflow';

export interface HandlerInput<M extends BaseModel> {
    action: Action;
    request: ResourceHandlerRequest<M>;
    /** Frozen by the library; the engine copies it. */
    callbackContext: Record<string, unknown>;
    clients: AwsClients;
    logger: LoggerProxy;
    /** LIST only: the page token CloudFormation sent (the library's `entrypoint` drops it; see carryListToken). */
    listToken?: string;
}

export type Handler<M extends BaseModel> = (input: HandlerInput<M>) => Promise<ProgressEvent<M>>;

type ModelClass<M extends BaseModel> = (new () => M) & { TYPE_NAME?: string; deserialize(data: unknown): M };

const LIST_TOKEN_KEY = '__listNextToken';

/**
 * The library's `entrypoint` builds the handler request without the event's `nextToken`, so LIST could never
 * page. The callback context does reach the handler, so the token travels there.
 */
function carryListToken(event: any): any {
    if (event?.action !== Action.List || !event.nextToken) return event;
    return { ...event, callbackContext: { ...(event.callbackContext ?? {}), [LIST_TOKEN_KEY]: event.nextToken } };
}

export interface RegistryResource {
    entrypoint: (event: unknown, context: unknown) => Promise<unknown>;
    testEntrypoint: (event: unknown, context: unknown) => Promise<unknown>;
}

export function registryResource<M extends BaseModel>(
    typeName: string,
    Model: ModelClass<M>,
    handlers: Record<Action.Create | Action.Read | Action.Update | Action.Delete | Action.List, Handler<M>>,
): RegistryResource {
    class Resource extends BaseResource<M> {}
    withoutClosingSleep(Resource.prototype);
    routineLinesToLambdaLogOnly(Resource.prototype);
    redactionFiltersPerInvocation(Resource.prototype);
    const resource = new Resource(typeName, Model as any);
    for (const [action, handler] of Object.entries(handlers) as Array<[Action, Handler<M>]>) {
        resource.addHandler(action, async (session, request, callbackContext, logger) => {
            try {
                const configuration = (session as SessionProxy | undefined)?.configuration as
                    | { credentials?: SessionCredentials; region?: string }
                    | undefined;
                const clients = new AwsClients({ region: configuration?.region ?? request.region, credentials: configuration?.credentials });
                const context = (callbackContext ?? {}) as Record<string, unknown>;
                const listToken = (request.nextToken as string | undefined) ?? (context[LIST_TOKEN_KEY] as string | undefined);
                const event = await handler({ action, request, callbackContext: context, clients, logger, listToken });
                logger.log(invocationLine(action, event));
                return event;
            } catch (err) {
                const failure = classify(err, `${typeName} ${action}`);
                const event = ProgressEvent.failed<ProgressEvent<M>>(failure.code, failure.message);
                logger.log(invocationLine(action, event));
                return event;
            }
        });
    }
    return {
        entrypoint: (event, context) => resource.entrypoint(carryListToken(event), context as any),
        testEntrypoint: (event, context) => resource.testEntrypoint(event, context as any),
    };
}

/**
 * The library (1.0.6, pinned) ends every invocation with `delay(1)` before it awaits its log queues, whose
 * trackers already wait for every line submitted and whose metric calls are awaited where they are made: a
 * second of billed Lambda time per invocation that delays every progress event. The same shutdown, without it.
 */
function withoutClosingSleep(prototype: object): void {
    Object.defineProperty(prototype, 'waitRunningProcesses', {
        value: async function (this: any) {
            if (this.loggerProxy) await this.loggerProxy.waitCompletion();
            await this.platformLoggerProxy.waitCompletion();
            if (this.workerPool) await this.workerPool.shutdown();
        },
    });
}

/**
 * On every invocation the library adds three filters (the bearer token and both sessions' credentials, to be
 * redacted) to the Lambda log publisher it keeps for the container's life, and never removes them. A warm
 * container would run each log line through the filters of every invocation it ever served (CPU per line
 * that grows with each invocation) and keep every earlier caller's session credentials in memory. Each
 * invocation starts without them; the library then adds its own three.
 */
function redactionFiltersPerInvocation(prototype: object): void {
    const initializeRuntime = (BaseResource.prototype as any).initializeRuntime as (this: any, ...args: unknown[]) => Promise<void>;
    Object.defineProperty(prototype, 'initializeRuntime', {
        value: function (this: any, ...args: unknown[]) {
            this.platformLambdaLogger.logFilters.length = 0;
            return initializeRuntime.apply(this, args);
        },
    });
}

/**
 * The one line each invocation sends to the type's log group: what the handler is doing and when it looks
 * again. Every line the library delivers costs the invocation a 0.25 s sleep before its PutLogEvents
 * (log-delivery.js), so an invocation says what it did once.
 */
function invocationLine<M extends BaseModel>(action: Action, event: ProgressEvent<M>): string {
    switch (event.status) {
        case OperationStatus.InProgress:
            return `${action} IN_PROGRESS: ${event.message}; next look in ${event.callbackDelaySeconds} s`;
        case OperationStatus.Failed:
            return `${action} FAILED ${event.errorCode}: ${event.message}`;
        default:
            return `${action} ${event.status}`;
    }
}

/**
 * The library writes START, END and REPORT lines and three more about invoking the handler on every
 * invocation, to the type's log group as well as to Lambda's own log, where Lambda writes its own START, END
 * and REPORT. In the type's log group they cost 0.25 s each (see invocationLine) and tell the user nothing
 * the invocation's own line does not; they go to Lambda's log only. Every other line of the library (errors)
 * still reaches the log group.
 */
const ROUTINE_LIBRARY_LINE = /^(START RequestId: |END RequestId: |REPORT RequestId: |\[\w+\] invoking handler|\[\w+\] handler invoked|Handler returned )/;

function routineLinesToLambdaLogOnly(prototype: object): void {
    const libraryLog = (BaseResource.prototype as any).log as (this: any, message: unknown, ...optionalParams: unknown[]) => void;
    Object.defineProperty(prototype, 'log', {
        value: function (this: any, message: unknown, ...optionalParams: unknown[]) {
            if (typeof message === 'string' && ROUTINE_LIBRARY_LINE.test(message)) {
                this.platformLoggerProxy.tracker.done = false;
                this.platformLoggerProxy.log(message, ...optionalParams);
                return;
            }
            libraryLog.call(this, message, ...optionalParams);
        },
    });
}

/** The IN_PROGRESS event for an unfinished workflow; `model` must carry the primary identifier. */
export function inProgress<M extends BaseModel, D>(result: Extract<WorkflowResult<D>, { status: 'in-progress' }>, model: M): ProgressEvent<M> {
    return ProgressEvent.builder<ProgressEvent<M>>()
        .status(OperationStatus.InProgress)
        .resourceModel(model)
        .callbackContext(result.context as any)
        .callbackDelaySeconds(result.callbackDelaySeconds)
        .message(result.message)
        .build();
}

/**
 * FAILED, with the model when it already names the resource: CloudFormation's rollback then deletes what the
 * failed operation created.
 */
export function failedWithModel<M extends BaseModel>(err: unknown, operation: string, model: M | undefined): ProgressEvent<M> {
    const failure = classify(err, operation);
    return ProgressEvent.builder<ProgressEvent<M>>()
        .status(OperationStatus.Failed)
        .errorCode(failure.code)
        .message(failure.message)
        .resourceModel(model)
        .build();
}

export function success<M extends BaseModel>(model?: M, message?: string): ProgressEvent<M> {
    const event = ProgressEvent.builder<ProgressEvent<M>>().status(OperationStatus.Success).resourceModel(model);
    return (message ? event.message(message) : event).build();
}
