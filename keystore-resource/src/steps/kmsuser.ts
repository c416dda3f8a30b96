/**
 * kmsuser, the crypto user KMS logs in as. The type gives it a password of its own (never the admin's),
 * kept only in the key store's secret; an admin session on the management instance creates the user, or
 * resets its password when it already exists (a kmsuser left by an earlier key store on this cluster is
 * adopted: KMS lets only one key store use a cluster, so no other store depends on it).
 */
import { DescribeSecretCommand, PutSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../../../shared/aws/error-table';
import { TerminalStateError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { findCluster } from '../../../shared/finders/clusters';
import { ensureSecret, generatePassword, readJsonSecret, tokenFor } from '../../../shared/secrets/secrets';
import {
    configureCli,
    readPasswordFromSecret,
    requireClientVersion,
    SCRIPT_EXIT,
    SCRIPT_PREAMBLE,
    WITH_PASSWORD_AT_PROMPTS,
    withPasswordAtPrompts,
} from '../../../shared/ssm/cloudhsm-scripts';
import { sendScriptOnce } from '../../../shared/ssm/run-command';
import { KEY_STORE_ID_TAG, KMS_USER, kmsUserSecretName, PASSWORD_VERSION_TAG, withDefaults } from '../translate';
import { KeyStoreScope } from '../workflows/scope';
import { IMPORTED_TAG } from './ownership';

const ADMIN_LOGIN = 'CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$admin_password"';

/**
 * Creates kmsuser or resets its password to the secret's, then checks it reached every HSM. Both commands
 * ask for the new password on their terminal. `user list` output (documented: `{"error_code": 0, "data":
 * {"users": [{"username", "role", "locked", "mfa", "quorum", "cluster-coverage"}, …]}}`, with the internal
 * `app_user`) is read without a terminal, so prompts and CR LF never reach the JSON parser. The CLI refuses
 * to change the password of a logged-in user, and KMS keeps kmsuser logged in while a key store on the
 * cluster is connected: that failure says so.
 */
export function kmsUserScript(input: { hsmIp: string; hsmType?: string; trustAnchorPem: string; adminSecretArn: string; kmsUserSecretArn: string; region: string }): string {
    const userCommand = (verb: string) => withPasswordAtPrompts('kmsuser_password', `cloudhsm-cli user ${verb} --username ${KMS_USER} --role crypto-user`, ADMIN_LOGIN);
    return `${SCRIPT_PREAMBLE}
${WITH_PASSWORD_AT_PROMPTS}
${requireClientVersion(input.hsmType)}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readPasswordFromSecret('admin_password', input.adminSecretArn, input.region)}
${readPasswordFromSecret('kmsuser_password', input.kmsUserSecretArn, input.region)}
kmsuser_coverage() {
  local listed
  if ! listed="$(cloudhsm-cli user list)"; then printf '%s\n' "$listed" >&2; return 1; fi
  printf '%s' "$listed" | python3 -c '
import json, sys
users = [u for u in json.load(sys.stdin)["data"]["users"] if str(u.get("username", "")).lower() == "${KMS_USER}"]
print(users[0].get("cluster-coverage", "unknown") if users else "none")
'
}
coverage="$(kmsuser_coverage)"
if [ "$coverage" = none ]; then
  ${userCommand('create')}
  echo "kmsuser created"
elif ${userCommand('change-password')}; then
  echo "kmsuser existed: password reset"
else
  echo "kmsuser exists on this cluster but its password could not be reset (the CloudHSM CLI's error is above). The CLI refuses while kmsuser is logged in, and AWS KMS keeps it logged in while a custom key store using this cluster is connected: disconnect that key store (DisconnectCustomKeyStore), then retry." >&2
  exit ${SCRIPT_EXIT.kmsUserLoggedIn}
fi
coverage="$(kmsuser_coverage)"
if [ "$coverage" != full ]; then
  echo "kmsuser does not cover every HSM (cluster-coverage $coverage); retry when the cluster has synchronized" >&2
  exit 3
fi
echo "kmsuser covers every HSM"`;
}

/** Sends the kmsuser script once per request; the await-command step that follows polls it. */
export const setKmsUserPassword = (name: string, needed: (scope: KeyStoreScope) => boolean): Step<KeyStoreScope> => ({
    name,
    when: needed,
    run: async (scope) => {
        if (scope.data.command?.purpose === 'kmsuser') return next();
        const cluster = await findCluster(scope.cloudhsm, scope.model.ClusterId!);
        const hsm = cluster?.Hsms?.find((h) => h.State === 'ACTIVE');
        if (!hsm?.EniIp) throw new TerminalStateError(`ClusterId: cluster ${scope.model.ClusterId} has no ACTIVE HSM for the management instance to reach.`);
        const script = kmsUserScript({
            hsmIp: hsm.EniIp,
            hsmType: cluster?.HsmType,
            trustAnchorPem: scope.model.TrustAnchorCertificate!,
            adminSecretArn: scope.model.AdminSecretArn!,
            kmsUserSecretArn: scope.model.KmsUserSecretArn ?? (await kmsUserSecretArn(scope)),
            region: scope.request.region,
        });
        const sent = await sendScriptOnce(scope.ssm, scope.model.ManagementInstanceId!, script, `kmsuser for ${scope.keyStoreId}`, scope.request.requestToken);
        scope.data.command = { ...sent, purpose: 'kmsuser' };
        return next();
    },
});

async function kmsUserSecretArn(scope: KeyStoreScope): Promise<string> {
    const found = await scope.secrets.send(new DescribeSecretCommand({ SecretId: kmsUserSecretName(scope.keyStoreId) }));
    scope.model.KmsUserSecretArn = found.ARN;
    return found.ARN!;
}

/**
 * A new kmsuser password for a rotation: written to the secret first (a retried step finds its own version by
 * the request token and keeps it), then set on the HSMs and told to KMS by the steps that follow. An imported
 * store has no kmsuser secret until its first rotation, which creates it: without the version tag (KMS has not
 * been told its password yet; record-password-version adds it) and with IMPORTED_TAG, so it stays imported.
 */
export const storeNewKmsUserPassword: Step<KeyStoreScope> = {
    name: 'store-new-kmsuser-password',
    when: (scope) => rotatesKmsUser(scope),
    run: async (scope) => {
        const secretId = kmsUserSecretName(scope.keyStoreId);
        const secret = await scope.kmsUserSecret();
        const newValue = () => JSON.stringify({ username: KMS_USER, password: generatePassword() });
        if (!secret) {
            await ensureSecret(scope.secrets, {
                name: secretId,
                description: `KMS key store ${scope.keyStoreId} (imported): the kmsuser password the type set`,
                value: newValue,
                kmsKeyId: scope.model.SecretsKmsKeyId,
                tags: [
                    { Key: KEY_STORE_ID_TAG, Value: scope.keyStoreId },
                    { Key: IMPORTED_TAG, Value: 'true' },
                ],
                requestToken: scope.request.requestToken,
            });
        } else if (!secret.VersionIdsToStages?.[tokenFor(scope.request.requestToken, secretId)]) {
            // (A secret this request created a moment ago already holds this rotation's password.)
            try {
                await scope.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: newValue(), ClientRequestToken: tokenFor(scope.request.requestToken, `${secretId}#rotation`) }));
            } catch (err) {
                if (!isAwsError(err, 'ResourceExistsException')) throw err;
            }
        }
        scope.secretChanged();
        return next();
    },
};

/** The password the kmsuser secret holds now (the one the rotation set on the HSMs). */
export async function kmsUserPassword(scope: KeyStoreScope): Promise<string> {
    return (await readJsonSecret<{ password: string }>(scope.secrets, kmsUserSecretName(scope.keyStoreId), ['password'])).password;
}

/**
 * Once KMS has the new password, the secret's tag says which KmsUserPasswordVersion it belongs to. Until then
 * the tag keeps the version KMS was told before: an update that finds them apart knows a rotation never
 * reached KMS (it failed on the way), and rotates again before it connects.
 */
export const recordPasswordVersion: Step<KeyStoreScope> = {
    name: 'record-password-version',
    when: (scope) => rotatesKmsUser(scope),
    run: async (scope) => {
        const version = String(withDefaults(scope.model).KmsUserPasswordVersion);
        await scope.secrets.send(new TagResourceCommand({ SecretId: kmsUserSecretName(scope.keyStoreId), Tags: [{ Key: PASSWORD_VERSION_TAG, Value: version }] }));
        scope.secretChanged();
        return next();
    },
};

/** Decided once, by check-update: see `KeyStoreData.rotateKmsUser`. */
export const rotatesKmsUser = (scope: KeyStoreScope): boolean => scope.data.rotateKmsUser === true;
