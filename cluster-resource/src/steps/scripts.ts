/** The cluster's scripts for the management instance: activation, and configuring a replaced instance. */
import {
    configureCli,
    readPasswordFromSecret,
    requireClientVersion,
    SCRIPT_PREAMBLE,
    WITH_PASSWORD_AT_PROMPTS,
    withPasswordAtPrompts,
} from '../../../shared/ssm/cloudhsm-scripts';

export interface ActivationScriptInput {
    hsmIp: string;
    hsmType?: string;
    trustAnchorPem: string;
    adminSecretArn: string;
    region: string;
}

/** `cluster activate` asks for the new admin password, and again to confirm, on its terminal. */
export function activationScript(input: ActivationScriptInput): string {
    return `${SCRIPT_PREAMBLE}
${WITH_PASSWORD_AT_PROMPTS}
${requireClientVersion(input.hsmType)}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readPasswordFromSecret('password', input.adminSecretArn, input.region)}
${withPasswordAtPrompts('password', 'cloudhsm-cli cluster activate')}
echo "cluster activated"`;
}

export function configurationScript(input: { hsmIp: string; hsmType?: string; trustAnchorPem: string }): string {
    return `${SCRIPT_PREAMBLE}
${requireClientVersion(input.hsmType)}
${configureCli(input.hsmIp, input.trustAnchorPem)}
echo "CloudHSM CLI configured"`;
}
