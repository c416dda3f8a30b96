import { AwsError } from './errors';

/**
 * Fault injection per test: a rule matches calls by service and action and, for its next `times` matches,
 * throttles, fails with a 5xx, or adds emulated latency.
 */
export interface FaultRule {
    service?: string;
    action?: string;
    kind: 'throttle' | 'internal' | 'latency';
    /** How many matching calls the rule affects; unlimited when absent. */
    times?: number;
    latencySeconds?: number;
}

export interface FaultOutcome {
    error?: AwsError;
    latencySeconds: number;
}

export class Faults {
    private rules: FaultRule[] = [];

    add(rule: FaultRule): void {
        this.rules.push({ ...rule });
    }

    clear(): void {
        this.rules = [];
    }

    apply(service: string, action: string): FaultOutcome {
        const outcome: FaultOutcome = { latencySeconds: 0 };
        for (const rule of this.rules) {
            if (rule.service && rule.service !== service) continue;
            if (rule.action && rule.action !== action) continue;
            if (rule.times !== undefined) {
                if (rule.times <= 0) continue;
                rule.times -= 1;
            }
            if (rule.kind === 'latency') outcome.latencySeconds += rule.latencySeconds ?? 1;
            else if (!outcome.error) {
                outcome.error =
                    rule.kind === 'throttle'
                        ? new AwsError('ThrottlingException', 'Rate exceeded', 400)
                        : new AwsError(internalCodeFor(service), 'We encountered an internal error. Please try again.', 500);
            }
        }
        return outcome;
    }
}

function internalCodeFor(service: string): string {
    switch (service) {
        case 'cloudhsmv2':
            return 'CloudHsmInternalFailureException';
        case 'kms':
            return 'KMSInternalException';
        case 'secretsmanager':
            return 'InternalServiceError';
        case 'ssm':
            return 'InternalServerError';
        default:
            return 'InternalError';
    }
}
