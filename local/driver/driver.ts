/**
 * Plays CloudFormation for one resource type: builds HandlerRequest events as CloudFormation does, calls the
 * real `entrypoint`, honours callbackDelaySeconds on its clock, enforces the 60 s invocation budget and
 * the schema's timeoutInMinutes, and checks each progress event against the handler contract.
 *
 * It plays in an account: the emulator's (local/runtime.ts), or a real one (live/), which differ only in
 * where the calls are counted, which credentials go into the events, and whether the clock jumps or waits.
 */
import { randomUUID } from 'crypto';
import { SessionCredentials } from '../../shared/aws/clients';

/**
 * The access key of the session credentials CloudFormation hands the handler: those of the type's execution
 * role, which the emulator knows as `handlerRoleArn` (see local/runtime.ts).
 */
export const HANDLER_ACCESS_KEY_ID = 'ASIALOCALDRIVER';

export type Action = 'CREATE' | 'READ' | 'UPDATE' | 'DELETE' | 'LIST';
type Properties = Record<string, unknown>;

export interface ProgressEventJson {
    status: 'IN_PROGRESS' | 'SUCCESS' | 'FAILED';
    errorCode?: string;
    message?: string;
    callbackContext?: Record<string, unknown>;
    callbackDelaySeconds?: number;
    resourceModel?: Properties;
    resourceModels?: Properties[];
    nextToken?: string;
}

export interface OperationReport {
    action: Action;
    status: 'SUCCESS' | 'FAILED';
    errorCode?: string;
    message?: string;
    model?: Properties;
    models?: Properties[];
    nextToken?: string;
    invocations: number;
    emulatedSeconds: number;
    /** The product's AWS calls by `service:Action` (the library's own log and metric calls are apart). */
    calls: Record<string, number>;
    libraryCalls: Record<string, number>;
    events: ProgressEventJson[];
    /** When each invocation ran on the driver's clock, in order (the discarded first deliveries included). */
    invocationTimes: InvocationTime[];
    /** With `deliverTwice`: the first response to each event, which CloudFormation never saw. */
    discardedEvents: ProgressEventJson[];
}

export interface InvocationTime {
    startMs: number;
    /** When the library had delivered its last log line. */
    endMs: number;
    status: ProgressEventJson['status'];
}

export interface TypeUnderTest {
    entrypoint: (event: unknown, context: unknown) => Promise<unknown>;
    schema: { typeName: string; primaryIdentifier: string[]; handlers?: Record<string, { timeoutInMinutes?: number; permissions?: string[] }> };
}

/** The account the driver plays CloudFormation in. */
export interface DrivenAccount {
    region: string;
    accountId: string;
    /** Every AWS call made from this process so far, in order; the driver counts those of each operation. */
    calls: ReadonlyArray<{ service: string; action: string }>;
    /**
     * What CloudFormation would pass as caller and provider credentials. Without it, made-up session
     * credentials that the emulator accepts.
     */
    credentials?: () => Promise<SessionCredentials>;
}

/** The shared clock jumps over a callback delay; a real account's clock has to wait it out. */
export interface DriverClock {
    now(): number;
    advance(seconds: number): void | Promise<void>;
}

export interface DriverOptions {
    clock: DriverClock;
    account: DrivenAccount;
    type: TypeUnderTest;
    /**
     * The log group CloudFormation names when the type is registered with a logging configuration; `null`
     * as for a type registered without one (the library then creates no log group and sends no log lines).
     */
    providerLogGroupName?: string | null;
    region?: string;
    accountId?: string;
    logicalResourceId?: string;
    /**
     * The stack's name in the stack ID ARN (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`) that
     * every request carries as the `aws:cloudformation:stack-id` system tag; default `local-driver`.
     */
    stackName?: string;
    stackTags?: Record<string, string>;
    /** Lets work that runs beside the handlers (scripts on the instance) catch up before CloudFormation calls again. */
    beforeReinvoke?: () => Promise<void>;
}

export interface OperationOptions {
    previous?: Properties;
    /** Send primitives as strings, as CloudFormation does with template values (default true). */
    stringify?: boolean;
    nextToken?: string;
    /** Start from this callback context (to resume or replay a step). */
    callbackContext?: Record<string, unknown>;
    /** Stop after this many invocations even if IN_PROGRESS (to inspect an intermediate state). */
    maxInvocations?: number;
    clientRequestToken?: string;
    /**
     * Deliver every event twice, as CloudFormation does when a response is lost or an invocation times out:
     * the first response is checked against the contract and set aside, the shared clock advances
     * `retryAfterSeconds`, and the same event is delivered again; its response is the one that counts.
     */
    deliverTwice?: { retryAfterSeconds: number };
}

const INVOCATION_LIMIT_MS = 60_000;
const LIBRARY_SERVICES = new Set(['logs', 'cloudwatch']);
const DEFAULT_TIMEOUT_MINUTES = 120;

export class Driver {
    readonly consoleLines: string[] = [];
    readonly invocationEvents: ProgressEventJson[] = [];
    private readonly invocationTimes: InvocationTime[] = [];
    private readonly stackId: string;

    constructor(private readonly options: DriverOptions) {
        this.stackId = `arn:aws:cloudformation:${this.region}:${this.accountId}:stack/${options.stackName ?? 'local-driver'}/${randomUUID()}`;
    }

    private get region() {
        return this.options.region ?? this.options.account.region;
    }
    private get accountId() {
        return this.options.accountId ?? this.options.account.accountId;
    }

    create(properties: Properties, options: OperationOptions = {}) {
        return this.operation('CREATE', properties, options);
    }
    read(model: Properties) {
        return this.operation('READ', model, { stringify: false });
    }
    /**
     * A resource import ("Import AWS resources into a CloudFormation stack"): CloudFormation checks that the
     * resource exists by calling READ with the primary identifier alone, and fails the import when READ does
     * not succeed (NotFound for a resource that is not there). It then keeps the template's `properties` as the
     * resource's state, not what READ returned: the next update's previous state is `properties` (the caller
     * passes them to `update`).
     */
    import(properties: Properties) {
        const identifier = Object.fromEntries(this.options.type.schema.primaryIdentifier.map((pointer) => pointer.replace('/properties/', '')).map((name) => [name, properties[name]]));
        const missing = Object.entries(identifier).filter(([, value]) => value === undefined || value === '');
        if (missing.length) throw new Error(`An import names the resource by its primary identifier; ${missing.map(([name]) => name).join(', ')} is missing`);
        return this.operation('READ', identifier, { stringify: false });
    }
    update(previous: Properties, desired: Properties, options: OperationOptions = {}) {
        return this.operation('UPDATE', desired, { ...options, previous });
    }
    delete(model: Properties, options: OperationOptions = {}) {
        return this.operation('DELETE', model, { stringify: false, ...options });
    }
    list(nextToken?: string) {
        return this.operation('LIST', {}, { stringify: false, nextToken });
    }

    /** Runs one CloudFormation operation to SUCCESS or FAILED (or `maxInvocations`). */
    async operation(action: Action, properties: Properties, options: OperationOptions = {}): Promise<OperationReport & { last: ProgressEventJson }> {
        const { clock, account } = this.options;
        const startMs = clock.now();
        const firstCall = account.calls.length;
        const firstInvocation = this.invocationTimes.length;
        const timeoutMinutes = this.options.type.schema.handlers?.[action.toLowerCase()]?.timeoutInMinutes ?? DEFAULT_TIMEOUT_MINUTES;
        const deadlineMs = startMs + timeoutMinutes * 60_000;
        const token = options.clientRequestToken ?? randomUUID();
        const stringify = options.stringify ?? true;
        let resourceProperties = stringify ? stringifyPrimitives(properties) : properties;
        const previous = options.previous && (stringify ? stringifyPrimitives(options.previous) : options.previous);
        let callbackContext = options.callbackContext;
        const events: ProgressEventJson[] = [];
        const discarded: ProgressEventJson[] = [];
        for (;;) {
            const event = await this.requestEvent(action, token, resourceProperties, previous, callbackContext, options.nextToken);
            if (options.deliverTwice) {
                discarded.push(await this.checkedInvocation(action, event));
                await clock.advance(options.deliverTwice.retryAfterSeconds);
            }
            const response = await this.checkedInvocation(action, event);
            events.push(response);
            const done = response.status !== 'IN_PROGRESS' || (options.maxInvocations !== undefined && events.length >= options.maxInvocations);
            if (done) return this.report(action, response, events, discarded, startMs, firstCall, firstInvocation);
            await clock.advance(response.callbackDelaySeconds ?? 0);
            if (clock.now() > deadlineMs) {
                const timedOut: ProgressEventJson = { status: 'FAILED', errorCode: 'NotStabilized', message: `CloudFormation timed out the ${action} after ${timeoutMinutes} minutes.` };
                return this.report(action, timedOut, events, discarded, startMs, firstCall, firstInvocation);
            }
            resourceProperties = response.resourceModel ?? resourceProperties;
            callbackContext = response.callbackContext;
        }
    }

    /** Invokes once and holds the response to the handler contract and Lambda's time limit. */
    private async checkedInvocation(action: Action, event: unknown): Promise<ProgressEventJson> {
        const { clock } = this.options;
        const invokedAtMs = clock.now();
        const response = await this.invoke(event);
        const tookMs = clock.now() - invokedAtMs;
        await this.settleAfterInvocation();
        this.invocationEvents.push(response);
        this.invocationTimes.push({ startMs: invokedAtMs, endMs: clock.now(), status: response.status });
        const violation = contractViolation(action, response, this.options.type.schema.primaryIdentifier) ??
            (tookMs > INVOCATION_LIMIT_MS ? `invocation took ${Math.round(tookMs / 1000)} s, over Lambda's 60 s` : undefined);
        if (violation) throw new Error(`Handler contract violated on ${action}: ${violation}\n${JSON.stringify(response, null, 2)}`);
        return response;
    }

    /** One invocation with exactly this event, for replaying a step. */
    async invokeOnce(action: Action, properties: Properties, callbackContext?: Record<string, unknown>, clientRequestToken = randomUUID(), previous?: Properties) {
        const response = await this.invoke(await this.requestEvent(action, clientRequestToken, properties, previous, callbackContext));
        await this.settleAfterInvocation();
        return response;
    }

    /** The library goes on delivering its last log lines after returning; they belong to this invocation. */
    private async settleAfterInvocation(): Promise<void> {
        const restore = captureConsole(this.consoleLines);
        try {
            await this.options.beforeReinvoke?.();
        } finally {
            restore();
        }
    }

    private async invoke(event: unknown): Promise<ProgressEventJson> {
        const context = { awsRequestId: randomUUID(), functionVersion: '$LATEST', memoryLimitInMB: '256', getRemainingTimeInMillis: () => INVOCATION_LIMIT_MS };
        const restore = captureConsole(this.consoleLines);
        try {
            return JSON.parse(JSON.stringify(await this.options.type.entrypoint(event, context))) as ProgressEventJson;
        } finally {
            restore();
        }
    }

    private async requestEvent(action: Action, token: string, properties: Properties, previous?: Properties, callbackContext?: Record<string, unknown>, nextToken?: string) {
        const credentials = (await this.options.account.credentials?.()) ?? {
            accessKeyId: HANDLER_ACCESS_KEY_ID,
            secretAccessKey: `driver-secret-${token.slice(0, 8)}`,
            sessionToken: `driver-session-${token}`,
        };
        const providerLogGroupName =
            this.options.providerLogGroupName === undefined ? `${this.options.type.schema.typeName.replace(/::/g, '-').toLowerCase()}-logs` : this.options.providerLogGroupName;
        return {
            action,
            awsAccountId: this.accountId,
            bearerToken: token,
            region: this.region,
            resourceType: this.options.type.schema.typeName,
            resourceTypeVersion: '00000001',
            stackId: this.stackId,
            callbackContext: callbackContext ?? null,
            nextToken: nextToken ?? null,
            requestData: {
                callerCredentials: credentials,
                providerCredentials: credentials,
                providerLogGroupName,
                logicalResourceId: this.options.logicalResourceId ?? 'Resource',
                resourceProperties: properties,
                previousResourceProperties: previous ?? null,
                systemTags: { 'aws:cloudformation:stack-id': this.stackId, 'aws:cloudformation:logical-id': this.options.logicalResourceId ?? 'Resource' },
                stackTags: this.options.stackTags ?? {},
                previousStackTags: this.options.stackTags ?? {},
                typeConfiguration: null,
            },
        };
    }

    private report(
        action: Action,
        last: ProgressEventJson,
        events: ProgressEventJson[],
        discardedEvents: ProgressEventJson[],
        startMs: number,
        firstCall: number,
        firstInvocation: number,
    ) {
        const calls: Record<string, number> = {};
        const libraryCalls: Record<string, number> = {};
        for (const call of this.options.account.calls.slice(firstCall)) {
            const bucket = LIBRARY_SERVICES.has(call.service) ? libraryCalls : calls;
            const key = `${call.service}:${call.action}`;
            bucket[key] = (bucket[key] ?? 0) + 1;
        }
        return {
            action,
            status: last.status === 'SUCCESS' ? ('SUCCESS' as const) : ('FAILED' as const),
            errorCode: last.errorCode,
            message: last.message,
            model: last.resourceModel,
            models: last.resourceModels,
            nextToken: last.nextToken,
            invocations: events.length,
            emulatedSeconds: Math.round((this.options.clock.now() - startMs) / 1000),
            calls,
            libraryCalls,
            events,
            invocationTimes: this.invocationTimes.slice(firstInvocation),
            discardedEvents,
            last,
        };
    }
}

/** The rules CloudFormation holds a handler to (reference/registry-notes.md). */
function contractViolation(action: Action, event: ProgressEventJson, primaryIdentifier: string[]): string | undefined {
    if (!['IN_PROGRESS', 'SUCCESS', 'FAILED'].includes(event.status)) return `unknown status ${event.status}`;
    if (event.status !== 'IN_PROGRESS' && (event.callbackDelaySeconds ?? 0) !== 0) return `${event.status} with callbackDelaySeconds ${event.callbackDelaySeconds}`;
    if (event.status === 'FAILED' && !event.errorCode) return 'FAILED without errorCode';
    if (event.status === 'IN_PROGRESS') {
        if (action === 'READ' || action === 'LIST') return `${action} returned IN_PROGRESS`;
        const missing = primaryIdentifier.map((p) => p.replace('/properties/', '')).filter((p) => !event.resourceModel?.[p]);
        if (missing.length) return `IN_PROGRESS without the primary identifier ${missing.join(', ')}`;
    }
    if (action === 'DELETE' && event.status === 'SUCCESS' && event.resourceModel) return 'DELETE SUCCESS carries a resourceModel';
    return undefined;
}

/** CloudFormation hands every primitive property to a registry handler as a string. */
export function stringifyPrimitives(value: unknown): any {
    if (Array.isArray(value)) return value.map(stringifyPrimitives);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringifyPrimitives(v)]));
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    return value;
}

/** Collects what the library and handlers print during an invocation (Lambda's log stream). */
function captureConsole(lines: string[]): () => void {
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    for (const m of methods) {
        console[m] = (...args: unknown[]) => {
            lines.push(args.map((a) => (typeof a === 'string' ? a : safeInspect(a))).join(' '));
        };
    }
    return () => methods.forEach((m, i) => (console[m] = originals[i]));
}

function safeInspect(value: unknown): string {
    try {
        return require('util').inspect(value, { depth: 6, breakLength: Infinity });
    } catch {
        return String(value);
    }
}
