/**
 * Where the live test runs: a real AWS account (aws-account.ts) or the embedded emulator (emulated-account.ts).
 * The lifecycle sees only this; nothing in it knows which one it has.
 */
import { DrivenAccount, DriverClock } from '../local/driver/driver';
import { ClientSettings } from '../shared/aws/clients';
import { LiveInputs } from './inputs';

export interface InterruptibleClock extends DriverClock {
    /** Lets `seconds` pass; an aborted `signal` cuts a real wait short. */
    advance(seconds: number, signal?: AbortSignal): void | Promise<void>;
}

export interface LiveEnvironment {
    /** For the report's first line. */
    description: string;
    account: DrivenAccount;
    clock: InterruptibleClock;
    /** How the report names an operation's duration: `took` on the real clock, `emulated` on the shared one. */
    timeLabel: 'took' | 'emulated';
    /** For the live run's own calls (finding, decommissioning and listing what it made). */
    clientSettings: ClientSettings;
    /** Work beside the handlers that has to catch up before CloudFormation calls again. */
    beforeReinvoke?: () => Promise<void>;
    stop(): Promise<void>;
}

export type EnvironmentFactory = (inputs: LiveInputs) => Promise<LiveEnvironment>;
