/** The cluster's scripts for the management instance: activation, configuring a replaced instance, the admin password rotation. */
import {
    configureCli,
    readPasswordFromSecret,
    requireClientVersion,
    SCRIPT_EXIT,
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

/**
 * Logs in as admin with the secret's AWSCURRENT password and types its AWSPENDING one at the prompts of
 * `user change-password` (any user may change their own password; the CLI documents no other input for it but
 * `--password`). An earlier attempt may have changed it already, its answer lost: then the pending password
 * is the one that logs in, and setting it again changes nothing. Each run fails at most one login (the
 * password the HSMs do not know), and a login that succeeds resets the count, so retries never lock admin out.
 */
export function adminPasswordScript(input: { hsmIp: string; hsmType?: string; trustAnchorPem: string; adminSecretArn: string; region: string }): string {
    return `${SCRIPT_PREAMBLE}
${WITH_PASSWORD_AT_PROMPTS}
${requireClientVersion(input.hsmType)}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readPasswordFromSecret('current_password', input.adminSecretArn, input.region)}
${readPasswordFromSecret('new_password', input.adminSecretArn, input.region, 'AWSPENDING')}
change_admin_password_as() {
  CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:\${!1}" with_password_at_prompts new_password cloudhsm-cli user change-password --username admin --role admin
}
if change_admin_password_as current_password; then
  echo "admin password changed"
elif change_admin_password_as new_password; then
  echo "admin already had the new password (an earlier attempt changed it)"
else
  echo "The admin password could not be changed (the CloudHSM CLI's errors are above); the admin secret's current password is still the one the HSMs know, unless they know its pending one. Fix the cause and update the stack again: the type finishes the rotation." >&2
  exit ${SCRIPT_EXIT.adminPasswordUnchanged}
fi`;
}
