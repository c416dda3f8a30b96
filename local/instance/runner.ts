import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Runs an SSM `AWS-RunShellScript` command the way the SSM agent does on the management instance: the
 * commands, joined by newlines, become `_script.sh`, which a shell runs without `-e` (a script that wants to
 * stop on the first error must say `set -e` itself) and with stdin closed.
 *
 * The instance is a fresh temporary directory: `opt/cloudhsm/bin` holds the CloudHSM client tools and
 * `usr/local/bin` holds the AWS CLI, all stand-ins that call back into the emulator. As on a real instance,
 * `/opt/cloudhsm/bin` is not on PATH; scripts name the tools by their full path, `${CLOUDHSM_HOME:-/opt/cloudhsm}/bin/…`.
 * Nothing of the calling process's environment leaks in (no AWS_* credentials, no secrets).
 */
export interface RunScriptOptions {
    emulatorUrl: string;
    instanceId: string;
    commands: string[];
    /** Wall-clock seconds after which the script and everything it started is killed. */
    timeoutSeconds: number;
    /**
     * Files the instance already holds from earlier commands, by path relative to the file system root
     * (`opt/cloudhsm/etc/customerCA.crt`): each run gets a fresh directory, a real instance keeps its disk.
     */
    files?: Record<string, string>;
}

export interface ScriptResult {
    exitCode: number;
    stdout: string;
    stderr: string;
    /** The script was killed at the timeout; `exitCode` is then -1. */
    timedOut: boolean;
}

/** Where the stand-in executables live (node scripts that forward to POST /_emulator/cli). */
export const standInDirectory = path.join(__dirname, 'bin');

const cloudHsmTools = ['cloudhsm-cli', 'configure-cli'];
const pathTools = ['aws'];
/** Output beyond this is dropped; SSM itself keeps only the first 24,000 characters. */
const maxCapturedBytes = 4 * 1024 * 1024;

export async function runScript(options: RunScriptOptions): Promise<ScriptResult> {
    const instanceRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'emulated-instance-'));
    try {
        const cloudHsmHome = path.join(instanceRoot, 'opt', 'cloudhsm');
        const localBin = path.join(instanceRoot, 'usr', 'local', 'bin');
        const orchestration = path.join(instanceRoot, 'orchestration');
        await Promise.all([
            fs.mkdir(path.join(cloudHsmHome, 'bin'), { recursive: true }),
            fs.mkdir(path.join(cloudHsmHome, 'etc'), { recursive: true }),
            fs.mkdir(localBin, { recursive: true }),
            fs.mkdir(orchestration, { recursive: true }),
        ]);
        await Promise.all([
            ...cloudHsmTools.map((tool) => writeLauncher(path.join(cloudHsmHome, 'bin', tool), tool)),
            ...pathTools.map((tool) => writeLauncher(path.join(localBin, tool), tool)),
        ]);
        for (const [relativePath, content] of Object.entries(options.files ?? {})) {
            const target = path.join(instanceRoot, relativePath);
            if (!target.startsWith(instanceRoot + path.sep)) throw new Error(`Instance file ${relativePath} lies outside the instance`);
            await fs.mkdir(path.dirname(target), { recursive: true });
            await fs.writeFile(target, content);
        }
        const scriptPath = path.join(orchestration, '_script.sh');
        await fs.writeFile(scriptPath, options.commands.join('\n') + '\n', { mode: 0o700 });
        const env: NodeJS.ProcessEnv = {
            PATH: `${localBin}:/usr/bin:/bin`,
            HOME: instanceRoot,
            CLOUDHSM_HOME: cloudHsmHome,
            EMULATOR_URL: options.emulatorUrl,
            EMULATOR_INSTANCE_ID: options.instanceId,
        };
        return await runShell(scriptPath, orchestration, env, options.timeoutSeconds);
    } finally {
        await fs.rm(instanceRoot, { recursive: true, force: true });
    }
}

/**
 * A launcher that starts the stand-in with this process's node binary, so the instance's PATH need not
 * contain node.
 */
async function writeLauncher(target: string, tool: string): Promise<void> {
    const script = path.join(standInDirectory, tool);
    await fs.writeFile(target, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(script)} "$@"\n`, { mode: 0o755 });
}

function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

function runShell(scriptPath: string, cwd: string, env: NodeJS.ProcessEnv, timeoutSeconds: number): Promise<ScriptResult> {
    return new Promise((resolve) => {
        // A process group of its own, so a timeout kills the stand-ins and anything else the script started.
        const child = spawn('/bin/bash', [scriptPath], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        const stdout = new OutputBuffer();
        const stderr = new OutputBuffer();
        child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
        child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            killGroup(child.pid);
        }, timeoutSeconds * 1000);
        child.on('error', (err) => {
            clearTimeout(timer);
            resolve({ exitCode: -1, stdout: stdout.text(), stderr: `${stderr.text()}${err.message}\n`, timedOut: false });
        });
        let exitCode = -1;
        child.on('exit', (code, signal) => {
            exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : -1);
            // Background processes the script left behind would otherwise hold the output open and outlive the "instance".
            killGroup(child.pid);
        });
        child.on('close', () => {
            clearTimeout(timer);
            resolve({ exitCode: timedOut ? -1 : exitCode, stdout: stdout.text(), stderr: stderr.text(), timedOut });
        });
    });
}

function killGroup(pid: number | undefined): void {
    if (!pid) return;
    try {
        process.kill(-pid, 'SIGKILL');
    } catch {
        // The group is already gone.
    }
}

class OutputBuffer {
    private chunks: Buffer[] = [];
    private bytes = 0;

    add(chunk: Buffer): void {
        if (this.bytes >= maxCapturedBytes) return;
        this.chunks.push(chunk);
        this.bytes += chunk.length;
    }

    text(): string {
        return Buffer.concat(this.chunks).toString('utf8');
    }
}
