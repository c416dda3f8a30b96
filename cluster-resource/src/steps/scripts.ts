/** The cluster's scripts for the management instance: activation, and configuring a replaced instance. */
import { configureCli, readPasswordFromSecret, SCRIPT_PREAMBLE } from '../../../shared/ssm/cloudhsm-scripts';

export interface ActivationScriptInput {
    hsmIp: string;
    trustAnchorPem: string;
    adminSecretArn: string;
    region: string;
}

export function activationScript(input: ActivationScriptInput): string {
    return `${SCRIPT_PREAMBLE}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readPasswordFromSecret('password', input.adminSecretArn, input.region)}
printf '%s\\n%s\\n' "$password" "$password" | cloudhsm-cli cluster activate
echo "cluster activated"`;
}

export function configurationScript(input: { hsmIp: string; trustAnchorPem: string }): string {
    return `${SCRIPT_PREAMBLE}
${configureCli(input.hsmIp, input.trustAnchorPem)}
echo "CloudHSM CLI configured"`;
}
