import * as http from 'http';
import { AddressInfo } from 'net';
import { randomUUID } from 'crypto';
import { SharedClock } from '../clock';
import { AwsError } from './errors';
import { DroppedConnection, Faults, internalError } from './faults';
import { Scheduler } from './scheduler';
import { EmulatorState, emptyState } from './state';
import { Durations, defaultDurations } from './durations';
import { ServiceWork, typicalWorkDurations, WorkDuration, WorkDurationSampler, workKindOf } from './service-work';

/** Everything a service implementation needs; one per emulator. */
export interface ServiceContext {
    state: EmulatorState;
    clock: SharedClock;
    scheduler: Scheduler;
    durations: Durations;
    /**
     * Starts a piece of background work timed by `duration` (a cluster being created, an HSM being deleted):
     * `finish` runs when it is done. The work is recorded in `Emulator.work`.
     */
    startWork(duration: WorkDuration, subject: string, finish: () => void): void;
    /** Records work timed outside the scheduler (a script run on the instance). */
    recordWork(work: ServiceWork): void;
    /** The emulator's own base URL (for stand-in executables that call back). */
    endpoint(): string;
    /** The principal of each access key ID (see Emulator.principals); STS adds the keys it issues. */
    principals: Map<string, string>;
    /** Other services of the same emulator, by name, for cross-service effects. */
    service<T extends EmulatedService>(name: string): T;
}

/**
 * Who sent a request, as AWS knows it from the request's SigV4 credentials: services that authorize by resource
 * policies (KMS key policies) need the caller's principal ARN.
 */
export interface Caller {
    accessKeyId?: string;
    /** `arn:aws:iam::<account>:user/…`, `arn:aws:sts::<account>:assumed-role/<role>/<session>`, … */
    principalArn: string;
}

export interface EmulatedService {
    /** Name used in call counts and fault rules: `cloudhsmv2`, `secretsmanager`, `ssm`, `ec2`, `kms`, `logs`, `cloudwatch`. */
    readonly name: string;
    /** JSON services: the X-Amz-Target prefix (`BaldrApiService`); EC2: undefined. */
    readonly targetPrefix?: string;
    readonly protocol: 'json1.0' | 'json1.1' | 'ec2query' | 'awsquery';
    /** AWS query services (STS): found by the service of the SigV4 credential scope; their XML namespace. */
    readonly signingName?: string;
    readonly xmlNamespace?: string;
    /**
     * A JSON service that answers the AWS query protocol too, as AWS's query-compatible services do (CloudWatch:
     * current SDKs speak JSON 1.0 to it, the 3.332 client the product pins speaks query).
     */
    readonly awsQuery?: AwsQueryCompatibility;
    /**
     * Answers one action. JSON services take and return plain objects (timestamps as epoch seconds);
     * the EC2 service takes the flat query parameters and returns the XML inside the response element.
     */
    handle(action: string, input: any, caller: Caller): unknown | Promise<unknown>;
}

export type ServiceFactory = (ctx: ServiceContext) => EmulatedService;

/** How a JSON service is reached and answered over the AWS query protocol. */
export interface AwsQueryCompatibility {
    /** The SigV4 credential scope's service that finds it (`monitoring` for CloudWatch). */
    signingName: string;
    xmlNamespace: string;
    /** The action's JSON input from the flat query parameters; throws the service's error for a malformed value. */
    input(action: string, params: Record<string, string>): unknown;
    /** The XML inside `<ActionResult>` for the action's JSON output; undefined for an action without output members. */
    output(action: string, output: unknown): string | undefined;
    /** The query error code for each JSON error name (the API model's `error.code` of each error shape). */
    errorCodes: Readonly<Record<string, string>>;
}

export interface CallRecord {
    service: string;
    action: string;
    atMs: number;
    error?: string;
    /** The emulator did the work and then lost the answer (a fault rule of kind `lose-response`). */
    responseLost?: 'internal' | 'drop';
}

export interface EmulatorOptions {
    clock: SharedClock;
    services: ServiceFactory[];
    durations?: Partial<Durations>;
    /** How long each piece of background work takes; by default exactly its figure in `durations`. */
    workDurations?: WorkDurationSampler;
    accountId?: string;
    region?: string;
}

type ControlHandler = (body: any) => unknown | Promise<unknown>;

/**
 * An HTTP server on 127.0.0.1 that answers the AWS wire protocols for the services given to it.
 * The SDK clients reach it through their `endpoint` setting; nothing else about it is visible to them.
 */
export class Emulator {
    readonly state: EmulatorState;
    readonly clock: SharedClock;
    readonly scheduler: Scheduler;
    readonly durations: Durations;
    readonly faults = new Faults();
    readonly calls: CallRecord[] = [];
    /** Every piece of background work the services started, in order of starting. */
    readonly work: ServiceWork[] = [];
    /**
     * The principal each access key ID belongs to. A key not listed here belongs to an IAM user of the account
     * named for the key: the emulator has no IAM, and every caller is a principal of the emulated account.
     */
    readonly principals = new Map<string, string>();
    private readonly services = new Map<string, EmulatedService>();
    private readonly controls = new Map<string, ControlHandler>();
    private server?: http.Server;
    private url = '';
    private inFlight = 0;

    constructor(options: EmulatorOptions) {
        this.clock = options.clock;
        this.state = emptyState(options.accountId ?? '123456789012', options.region ?? 'us-east-1');
        this.scheduler = new Scheduler(() => this.clock.now());
        this.durations = { ...defaultDurations, ...options.durations };
        const sampleWork = options.workDurations ?? typicalWorkDurations;
        const ctx: ServiceContext = {
            state: this.state,
            clock: this.clock,
            scheduler: this.scheduler,
            durations: this.durations,
            startWork: (duration, subject, finish) => {
                const seconds = Math.max(0, sampleWork(duration, this.durations[duration]));
                const startMs = this.clock.now();
                this.work.push({ kind: workKindOf(duration), subject, startMs, endMs: startMs + seconds * 1000 });
                this.scheduler.after(seconds, finish);
            },
            recordWork: (work) => this.work.push(work),
            endpoint: () => this.url,
            principals: this.principals,
            service: <T extends EmulatedService>(name: string) => this.service<T>(name),
        };
        for (const factory of options.services) {
            const service = factory(ctx);
            this.services.set(service.name, service);
        }
    }

    service<T extends EmulatedService>(name: string): T {
        const service = this.services.get(name);
        if (!service) throw new Error(`The emulator has no service ${name}`);
        return service as T;
    }

    /** Registers a handler for POST /_emulator/<name>, used by the stand-in executables on the instance. */
    control(name: string, handler: ControlHandler): void {
        this.controls.set(name, handler);
    }

    get endpoint(): string {
        return this.url;
    }

    async start(): Promise<string> {
        this.server = http.createServer((req, res) => void this.serve(req, res));
        this.server.keepAliveTimeout = 1000;
        await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this.url;
    }

    async stop(): Promise<void> {
        if (!this.server) return;
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        this.server = undefined;
    }

    /** Applies every timed transition that has come due on the shared clock. */
    settle(): void {
        this.scheduler.runDue();
    }

    /** Counts of calls by `service:Action` from index `from` of `calls`. */
    callCounts(from = 0): Record<string, number> {
        const counts: Record<string, number> = {};
        for (const call of this.calls.slice(from)) {
            const key = `${call.service}:${call.action}`;
            counts[key] = (counts[key] ?? 0) + 1;
        }
        return counts;
    }

    /**
     * Resolves once no request has been in flight for a few milliseconds of real time: the library delivers
     * its last log line after the handler has returned, and a request being connected is not yet counted.
     * This waits for real I/O, not for emulated time.
     */
    async whenQuiet(quietMs = 20): Promise<void> {
        for (let quietChecks = 0, checks = 0; quietChecks < 4 && checks < 2_000; checks++) {
            await new Promise((resolve) => setTimeout(resolve, quietMs / 4));
            quietChecks = this.inFlight === 0 ? quietChecks + 1 : 0;
        }
    }

    /**
     * Resolves once no request has been in flight over a few turns of the event loop. Enough when every caller
     * runs in this process and has awaited its calls (the handlers, which the driver runs in-process, have when
     * their entrypoint returns); callers in other processes, or still sending, need whenQuiet's real time.
     */
    async whenIdle(turns = 3): Promise<void> {
        // A request that never ends holds up no more than whenQuiet would (about 10 s).
        const giveUpAtMs = performance.now() + 10_000;
        for (let idleTurns = 0; idleTurns < turns && performance.now() < giveUpAtMs; ) {
            await new Promise((resolve) => setImmediate(resolve));
            idleTurns = this.inFlight === 0 ? idleTurns + 1 : 0;
        }
    }

    private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        this.inFlight += 1;
        res.on('close', () => (this.inFlight -= 1));
        // AWS's Date is the time where AWS is: here the emulated clock. A wall-clock Date would look like clock skew
        // to the SDK, which then resends every request that failed.
        res.setHeader('date', new Date(this.clock.now()).toUTCString());
        const body = await readBody(req);
        try {
            if (req.url?.startsWith('/_emulator/')) {
                await this.serveControl(req.url.slice('/_emulator/'.length), body, res);
                return;
            }
            const target = req.headers['x-amz-target'];
            const caller = this.callerOf(req);
            const signingName = signingNameOf(req);
            const queryService = [...this.services.values()].find((s) => (s.protocol === 'awsquery' ? s.signingName : s.awsQuery?.signingName) === signingName);
            if (typeof target === 'string') {
                await this.serveJson(target, body, res, caller);
            } else if (queryService) {
                await this.serveAwsQuery(queryService, body, res, caller);
            } else {
                await this.serveQuery(body, res, caller);
            }
        } catch (err) {
            res.writeHead(500, { 'content-type': 'text/plain' });
            res.end(String((err as Error)?.stack ?? err));
        }
    }

    /** The access key ID of the SigV4 `Authorization` header (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
    private callerOf(req: http.IncomingMessage): Caller {
        const accessKeyId = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
        const principalArn = (accessKeyId && this.principals.get(accessKeyId)) ?? `arn:aws:iam::${this.state.accountId}:user/${accessKeyId ?? 'anonymous'}`;
        return { accessKeyId, principalArn };
    }

    private async serveControl(name: string, body: string, res: http.ServerResponse): Promise<void> {
        const handler = this.controls.get(name);
        if (!handler) {
            res.writeHead(404).end();
            return;
        }
        this.settle();
        const result = await handler(body ? JSON.parse(body) : {});
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result ?? {}));
    }

    private async serveJson(target: string, body: string, res: http.ServerResponse, caller: Caller): Promise<void> {
        const [prefix, action] = target.split('.');
        const service = [...this.services.values()].find((s) => s.targetPrefix === prefix);
        const contentType = `application/x-amz-json-${service?.protocol === 'json1.0' ? '1.0' : '1.1'}`;
        const requestId = randomUUID();
        if (!service) {
            res.writeHead(400, { 'content-type': contentType, 'x-amzn-requestid': requestId });
            res.end(JSON.stringify({ __type: 'UnknownOperationException', message: `No service for ${target}` }));
            return;
        }
        try {
            const output = await this.invoke(service, action, body ? JSON.parse(body) : {}, caller);
            res.writeHead(200, { 'content-type': contentType, 'x-amzn-requestid': requestId });
            res.end(JSON.stringify(output ?? {}));
        } catch (err) {
            if (err instanceof DroppedConnection) return void res.destroy();
            const error = asAwsError(err);
            res.writeHead(error.httpStatus, {
                'content-type': contentType,
                'x-amzn-requestid': requestId,
                'x-amzn-errortype': error.code,
            });
            res.end(JSON.stringify({ __type: error.code, message: error.message }));
        }
    }

    private async serveQuery(body: string, res: http.ServerResponse, caller: Caller): Promise<void> {
        const params = Object.fromEntries(new URLSearchParams(body));
        const action = params.Action ?? '';
        const service = [...this.services.values()].find((s) => s.protocol === 'ec2query');
        const requestId = randomUUID();
        try {
            if (!service) throw new AwsError('InvalidAction', `No query service for ${action}`);
            const inner = await this.invoke(service, action, params, caller);
            res.writeHead(200, { 'content-type': 'text/xml;charset=UTF-8' });
            res.end(
                `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">` +
                    `<requestId>${requestId}</requestId>${inner ?? ''}</${action}Response>`,
            );
        } catch (err) {
            if (err instanceof DroppedConnection) return void res.destroy();
            const error = asAwsError(err);
            res.writeHead(error.httpStatus, { 'content-type': 'text/xml;charset=UTF-8' });
            res.end(
                `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlEscape(error.code)}</Code>` +
                    `<Message>${xmlEscape(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
            );
        }
    }

    /**
     * The AWS query protocol (STS, and CloudWatch for older SDKs): `<ActionResponse><ActionResult>…` (no Result
     * element for an action without output members) and `<ErrorResponse><Error><Type>…`.
     */
    private async serveAwsQuery(service: EmulatedService, body: string, res: http.ServerResponse, caller: Caller): Promise<void> {
        const params = Object.fromEntries(new URLSearchParams(body));
        const action = params.Action ?? '';
        const requestId = randomUUID();
        const compatible = service.awsQuery;
        const namespace = compatible?.xmlNamespace ?? service.xmlNamespace;
        const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
        try {
            const output = await this.invoke(service, action, params, caller, compatible && ((query) => compatible.input(action, query)));
            const inner = compatible ? compatible.output(action, output) : (output as string | undefined) ?? '';
            const result = inner === undefined ? '' : `<${action}Result>${inner}</${action}Result>`;
            res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
            res.end(`<${action}Response xmlns="${namespace}">\n${result}${metadata}</${action}Response>`);
        } catch (err) {
            if (err instanceof DroppedConnection) return void res.destroy();
            const error = asAwsError(err);
            const code = compatible?.errorCodes[error.code] ?? error.code;
            res.writeHead(error.httpStatus, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
            res.end(
                `<ErrorResponse xmlns="${namespace}"><Error><Type>${error.httpStatus >= 500 ? 'Receiver' : 'Sender'}</Type>` +
                    `<Code>${xmlEscape(code)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
            );
        }
    }

    /** `decode` turns the wire input into the service's input (query parameters into JSON), refusing a malformed one. */
    private async invoke(service: EmulatedService, action: string, input: any, caller: Caller, decode?: (input: any) => unknown): Promise<unknown> {
        const record: CallRecord = { service: service.name, action, atMs: this.clock.now() };
        this.calls.push(record);
        const handle = () => service.handle(action, decode ? decode(input) : input, caller);
        try {
            const fault = this.faults.apply(service.name, action);
            if (fault.latencySeconds) this.clock.advance(fault.latencySeconds);
            if (fault.error) throw fault.error;
            this.settle();
            if (!fault.loseResponse) return await handle();
            // The work is done (or refused) as usual; only its answer never reaches the caller.
            record.responseLost = fault.loseResponse;
            try {
                await handle();
            } catch {
                // A refusal is lost with the answer, as a result would be.
            }
            throw fault.loseResponse === 'drop' ? new DroppedConnection() : internalError(service.name);
        } catch (err) {
            record.error = err instanceof DroppedConnection ? 'DroppedConnection' : asAwsError(err).code;
            throw err;
        }
    }
}

/** The service of the SigV4 credential scope: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function signingNameOf(req: http.IncomingMessage): string | undefined {
    return /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''))?.[1];
}

function asAwsError(err: unknown): AwsError {
    if (err instanceof AwsError) return err;
    return new AwsError('InternalFailure', `Emulator failure: ${(err as Error)?.stack ?? err}`, 500);
}

export function xmlEscape(value: string): string {
    return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function readBody(req: http.IncomingMessage): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.on('error', reject);
    });
}
