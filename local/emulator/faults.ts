import { AwsError } from './errors';

/**
 * Fault injection per test. A rule matches calls by service and action and, for the matching calls it picks
 * (its next `times` matches, or each match with probability `rate` drawn from a generator seeded by `seed`,
 * or both), does one of:
 * - `throttle`: refuses the call with the service's throttling error, doing nothing (see `throttled`);
 * - `internal`: refuses it with the service's internal error (500), doing nothing;
 * - `latency`: adds `latencySeconds` of emulated time before answering;
 * - `lose-response`: does the work, then loses the answer (`lostAs`): `internal` answers the service's
 *   internal error (500) as if nothing happened, `drop` closes the connection without any response.
 */
export interface FaultRule {
    service?: string;
    /** One action or several; every action of the service when absent. */
    action?: string | string[];
    kind: 'throttle' | 'internal' | 'latency' | 'lose-response';
    /** How many matching calls the rule affects; unlimited when absent. */
    times?: number;
    /** The share (0–1) of matching calls the rule affects, drawn from a generator seeded by `seed`. */
    rate?: number;
    seed?: number;
    latencySeconds?: number;
    /** lose-response: how the answer is lost (default `internal`). */
    lostAs?: 'internal' | 'drop';
}

export interface FaultOutcome {
    /** Refuses the call before any work. */
    error?: AwsError;
    latencySeconds: number;
    /** Do the work, then lose the answer this way. */
    loseResponse?: 'internal' | 'drop';
}

/** Thrown by the emulator where the connection is to be closed without an answer. */
export class DroppedConnection extends Error {
    constructor() {
        super('connection dropped without a response');
    }
}

interface ActiveRule {
    rule: FaultRule;
    random: () => number;
}

export class Faults {
    private rules: ActiveRule[] = [];

    add(rule: FaultRule): void {
        if (rule.rate !== undefined && !(rule.rate >= 0 && rule.rate <= 1)) throw new Error(`Fault rate must be within 0–1, not ${rule.rate}`);
        this.rules.push({ rule: { ...rule }, random: seededRandom(rule.seed ?? 1) });
    }

    clear(): void {
        this.rules = [];
    }

    apply(service: string, action: string): FaultOutcome {
        const outcome: FaultOutcome = { latencySeconds: 0 };
        for (const { rule, random } of this.rules) {
            if (rule.service && rule.service !== service) continue;
            if (rule.action !== undefined && ![rule.action].flat().includes(action)) continue;
            if (rule.times !== undefined && rule.times <= 0) continue;
            if (rule.rate !== undefined && random() >= rule.rate) continue;
            if (rule.times !== undefined) rule.times -= 1;
            if (rule.kind === 'latency') outcome.latencySeconds += rule.latencySeconds ?? 1;
            else if (outcome.error || outcome.loseResponse) continue;
            else if (rule.kind === 'lose-response') outcome.loseResponse = rule.lostAs ?? 'internal';
            else outcome.error = rule.kind === 'throttle' ? throttled(service) : internalError(service);
        }
        return outcome;
    }
}

/**
 * The answer of a throttled call: "Common Errors" ThrottlingException (400) for the JSON services; EC2 throttles
 * with its own code, RequestLimitExceeded, answered as 503 "Request limit exceeded." ("Request throttling for the
 * Amazon EC2 API").
 */
export function throttled(service: string): AwsError {
    if (service === 'ec2') return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    // The query services' common error (STS API reference "Common Errors": Throttling, 400).
    if (service === 'sts') return new AwsError('Throttling', 'Rate exceeded', 400);
    return new AwsError('ThrottlingException', 'Rate exceeded', 400);
}

/** The 500 each service answers when it fails inside (the error names of the API models). */
export function internalError(service: string): AwsError {
    return new AwsError(internalCodeFor(service), 'We encountered an internal error. Please try again.', 500);
}

function internalCodeFor(service: string): string {
    switch (service) {
        case 'cloudhsmv2':
            return 'CloudHsmInternalFailureException';
        case 'kms':
            return 'KMSInternalException';
        case 'sts':
            return 'InternalFailure';
        case 'secretsmanager':
            return 'InternalServiceError';
        case 'ssm':
            return 'InternalServerError';
        case 'logs':
            return 'ServiceUnavailableException';
        case 'cloudwatch':
            return 'InternalServiceError';
        default:
            return 'InternalError';
    }
}

/** mulberry32: a small, fast generator, so a seeded test sees the same faults on every run (and a bench the same latencies). */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
