/**
 * Building blocks of the shell scripts the management instance runs through SSM. They hold no secret: a
 * password is fetched from Secrets Manager on the instance (with its own role) into a shell variable that is
 * not exported, and reaches the CloudHSM CLI on stdin, or in CLOUDHSM_PIN in the environment of the one CLI
 * process that logs in (the CLI's documented non-interactive login, readable only by that process's user) —
 * never as an argument (every process on the instance can read those) nor in the command text (SSM keeps it
 * in its history). CLOUDHSM_HOME defaults to the CLI's install directory.
 */
export const SCRIPT_PREAMBLE = `if [ -z "\${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
CLOUDHSM_HOME="\${CLOUDHSM_HOME:-/opt/cloudhsm}"
export PATH="$CLOUDHSM_HOME/bin:$PATH"`;

const SAFE_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SAFE_IP = /^[0-9a-fA-F.:]+$/;
const SAFE_REGION = /^[a-z0-9-]+$/;
const SAFE_NAME = /^[A-Za-z0-9_]+$/;
const PEM_BODY = /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/;

export function assertSafe(value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) throw new Error(`Refusing to put an unexpected ${what} into a script: ${JSON.stringify(value).slice(0, 80)}`);
    return value;
}

/** Installs the trust anchor as customerCA.crt and points the CLI at one HSM (the CLI finds the others). */
export function configureCli(hsmIp: string, trustAnchorPem: string): string {
    const pem = assertSafe(trustAnchorPem.replace(/\r\n/g, '\n').trim() + '\n', PEM_BODY, 'certificate');
    return `mkdir -p "$CLOUDHSM_HOME/etc"
cat > "$CLOUDHSM_HOME/etc/customerCA.crt" <<'CUSTOMER_CA_PEM'
${pem}CUSTOMER_CA_PEM
configure-cli -a ${assertSafe(hsmIp, SAFE_IP, 'IP address')}`;
}

/** Reads the `password` field of a JSON credentials secret into the (unexported) shell variable `variable`. */
export function readPasswordFromSecret(variable: string, secretArn: string, region: string): string {
    assertSafe(variable, SAFE_NAME, 'variable name');
    return `${variable}_json="$(aws secretsmanager get-secret-value --region ${assertSafe(region, SAFE_REGION, 'region')} --secret-id '${assertSafe(secretArn, SAFE_ARN, 'secret ARN')}' --query SecretString --output text)"
${variable}="$(printf '%s' "$${variable}_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')"
unset ${variable}_json`;
}
