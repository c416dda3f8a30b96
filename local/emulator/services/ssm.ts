import { randomUUID } from 'crypto';
import { AwsError } from '../errors';
import { EmulatedService, ServiceContext, ServiceFactory } from '../server';
import { CommandInvocation, CommandStatus } from '../state';
import { pageOf } from './cloudhsm-rules';
import { checkConstraints } from './model-constraints';
import { ssmConstraints } from './ssm-constraints';

/**
 * Systems Manager Run Command, for `AWS-RunShellScript` on managed EC2 instances (JSON 1.1, `AmazonSSM`).
 *
 * Scripts really run: the instance emulation (local/instance) provides the runner. What callers see follows
 * the service: an invocation is unknown (`InvocationDoesNotExist`) for a moment after SendCommand, then
 * InProgress until the script has ended and at least `commandMinimumSeconds` have passed, then
 * Success / Failed / TimedOut with the first 24,000 characters of each output stream.
 *
 * An instance that stops, or whose agent goes offline, before its result has reached SSM never reports it:
 * the invocation stays InProgress until the command expires (delivery timeout plus execution timeout), then
 * reads TimedOut with StatusDetails DeliveryTimedOut and no output (Command ExpiresAfter: "If a command
 * expires, it changes status to DeliveryTimedOut for all invocations that have the status InProgress, Pending,
 * or Delayed"). What the script did on the instance before that stays done.
 */
export interface ScriptRunRequest {
    emulatorUrl: string;
    instanceId: string;
    commands: string[];
    timeoutSeconds: number;
}

export interface ScriptRunResult {
    exitCode: number;
    stdout: string;
    stderr: string;
    timedOut?: boolean;
}

export type ScriptRunner = (request: ScriptRunRequest) => Promise<ScriptRunResult>;

const runShellScriptDocument = 'AWS-RunShellScript';
const runShellScriptPlugin = 'aws:runShellScript';
/** GetCommandInvocation returns at most this much of each stream (the rest goes to S3 when configured). */
export const invocationOutputLimitChars = 24000;
/** ListCommandInvocations with Details returns at most this much plugin output. */
const pluginOutputLimitChars = 2500;
const defaultExecutionTimeoutSeconds = 3600;
const maxExecutionTimeoutSeconds = 172800;
const instanceIdPattern = /^(i|mi)-[0-9a-f]{8,17}$/;
const commandIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** MaxResults when a list request gives none: the model's largest page (strict guess; the model names no default). */
const maxListResults = 50;
const runShellScriptParameters = ['commands', 'executionTimeout', 'workingDirectory'];

export class SsmService implements EmulatedService {
    readonly name = 'ssm';
    readonly targetPrefix = 'AmazonSSM';
    readonly protocol = 'json1.1' as const;
    private runner?: ScriptRunner;
    private readonly running = new Map<string, Promise<void>>();
    /** When each invocation's command expires (ExpiresAfter), and the invocations whose instance went away. */
    private readonly expiresAtMs = new WeakMap<CommandInvocation, number>();
    private readonly lost = new WeakSet<CommandInvocation>();
    /** Invocations whose result a caller has already read: the agent had delivered it. */
    private readonly delivered = new WeakSet<CommandInvocation>();

    constructor(private readonly ctx: ServiceContext) {}

    /** Installed by the instance emulation; without it commands fail on the instance. */
    useScriptRunner(runner: ScriptRunner): void {
        this.runner = runner;
    }

    /** Resolves when every script of the command has ended (or at once for an unknown command). */
    async whenFinished(commandId: string): Promise<void> {
        await this.running.get(commandId);
    }

    /** Resolves when every script started so far has ended. */
    async whenAllFinished(): Promise<void> {
        await Promise.all([...this.running.values()]);
    }

    handle(action: string, input: any): unknown {
        checkConstraints(input, ssmConstraints[action]);
        switch (action) {
            case 'SendCommand':
                return this.sendCommand(input);
            case 'GetCommandInvocation':
                return this.getCommandInvocation(input);
            case 'ListCommandInvocations':
                return this.listCommandInvocations(input);
            case 'DescribeInstanceInformation':
                return this.describeInstanceInformation(input);
            default:
                throw new AwsError('UnknownOperationException', `The emulated SSM service does not implement ${action}`);
        }
    }

    private sendCommand(input: any): unknown {
        const instanceIds = this.validInstanceIds(input.InstanceIds, input.Targets);
        if (input.DocumentName !== runShellScriptDocument) {
            throw new AwsError('InvalidDocument', `Document ${input.DocumentName ?? ''} does not exist in your account or is not supported here`);
        }
        const parameters = validParameters(input.Parameters);
        const executionTimeoutSeconds = Number(parameters.executionTimeout?.[0] ?? defaultExecutionTimeoutSeconds);
        const commandId = randomUUID();
        const nowMs = this.ctx.clock.now();
        const invocations = instanceIds.map(
            (instanceId): CommandInvocation => ({
                commandId,
                instanceId,
                documentName: runShellScriptDocument,
                commands: [...parameters.commands],
                parameters,
                comment: input.Comment,
                status: 'Pending',
                requestedAtMs: nowMs,
                visibleAtMs: nowMs + this.ctx.durations.commandVisibleAfterSeconds * 1000,
                earliestDoneAtMs: nowMs + this.ctx.durations.commandMinimumSeconds * 1000,
                stdout: '',
                stderr: '',
                finished: false,
                timeoutSeconds: executionTimeoutSeconds,
            }),
        );
        const expiresAtMs = nowMs + ((input.TimeoutSeconds ?? 3600) + executionTimeoutSeconds) * 1000;
        invocations.forEach((invocation) => this.expiresAtMs.set(invocation, expiresAtMs));
        this.ctx.state.commands.set(commandId, invocations);
        this.running.set(commandId, Promise.all(invocations.map((invocation) => this.execute(invocation))).then(() => undefined));
        return {
            Command: {
                CommandId: commandId,
                DocumentName: runShellScriptDocument,
                DocumentVersion: '$DEFAULT',
                Comment: input.Comment ?? '',
                ExpiresAfter: expiresAtMs / 1000,
                Parameters: parameters,
                InstanceIds: instanceIds,
                Targets: [],
                RequestedDateTime: nowMs / 1000,
                Status: 'Pending',
                StatusDetails: 'Pending',
                MaxConcurrency: '50',
                MaxErrors: '0',
                TargetCount: instanceIds.length,
                CompletedCount: 0,
                ErrorCount: 0,
                DeliveryTimedOutCount: 0,
                TimeoutSeconds: input.TimeoutSeconds ?? 3600,
            },
        };
    }

    private validInstanceIds(instanceIds: unknown, targets: unknown): string[] {
        if (targets !== undefined) throw new AwsError('ValidationException', 'The emulated SSM service accepts InstanceIds, not Targets');
        if (!Array.isArray(instanceIds) || instanceIds.length === 0) {
            throw new AwsError('ValidationException', 'Either InstanceIds or Targets must be specified');
        }
        if (new Set(instanceIds).size !== instanceIds.length) throw new AwsError('DuplicateInstanceId', 'Instance IDs must be unique');
        const unusable = instanceIds.filter((id) => {
            const instance = typeof id === 'string' && instanceIdPattern.test(id) ? this.ctx.state.instances.get(id) : undefined;
            return !instance || instance.state !== 'running' || !instance.ssmManaged;
        });
        if (unusable.length > 0) {
            throw new AwsError('InvalidInstanceId', `Instances [[${unusable.join(', ')}]] not in a valid state for account ${this.ctx.state.accountId}`);
        }
        return instanceIds as string[];
    }

    private async execute(invocation: CommandInvocation): Promise<void> {
        invocation.status = 'InProgress';
        let result: ScriptRunResult;
        if (!this.runner) {
            result = { exitCode: 1, stdout: '', stderr: 'The emulated instance cannot run scripts: installInstanceEmulation(emulator) was not called\n' };
        } else {
            try {
                result = await this.runner({
                    emulatorUrl: this.ctx.endpoint(),
                    instanceId: invocation.instanceId,
                    commands: invocation.commands,
                    timeoutSeconds: invocation.timeoutSeconds,
                });
            } catch (err) {
                result = { exitCode: 1, stdout: '', stderr: `The emulated instance failed to run the script: ${(err as Error)?.message ?? err}\n` };
            }
        }
        invocation.exitCode = result.exitCode;
        invocation.stdout = result.stdout;
        invocation.timedOut = result.timedOut === true;
        // The agent appends its own line to the script's stderr when the script fails.
        invocation.stderr = result.timedOut
            ? `${result.stderr}failed to run commands: command execution timed out\n`
            : result.exitCode !== 0
              ? `${result.stderr}failed to run commands: exit status ${result.exitCode}\n`
              : result.stderr;
        invocation.status = result.timedOut ? 'TimedOut' : result.exitCode === 0 ? 'Success' : 'Failed';
        invocation.finishedAtMs = this.ctx.clock.now();
        invocation.finished = true;
        this.ctx.recordWork({
            kind: 'command',
            subject: invocation.commandId,
            startMs: invocation.requestedAtMs,
            endMs: Math.max(invocation.finishedAtMs, invocation.earliestDoneAtMs),
        });
    }

    private getCommandInvocation(input: any): unknown {
        const commandId = validCommandId(input.CommandId);
        if (typeof input.InstanceId !== 'string' || !instanceIdPattern.test(input.InstanceId)) {
            throw new AwsError('InvalidInstanceId', `Instance id ${input.InstanceId ?? ''} is not valid`);
        }
        if (input.PluginName !== undefined && input.PluginName !== runShellScriptPlugin) {
            throw new AwsError('InvalidPluginName', `Plugin ${input.PluginName} is not part of the document`);
        }
        const invocation = this.ctx.state.commands.get(commandId)?.find((i) => i.instanceId === input.InstanceId);
        const nowMs = this.ctx.clock.now();
        // Right after SendCommand the invocation is not known yet; callers are expected to retry.
        if (!invocation || nowMs < invocation.visibleAtMs) throw new AwsError('InvocationDoesNotExist', '');
        const view = this.observe(invocation, nowMs);
        return {
            CommandId: invocation.commandId,
            InstanceId: invocation.instanceId,
            Comment: invocation.comment ?? '',
            DocumentName: invocation.documentName,
            DocumentVersion: '$DEFAULT',
            PluginName: runShellScriptPlugin,
            ResponseCode: view.done && !view.noResult ? (invocation.exitCode ?? -1) : -1,
            ExecutionStartDateTime: new Date(invocation.requestedAtMs).toISOString(),
            ExecutionElapsedTime: view.done ? elapsed(view.endMs - invocation.requestedAtMs) : '',
            ExecutionEndDateTime: view.done ? new Date(view.endMs).toISOString() : '',
            Status: view.status,
            StatusDetails: view.details ?? statusDetails(view.status),
            StandardOutputContent: view.done && !view.noResult ? invocation.stdout.slice(0, invocationOutputLimitChars) : '',
            StandardOutputUrl: '',
            StandardErrorContent: view.done && !view.noResult ? invocation.stderr.slice(0, invocationOutputLimitChars) : '',
            StandardErrorUrl: '',
            CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
        };
    }

    /**
     * What SSM can tell of an invocation now. An instance that is no longer running and online before the
     * result reached SSM (a caller has read it) loses the invocation, until the command expires.
     */
    private observe(invocation: CommandInvocation, nowMs: number): ObservedInvocation {
        if (!this.delivered.has(invocation) && !this.lost.has(invocation) && !this.isOnline(invocation.instanceId)) this.lost.add(invocation);
        if (this.lost.has(invocation)) {
            const expiresAtMs = this.expiresAtMs.get(invocation) ?? nowMs;
            if (nowMs < expiresAtMs) return { status: 'InProgress', done: false, endMs: expiresAtMs };
            return { status: 'TimedOut', details: 'DeliveryTimedOut', done: true, endMs: expiresAtMs, noResult: true };
        }
        const view = observed(invocation, nowMs);
        if (view.done) this.delivered.add(invocation);
        return view;
    }

    private isOnline(instanceId: string): boolean {
        const instance = this.ctx.state.instances.get(instanceId);
        return !!instance && instance.state === 'running' && instance.ssmManaged;
    }

    /**
     * Newest first, as SSM lists them, one page of MaxResults (default 50) at a time; the token names the last
     * invocation returned, so commands sent while a caller pages do not shift the pages.
     */
    private listCommandInvocations(input: any): unknown {
        const commandId = input.CommandId === undefined ? undefined : validCommandId(input.CommandId);
        const nowMs = this.ctx.clock.now();
        const matches = commandFilter(input.Filters);
        const listed = [...this.ctx.state.commands.entries()]
            .flatMap(([, invocations]) => invocations)
            .map((invocation, sequence) => ({ invocation, key: String(sequence).padStart(12, '0') }))
            .filter(({ invocation: i }) => commandId === undefined || i.commandId === commandId)
            .filter(({ invocation: i }) => input.InstanceId === undefined || i.instanceId === input.InstanceId)
            .filter(({ invocation: i }) => nowMs >= i.visibleAtMs && matches(i, () => this.observe(i, nowMs)))
            .reverse();
        const { page, nextToken } = ssmPageOf(listed, (entry) => entry.key, input.MaxResults ?? maxListResults, input.NextToken, false);
        const entries = page.map((entry) => entry.invocation);
        return {
            CommandInvocations: entries.map((invocation) => {
                const view = this.observe(invocation, nowMs);
                return {
                    CommandId: invocation.commandId,
                    InstanceId: invocation.instanceId,
                    InstanceName: '',
                    Comment: invocation.comment ?? '',
                    DocumentName: invocation.documentName,
                    DocumentVersion: '$DEFAULT',
                    RequestedDateTime: invocation.requestedAtMs / 1000,
                    Status: view.status,
                    StatusDetails: view.details ?? statusDetails(view.status),
                    StandardOutputUrl: '',
                    StandardErrorUrl: '',
                    CommandPlugins: input.Details
                        ? [
                              {
                                  Name: runShellScriptPlugin,
                                  Status: view.status,
                                  StatusDetails: view.details ?? statusDetails(view.status),
                                  ResponseCode: view.done && !view.noResult ? (invocation.exitCode ?? -1) : -1,
                                  ResponseStartDateTime: invocation.requestedAtMs / 1000,
                                  ...(view.done ? { ResponseFinishDateTime: view.endMs / 1000 } : {}),
                                  Output: view.done && !view.noResult ? (invocation.stdout + invocation.stderr).slice(0, pluginOutputLimitChars) : '',
                              },
                          ]
                        : [],
                };
            }),
            ...(nextToken ? { NextToken: nextToken } : {}),
        };
    }

    private describeInstanceInformation(input: any): unknown {
        const wanted = new Set<string>();
        let filtered = false;
        for (const filter of input.InstanceInformationFilterList ?? []) {
            if (filter.key !== 'InstanceIds') {
                throw new AwsError('InvalidInstanceInformationFilterValue', `The emulated SSM service filters only by InstanceIds, not ${filter.key}`);
            }
            filtered = true;
            for (const id of filter.valueSet ?? []) wanted.add(id);
        }
        for (const filter of input.Filters ?? []) {
            if (filter.Key !== 'InstanceIds') throw new AwsError('InvalidFilterKey', `The emulated SSM service filters only by InstanceIds, not ${filter.Key}`);
            filtered = true;
            for (const id of filter.Values ?? []) wanted.add(id);
        }
        const nowSeconds = this.ctx.clock.now() / 1000;
        // Only instances whose agent has registered appear at all; an unmanaged instance is simply absent.
        const managed = [...this.ctx.state.instances.values()]
            .filter((i) => i.ssmManaged && i.state !== 'terminated' && (!filtered || wanted.has(i.instanceId)))
            .sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
        const { page, nextToken } = ssmPageOf(managed, (i) => i.instanceId, input.MaxResults ?? maxListResults, input.NextToken);
        return {
            ...(nextToken ? { NextToken: nextToken } : {}),
            InstanceInformationList: page.map((instance) => ({
                InstanceId: instance.instanceId,
                PingStatus: instance.state === 'running' ? 'Online' : 'ConnectionLost',
                LastPingDateTime: nowSeconds,
                AgentVersion: '3.3.0.0',
                IsLatestVersion: true,
                PlatformType: 'Linux',
                PlatformName: 'Amazon Linux',
                PlatformVersion: '2023',
                ResourceType: 'EC2Instance',
                ComputerName: `ip-${instance.instanceId}.ec2.internal`,
            })),
        };
    }
}

export const ssmService: ServiceFactory = (ctx) => new SsmService(ctx);

function validParameters(parameters: unknown): Record<string, string[]> & { commands: string[] } {
    if (parameters === null || typeof parameters !== 'object') throw new AwsError('InvalidParameters', 'Parameter "commands" is required.');
    const entries = parameters as Record<string, unknown>;
    for (const [name, value] of Object.entries(entries)) {
        if (!runShellScriptParameters.includes(name)) {
            throw new AwsError('InvalidParameters', `Parameter "${name}" is not defined in the document ${runShellScriptDocument}.`);
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
            throw new AwsError('InvalidParameters', `Parameter "${name}" must be a list of strings.`);
        }
    }
    if (!Array.isArray(entries.commands) || entries.commands.length === 0) throw new AwsError('InvalidParameters', 'Parameter "commands" is required.');
    if (entries.workingDirectory !== undefined) {
        // The emulated instance has no fixed file system layout to change into.
        throw new AwsError('InvalidParameters', 'The emulated instance does not support workingDirectory');
    }
    if (entries.executionTimeout !== undefined) {
        const seconds = Number((entries.executionTimeout as string[])[0]);
        if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxExecutionTimeoutSeconds) {
            throw new AwsError('InvalidParameters', `Parameter "executionTimeout" must be a whole number of seconds from 1 to ${maxExecutionTimeoutSeconds}.`);
        }
    }
    return entries as Record<string, string[]> & { commands: string[] };
}

/** One page as cloudhsm-rules.ts: pageOf cuts it, with SSM's error for a token it did not hand out. */
function ssmPageOf<T>(items: T[], keyOf: (item: T) => string, pageSize: number, token: unknown, ascending = true): { page: T[]; nextToken?: string } {
    try {
        return pageOf(items, keyOf, pageSize, token, ascending);
    } catch (err) {
        if (err instanceof AwsError) throw new AwsError('InvalidNextToken', "The specified token isn't valid.");
        throw err;
    }
}

/**
 * ListCommandInvocations Filters (CommandFilter): InvokedAfter (that time and later), InvokedBefore, Status
 * (TimedOut takes both kinds), ExecutionStage (Executing / Complete), DocumentName. A value the key cannot
 * take answers ValidationException.
 */
function commandFilter(filters: unknown): (invocation: CommandInvocation, view: () => ObservedInvocation) => boolean {
    const tests = ((filters ?? []) as Array<{ key: string; value: string }>).map(({ key, value }) => {
        const invalid = () => new AwsError('ValidationException', `Filter value '${value}' is not valid for key ${key}`);
        switch (key) {
            case 'InvokedAfter':
            case 'InvokedBefore': {
                const atMs = Date.parse(value);
                if (Number.isNaN(atMs)) throw invalid();
                return (i: CommandInvocation) => (key === 'InvokedAfter' ? i.requestedAtMs >= atMs : i.requestedAtMs < atMs);
            }
            case 'Status':
                if (!invocationStatuses.includes(value)) throw invalid();
                return (_: CommandInvocation, view: () => ObservedInvocation) => {
                    const { status, details } = view();
                    return status === value || (details ?? statusDetails(status)) === value;
                };
            case 'ExecutionStage':
                if (value !== 'Executing' && value !== 'Complete') throw invalid();
                return (_: CommandInvocation, view: () => ObservedInvocation) => view().done === (value === 'Complete');
            default:
                return (i: CommandInvocation) => i.documentName === value;
        }
    });
    return (invocation, view) => tests.every((test) => test(invocation, view));
}

/** "The status values you can specify for ListCommandInvocations" (CommandFilter value). */
const invocationStatuses = [
    'Pending', 'InProgress', 'Delayed', 'Success', 'Cancelled', 'Failed', 'TimedOut', 'AccessDenied', 'DeliveryTimedOut',
    'ExecutionTimedOut', 'Undeliverable', 'InvalidPlatform', 'Terminated',
];

function validCommandId(commandId: unknown): string {
    if (typeof commandId !== 'string' || !commandIdPattern.test(commandId)) {
        throw new AwsError('InvalidCommandId', `Command ID ${String(commandId ?? '')} is not valid`);
    }
    return commandId;
}

interface ObservedInvocation {
    status: CommandStatus;
    /** StatusDetails when it is not the status itself (DeliveryTimedOut for a lost invocation). */
    details?: string;
    done: boolean;
    /** The agent never reported: no exit code and no output. */
    noResult?: boolean;
    /** When the invocation reads as ended: not before the minimum run time. */
    endMs: number;
}

function observed(invocation: CommandInvocation, nowMs: number): ObservedInvocation {
    const endMs = Math.max(invocation.finishedAtMs ?? nowMs, invocation.earliestDoneAtMs);
    if (!invocation.finished || nowMs < invocation.earliestDoneAtMs) return { status: 'InProgress', done: false, endMs };
    return { status: invocation.status, done: true, endMs };
}

function statusDetails(status: CommandStatus): string {
    switch (status) {
        case 'TimedOut':
            return 'ExecutionTimedOut';
        default:
            return status;
    }
}

/** ISO 8601 duration, the format of ExecutionElapsedTime. */
function elapsed(ms: number): string {
    return `PT${(Math.max(0, ms) / 1000).toFixed(3)}S`;
}
