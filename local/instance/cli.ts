import { Emulator } from '../emulator/server';
import type { SsmService } from '../emulator/services/ssm';
import { runAwsCli } from './aws-cli';
import { runCloudHsmCli } from './cloudhsm-cli';
import { runConfigureCli } from './configure-cli';
import { runScript } from './runner';
import { CliRequest, CliResult, ToolContext, failed } from './tool-context';

/**
 * The management instance's tools as the emulator answers them. Each stand-in executable posts its call to
 * POST /_emulator/cli; this records the call and acts on the emulated account.
 */
export interface CliInvocation {
    instanceId: string;
    tool: string;
    argv: string[];
    /** The tool's environment (holds CLOUDHSM_PIN when a script logs in). */
    env: Record<string, string>;
    stdin: string;
    /** The lines typed at the tool's password prompts on its terminal (empty when it asked nothing or had no terminal). */
    typedAtPrompts: string[];
    /** Where a new password came from: typed at the terminal prompt, `--password` on the command line, or nowhere. */
    passwordFrom: 'terminal' | 'argv' | 'none';
    /** The command line of the process that started the tool (`ps` shows it to everyone on the instance). */
    parentArgv: string[];
    atMs: number;
    exitCode: number;
}

const caCertificateFile = 'opt/cloudhsm/etc/customerCA.crt';

const tools: Record<string, (ctx: ToolContext) => CliResult> = {
    'cloudhsm-cli': runCloudHsmCli,
    'configure-cli': runConfigureCli,
    aws: runAwsCli,
};

export class InstanceEmulation {
    /** Every tool call made on any instance, in order, for tests to inspect (e.g. that no password is in argv). */
    readonly invocations: CliInvocation[] = [];

    constructor(private readonly emulator: Emulator) {}

    handle(request: CliRequest): CliResult {
        const instanceId = request.env?.EMULATOR_INSTANCE_ID ?? '';
        const instance = this.emulator.state.instances.get(instanceId);
        const record: CliInvocation = {
            instanceId,
            tool: request.tool,
            argv: [...(request.argv ?? [])],
            env: { ...(request.env ?? {}) },
            stdin: request.stdin ?? '',
            typedAtPrompts: request.terminal && 'typed' in request.terminal ? [...request.terminal.typed] : [],
            passwordFrom: passwordSource(request),
            parentArgv: [...(request.parentArgv ?? [])],
            atMs: this.emulator.clock.now(),
            exitCode: 1,
        };
        this.invocations.push(record);
        const run = tools[request.tool];
        let result: CliResult;
        if (!instance) {
            result = failed(`${request.tool}: the emulator knows no instance ${instanceId}\n`);
        } else if (!run) {
            result = failed(`${request.tool}: command not found\n`, 127);
        } else {
            // The file as the tool found it; the next script starts with it (see instanceFiles).
            instance.cli.caCertificatePem = request.caCertificatePem ?? undefined;
            result = run({
                state: this.emulator.state,
                instance,
                request: { ...request, argv: record.argv, env: record.env, stdin: record.stdin },
                noteClusterChanged: (clusterId) => this.noteClusterChanged(clusterId),
            });
        }
        record.exitCode = result.exitCode;
        return result;
    }

    /** What the instance's disk holds from earlier commands, for the next script run. */
    instanceFiles(instanceId: string): Record<string, string> {
        const caCertificatePem = this.emulator.state.instances.get(instanceId)?.cli.caCertificatePem;
        return caCertificatePem === undefined ? {} : { [caCertificateFile]: caCertificatePem };
    }

    private noteClusterChanged(clusterId: string): void {
        let cloudHsm: { noteClusterChanged?: (clusterId: string) => void } | undefined;
        try {
            cloudHsm = this.emulator.service('cloudhsmv2') as { noteClusterChanged?: (clusterId: string) => void };
        } catch {
            return; // An emulator without the CloudHSM service: nothing else to tell.
        }
        cloudHsm?.noteClusterChanged?.(clusterId);
    }
}

function passwordSource(request: CliRequest): CliInvocation['passwordFrom'] {
    if ((request.argv ?? []).some((arg) => arg === '--password' || arg.startsWith('--password='))) return 'argv';
    return request.terminal && 'typed' in request.terminal ? 'terminal' : 'none';
}

const installed = new WeakMap<Emulator, InstanceEmulation>();

/**
 * Makes the emulator's instances able to run SSM scripts: registers the `cli` control the stand-ins call,
 * and gives the SSM service (when present) the script runner. Idempotent per emulator.
 */
export function installInstanceEmulation(emulator: Emulator): InstanceEmulation {
    const existing = installed.get(emulator);
    if (existing) return existing;
    const emulation = new InstanceEmulation(emulator);
    emulator.control('cli', (body) => emulation.handle(body as CliRequest));
    let ssm: SsmService | undefined;
    try {
        ssm = emulator.service<SsmService>('ssm');
    } catch {
        ssm = undefined; // Scripts can still be run directly with runScript().
    }
    ssm?.useScriptRunner((request) => runScript({ ...request, files: emulation.instanceFiles(request.instanceId) }));
    installed.set(emulator, emulation);
    return emulation;
}

/** The instance emulation installed on this emulator, if any. */
export function instanceEmulationOf(emulator: Emulator): InstanceEmulation | undefined {
    return installed.get(emulator);
}
