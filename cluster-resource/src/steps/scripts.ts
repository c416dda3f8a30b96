/**
 * The shell scripts the management instance runs through SSM. They hold no secret: a password is fetched
 * from Secrets Manager on the instance (with its own role), kept in a shell variable that is not exported,
 * and given to the CloudHSM CLI on stdin, never as an argument (which every process on the instance could
 * read) nor in the command text (which SSM keeps in its history). CLOUDHSM_HOME defaults to the CLI's
 * install directory.
 */
const PREAMBLE = `if [ -z "\${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
CLOUDHSM_HOME="\${CLOUDHSM_HOME:-/opt/cloudhsm}"
export PATH="$CLOUDHSM_HOME/bin:$PATH"`;

const SAFE_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SAFE_IP = /^[0-9a-fA-F.:]+$/;
const SAFE_REGION = /^[a-z0-9-]+$/;
const PEM_BODY = /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/;

function assertSafe(value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) throw new Error(`Refusing to put an unexpected ${what} into a script: ${JSON.stringify(value).slice(0, 80)}`);
    return value;
}

/** Installs the trust anchor as customerCA.crt and points the CLI at one HSM (the CLI finds the others). */
function configureCli(hsmIp: string, trustAnchorPem: string): string {
    const pem = assertSafe(trustAnchorPem.replace(/\r\n/g, '\n').trim() + '\n', PEM_BODY, 'certificate');
    return `mkdir -p "$CLOUDHSM_HOME/etc"
cat > "$CLOUDHSM_HOME/etc/customerCA.crt" <<'CUSTOMER_CA_PEM'
${pem}CUSTOMER_CA_PEM
configure-cli -a ${assertSafe(hsmIp, SAFE_IP, 'IP address')}`;
}

/** Reads the admin password from its secret into the shell variable `password`. */
function readAdminPassword(adminSecretArn: string, region: string): string {
    return `admin_secret="$(aws secretsmanager get-secret-value --region ${assertSafe(region, SAFE_REGION, 'region')} --secret-id '${assertSafe(adminSecretArn, SAFE_ARN, 'secret ARN')}' --query SecretString --output text)"
password="$(printf '%s' "$admin_secret" | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')"
unset admin_secret`;
}

export interface ActivationScriptInput {
    hsmIp: string;
    trustAnchorPem: string;
    adminSecretArn: string;
    region: string;
}

export function activationScript(input: ActivationScriptInput): string {
    return `${PREAMBLE}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readAdminPassword(input.adminSecretArn, input.region)}
printf '%s\\n%s\\n' "$password" "$password" | cloudhsm-cli cluster activate
echo "cluster activated"`;
}

export function configurationScript(input: { hsmIp: string; trustAnchorPem: string }): string {
    return `${PREAMBLE}
${configureCli(input.hsmIp, input.trustAnchorPem)}
echo "CloudHSM CLI configured"`;
}
