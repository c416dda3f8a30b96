/**
 * Building blocks of the shell scripts the management instance runs through SSM. They hold no secret: a
 * password is fetched from Secrets Manager on the instance (with its own role) into a shell variable that is
 * not exported, and is typed at the CloudHSM CLI's password prompt through a pseudo-terminal (see
 * `withPasswordAtPrompts`), or sits in CLOUDHSM_PIN in the environment of the one CLI process that logs in (the
 * CLI's documented non-interactive login, readable only by that process's user) — never as an argument (every
 * process on the instance can read those) nor in the command text (SSM keeps it in its history).
 * CLOUDHSM_HOME defaults to the CLI's install directory.
 */
export const SCRIPT_PREAMBLE = `if [ -z "\${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail
CLOUDHSM_HOME="\${CLOUDHSM_HOME:-/opt/cloudhsm}"
export PATH="$CLOUDHSM_HOME/bin:$PATH"`;

/**
 * Exit codes the scripts use for failures a person must act on; the step that awaits a script turns them into
 * the handler's errors (shared/ssm/await-command.ts). Everything else is the failing command's own code.
 */
export const SCRIPT_EXIT = {
    /** The CloudHSM CLI on the instance is too old for the cluster's HSM type. */
    clientTooOld: 10,
    /** `user change-password` was refused for kmsuser, which a connected KMS key store keeps logged in. */
    kmsUserLoggedIn: 11,
    /** `user change-password` for admin failed with both the current and the pending password. */
    adminPasswordUnchanged: 12,
    /** A secret the script was given holds no JSON credentials (see requireJsonCredentials). */
    notJsonCredentials: 13,
} as const;

/** The oldest Client SDK 5 release that works with each HSM type ("HSM compatibility for AWS CloudHSM Client SDK 5"). */
export const MIN_CLIENT_VERSION: Record<string, string> = { 'hsm2m.medium': '5.9.0' };

const SAFE_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SAFE_IP = /^[0-9a-fA-F.:]+$/;
const SAFE_REGION = /^[a-z0-9-]+$/;
const SAFE_NAME = /^[A-Za-z0-9_]+$/;
const SAFE_VERSION = /^\d+\.\d+\.\d+$/;
const SAFE_STAGE = /^[A-Z]+$/;
const PEM_BODY = /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n?$/;

export function assertSafe(value: string, pattern: RegExp, what: string): string {
    if (!pattern.test(value)) throw new Error(`Refusing to put an unexpected ${what} into a script: ${JSON.stringify(value).slice(0, 80)}`);
    return value;
}

/**
 * Stops the script, before it changes anything, when the CloudHSM CLI is older than the cluster's HSM type
 * needs. The CLI (clap) prints `cloudhsm-cli <version>` for --version.
 */
export function requireClientVersion(hsmType: string | undefined): string {
    const minimum = hsmType === undefined ? undefined : MIN_CLIENT_VERSION[hsmType];
    if (!minimum) return '';
    assertSafe(minimum, SAFE_VERSION, 'version');
    const [major, minor, patch] = minimum.split('.');
    return `if ! cli_version="$(cloudhsm-cli --version 2>&1)"; then
  command -v cloudhsm-cli >/dev/null || { echo "$cli_version" >&2; exit 127; }
fi
if ! [[ "$cli_version" =~ ([0-9]+)\\.([0-9]+)\\.([0-9]+) ]] || (( 10#\${BASH_REMATCH[1]} < ${major} || (10#\${BASH_REMATCH[1]} == ${major} && (10#\${BASH_REMATCH[2]} < ${minor} || (10#\${BASH_REMATCH[2]} == ${minor} && 10#\${BASH_REMATCH[3]} < ${patch}))) )); then
  echo "The CloudHSM CLI on this instance reports '\${cli_version:-no version}'; ${hsmType} HSMs need Client SDK ${minimum} or newer. Upgrade the CloudHSM CLI (client SDK 5) on the management instance." >&2
  exit ${SCRIPT_EXIT.clientTooOld}
fi`;
}

/** Installs the trust anchor as customerCA.crt and points the CLI at one HSM (the CLI finds the others). */
export function configureCli(hsmIp: string, trustAnchorPem: string): string {
    const pem = assertSafe(trustAnchorPem.replace(/\r\n/g, '\n').trim() + '\n', PEM_BODY, 'certificate');
    return `mkdir -p "$CLOUDHSM_HOME/etc"
cat > "$CLOUDHSM_HOME/etc/customerCA.crt" <<'CUSTOMER_CA_PEM'
${pem}CUSTOMER_CA_PEM
configure-cli -a ${assertSafe(hsmIp, SAFE_IP, 'IP address')}`;
}

/**
 * Reads the `password` field of a JSON credentials secret into the (unexported) shell variable `variable`:
 * the AWSCURRENT version, or the one `versionStage` names (a rotation's AWSPENDING).
 */
export function readPasswordFromSecret(variable: string, secretArn: string, region: string, versionStage?: string): string {
    assertSafe(variable, SAFE_NAME, 'variable name');
    const stage = versionStage === undefined ? '' : ` --version-stage ${assertSafe(versionStage, SAFE_STAGE, 'staging label')}`;
    return `${variable}_json="$(aws secretsmanager get-secret-value --region ${assertSafe(region, SAFE_REGION, 'region')} --secret-id '${assertSafe(secretArn, SAFE_ARN, 'secret ARN')}'${stage} --query SecretString --output text)"
${variable}="$(printf '%s' "$${variable}_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["password"])')"
unset ${variable}_json`;
}

/**
 * Stops the script with SCRIPT_EXIT.notJsonCredentials, printing `refusal` (which names the property and says
 * what to give), unless the secret holds JSON credentials {"username", "password"} with non-empty strings.
 * The value is read as readPasswordFromSecret reads it and only handed to python3 on a pipe; nothing of it is
 * printed, not even by a JSON error (its traceback goes nowhere, so python3 must be known to exist first).
 */
export function requireJsonCredentials(secretArn: string, region: string, refusal: string): string {
    assertSafe(refusal, /^[^\n]*$/, 'message');
    return `command -v python3 >/dev/null || { echo "python3 is not installed on this instance" >&2; exit 127; }
credentials_json="$(aws secretsmanager get-secret-value --region ${assertSafe(region, SAFE_REGION, 'region')} --secret-id '${assertSafe(secretArn, SAFE_ARN, 'secret ARN')}' --query SecretString --output text)"
if ! printf '%s' "$credentials_json" | python3 -c 'import json, sys
value = json.load(sys.stdin)
sys.exit(0 if isinstance(value, dict) and all(isinstance(value.get(k), str) and value.get(k) for k in ("username", "password")) else 1)' 2>/dev/null; then
  unset credentials_json
  cat >&2 <<'NOT_JSON_CREDENTIALS'
${refusal}
NOT_JSON_CREDENTIALS
  exit ${SCRIPT_EXIT.notJsonCredentials}
fi
unset credentials_json`;
}

/**
 * The pseudo-terminal driver, for python3 (3.6 and later; Amazon Linux has it). The CLI documents only
 * `--password` (visible to every process) and an interactive `Enter password:` / `Confirm password:` prompt,
 * and a prompt of that kind reads the controlling terminal, which SSM Run Command does not give a script.
 * The driver reads the answers from its stdin, one line per prompt, starts the command with a pty slave as its
 * stdin, stdout, stderr and controlling terminal (so both a stdin and a /dev/tty reader are answered), turns
 * echo off on it before the command starts, and types each answer only once its prompt has appeared (typed
 * ahead, it could be discarded when the CLI sets the terminal mode with TCSAFLUSH). It relays the output with
 * CR LF made LF and the answers cut out should they ever come back, stops the command if it asks once more
 * than it has answers for, and exits with the command's code. No single quote or pipe appears in it: scripts
 * carry it in single quotes.
 */
export const PTY_DRIVER = String.raw`
import os, pty, re, signal, sys, termios
answers = [a for a in sys.stdin.buffer.read().split(b"\n") if a]
if not answers:
    sys.stderr.write("no password on stdin\n")
    sys.exit(2)
pid, fd = pty.fork()
if pid == 0:
    attrs = termios.tcgetattr(0)
    attrs[3] = attrs[3] & ~termios.ECHO
    termios.tcsetattr(0, termios.TCSANOW, attrs)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    except OSError as err:
        os.write(2, ("%s: %s\n" % (sys.argv[1], err.strerror)).encode())
    os._exit(127)
longest = max(len(a) for a in answers)
held = b""
line = b""
answered = 0
def relay(final):
    global held
    for answer in answers:
        held = held.replace(answer, b"")
    held = held.replace(b"\r\n", b"\n")
    cut = len(held) if final else max(0, len(held) - longest)
    os.write(1, held[:cut])
    held = held[cut:]
while True:
    try:
        data = os.read(fd, 4096)
    except OSError:
        data = b""
    if not data:
        break
    held += data
    relay(False)
    line = re.split(b"[\r\n]", line + data)[-1]
    if re.search(b"password: *$", line, re.I) and b"\"" not in line:
        if answered == len(answers):
            os.kill(pid, signal.SIGTERM)
            sys.stderr.write("%s asked for a password more than %d times\n" % (sys.argv[1], answered))
            break
        os.write(fd, answers[answered] + b"\n")
        answered += 1
        line = b""
relay(True)
status = os.waitpid(pid, 0)[1]
sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
`;

/**
 * Defines `with_password_at_prompts VARIABLE COMMAND…`: runs COMMAND under the pty driver, which types the
 * value of the shell variable named VARIABLE at its password prompt and again at the confirmation. The value
 * reaches the driver through a pipe that bash's builtin printf writes (no process of its own, so no argv),
 * never as an argument; the variable is not exported.
 */
export const WITH_PASSWORD_AT_PROMPTS = `with_password_at_prompts() {
  python3 -c '${assertSafe(PTY_DRIVER, /^[^'|]*$/, 'driver')}' "\${@:2}" < <(printf '%s\\n%s\\n' "\${!1}" "\${!1}")
}`;

/** Runs `command` (a CLI command that asks for a new password) with the password in `variable` typed at its prompts. */
export function withPasswordAtPrompts(variable: string, command: string, environment = ''): string {
    assertSafe(variable, SAFE_NAME, 'variable name');
    return `${environment ? `${environment} ` : ''}with_password_at_prompts ${variable} ${command}`;
}
