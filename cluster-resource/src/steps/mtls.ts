/**
 * mTLS trust anchors (hsm2m.medium): the certificates whose issued client certificates the HSMs accept for
 * mutual TLS. One script on the management instance makes the registered set equal MtlsTrustAnchors: it lists
 * what is registered (`cluster mtls list-trust-anchors`), deregisters what is not wanted, registers what is
 * missing (as admin), and lists again to check. Run twice, or after a lost answer, it finds nothing to do.
 *
 * Enforcement (`cluster mtls set-enforcement`) is left alone: nothing in the CloudHSM or KMS documentation says
 * that a KMS key store, whose connection to the HSMs AWS manages, presents a client certificate, so enforcing
 * mTLS could disconnect it (see the README).
 */
import { X509Certificate } from 'crypto';
import { next, Step } from '../../../shared/engine/workflow';
import { assertSafe, configureCli, readPasswordFromSecret, requireClientVersion, SCRIPT_PREAMBLE } from '../../../shared/ssm/cloudhsm-scripts';
import { sendScriptOnce } from '../../../shared/ssm/run-command';
import { ApiCluster, secretNames } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { scriptInputs } from './activate';
import { secretArn } from './secrets';

const PEM_BODY = /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/;

/** Certificates compared by content, whatever their line breaks. */
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const sameAnchors = (a: string[] = [], b: string[] = []) => {
    const left = new Set(a.map(fingerprint));
    const right = new Set(b.map(fingerprint));
    return left.size === right.size && [...left].every((f) => right.has(f));
};

/**
 * For check-update: the set changed, or anchors are wanted on a cluster that was not ACTIVE yet (an EXTERNAL
 * cluster the same update initializes and activates). The input itself was checked by validate-input.
 */
export function checkTrustAnchorChange(scope: ClusterScope, cluster: ApiCluster): void {
    const desired = scope.model.MtlsTrustAnchors ?? [];
    const changed = !sameAnchors(scope.previous?.MtlsTrustAnchors, desired);
    if (changed || (desired.length > 0 && cluster.State !== 'ACTIVE')) scope.data.reconcileTrustAnchors = true;
}

/** The PEM the CLI reads from a file: one certificate, LF line ends, as the script's here-document holds it. */
const normalized = (pem: string) => assertSafe(pem.replace(/\r\n/g, '\n').trim() + '\n', PEM_BODY, 'certificate');

/**
 * The python in the script reads `list-trust-anchors` JSON on stdin and the wanted PEM files as arguments, and
 * prints the plan, one `deregister <reference>` or `register <file>` a line (with --check: "ok" or the
 * difference). No single quote appears in it: the script carries it in single quotes.
 */
const PLAN = String.raw`
import json, re, sys
check = sys.argv[1:2] == ["--check"]
files = sys.argv[2:] if check else sys.argv[1:]
body = lambda pem: re.sub(r"-----[A-Z ]+-----|\s", "", pem)
listed = {body(a["certificate"]): a["certificate-reference"] for a in json.load(sys.stdin)["data"]["trust_anchors"]}
wanted = {body(open(f).read()): f for f in files}
if check:
    print("ok" if set(listed) == set(wanted) else "registered %d, wanted %d" % (len(listed), len(wanted)))
else:
    for b, ref in listed.items():
        if b not in wanted: print("deregister " + ref)
    for b, f in wanted.items():
        if b not in listed: print("register " + f)
`;

export function trustAnchorScript(input: { hsmIp: string; hsmType?: string; trustAnchorPem: string; adminSecretArn: string; region: string; anchors: string[] }): string {
    const files = input.anchors.map((_, i) => `"$anchors_dir/anchor-${i + 1}.pem"`).join(' ');
    const writes = input.anchors.map((pem, i) => `cat > "$anchors_dir/anchor-${i + 1}.pem" <<'TRUST_ANCHOR_PEM'\n${normalized(pem)}TRUST_ANCHOR_PEM`).join('\n');
    const plan = assertSafe(PLAN, /^[^']*$/, 'plan');
    return `${SCRIPT_PREAMBLE}
${requireClientVersion(input.hsmType)}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readPasswordFromSecret('admin_password', input.adminSecretArn, input.region)}
anchors_dir="$(mktemp -d)"
trap 'rm -rf "$anchors_dir"' EXIT
${writes}
list_anchors() {
  local listed
  if ! listed="$(cloudhsm-cli cluster mtls list-trust-anchors)"; then printf '%s\\n' "$listed" >&2; return 1; fi
  printf '%s' "$listed"
}
listed="$(list_anchors)"
plan="$(printf '%s' "$listed" | python3 -c '${plan}' ${files})"
# The plan comes on its own descriptor: the CLI would read the rest of it from stdin.
while read -r verb argument <&3; do
  case "$verb" in
    deregister) CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$admin_password" cloudhsm-cli cluster mtls deregister-trust-anchor --certificate-reference "$argument" ;;
    register) CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$admin_password" cloudhsm-cli cluster mtls register-trust-anchor --path "$argument" ;;
  esac
done 3<<< "$plan"
listed="$(list_anchors)"
verdict="$(printf '%s' "$listed" | python3 -c '${plan}' --check ${files})"
if [ "$verdict" != ok ]; then
  echo "The registered mTLS trust anchors are not MtlsTrustAnchors after the changes ($verdict)" >&2
  exit 3
fi
echo "mTLS trust anchors: ${input.anchors.length} registered"`;
}

/** Sends the script once per request (create: when anchors are given; update: when check-update asked for it). */
export const registerTrustAnchors = (needed: (scope: ClusterScope) => boolean): Step<ClusterScope> => ({
    name: 'register-trust-anchors',
    when: needed,
    run: async (scope) => {
        if (scope.data.command?.purpose === 'mtls-trust-anchors') return next();
        const adminSecretArn = (await secretArn(scope, secretNames(scope.clusterId).admin))!;
        const script = trustAnchorScript({ ...(await scriptInputs(scope)), adminSecretArn, region: scope.request.region, anchors: scope.model.MtlsTrustAnchors ?? [] });
        const sent = await sendScriptOnce(scope.ssm, scope.model.ManagementInstanceId!, script, `mTLS trust anchors for ${scope.clusterId}`, scope.request.requestToken);
        scope.data.command = { ...sent, purpose: 'mtls-trust-anchors' };
        return next();
    },
});

export const createsTrustAnchors = (scope: ClusterScope) => (scope.model.MtlsTrustAnchors ?? []).length > 0;
export const updatesTrustAnchors = (scope: ClusterScope) => scope.data.reconcileTrustAnchors === true;
