import { EmulatorState, Instance } from '../emulator/state';

/** What a stand-in executable sends to POST /_emulator/cli (see bin/forward-to-emulator.js). */
export interface CliRequest {
    tool: string;
    argv: string[];
    /** The tool process's whole environment, as the real tool would see it. */
    env: Record<string, string>;
    /** Everything piped into the tool; empty when stdin was closed or a terminal. */
    stdin: string;
    cwd: string;
    /** Contents of `$CLOUDHSM_HOME/etc/customerCA.crt` at the time of the call, or null when the file is missing. */
    caCertificatePem: string | null;
    /** Contents of the files that options name (`--hsm-ca-cert <path>`), by option; null for a missing file. */
    optionFiles?: Record<string, string | null>;
    /**
     * The tool's password prompts on its controlling terminal: the lines typed at them, or why the terminal
     * could not be read (no controlling terminal). Absent when the tool asked nothing.
     */
    terminal?: { typed: string[] } | { error: string };
    /** The command line of the process that started the tool, as `ps` shows it. */
    parentArgv?: string[];
}

export interface CliResult {
    stdout: string;
    stderr: string;
    exitCode: number;
}

/** One emulated tool run on one instance. */
export interface ToolContext {
    state: EmulatorState;
    instance: Instance;
    request: CliRequest;
    /** Tells the CloudHSM service (when the emulator has one) that users or the cluster state changed. */
    noteClusterChanged(clusterId: string): void;
}

export function succeeded(stdout: string): CliResult {
    return { stdout, stderr: '', exitCode: 0 };
}

export function failed(stderr: string, exitCode = 1, stdout = ''): CliResult {
    return { stdout, stderr, exitCode };
}
