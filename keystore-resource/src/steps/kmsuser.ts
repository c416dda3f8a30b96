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
import { generatePassword, readSecret, tokenFor } from '../../../shared/secrets/secrets';
import { configureCli, readPasswordFromSecret, SCRIPT_PREAMBLE } from '../../../shared/ssm/cloudhsm-scripts';
import { sendScriptOnce } from '../../../shared/ssm/run-command';
import { KMS_USER, kmsUserSecretName, PASSWORD_VERSION_TAG, withDefaults } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

const ADMIN_LOGIN = 'CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:$admin_password"';

/** Creates kmsuser or resets its password to the secret's, then checks it reached every HSM. */
export function kmsUserScript(input: { hsmIp: string; trustAnchorPem: string; adminSecretArn: string; kmsUserSecretArn: string; region: string }): string {
    return `${SCRIPT_PREAMBLE}
${configureCli(input.hsmIp, input.trustAnchorPem)}
${readPasswordFromSecret('admin_password', input.adminSecretArn, input.region)}
${readPasswordFromSecret('kmsuser_password', input.kmsUserSecretArn, input.region)}
has_kmsuser() {
  cloudhsm-cli user list | python3 -c 'import json, sys; users = json.load(sys.stdin)["data"]["users"]; sys.exit(0 if any(u["username"] == "${KMS_USER}" for u in users) else 1)'
}
if has_kmsuser; then
  printf '%s\\n%s\\n' "$kmsuser_password" "$kmsuser_password" | ${ADMIN_LOGIN} cloudhsm-cli user change-password --username ${KMS_USER} --role crypto-user
  echo "kmsuser existed: password reset"
else
  printf '%s\\n%s\\n' "$kmsuser_password" "$kmsuser_password" | ${ADMIN_LOGIN} cloudhsm-cli user create --username ${KMS_USER} --role crypto-user
  echo "kmsuser created"
fi
cloudhsm-cli user list | python3 -c '
import json, sys
users = [u for u in json.load(sys.stdin)["data"]["users"] if u["username"] == "${KMS_USER}"]
if not users or users[0].get("cluster-coverage") != "full":
    sys.stderr.write("kmsuser does not cover every HSM (cluster-coverage %s); retry when the cluster has synchronized\\n" % (users[0].get("cluster-coverage") if users else "none"))
    sys.exit(3)
print("kmsuser covers every HSM")
'`;
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
 * the request token and keeps it), then set on the HSMs and told to KMS by the steps that follow.
 */
export const storeNewKmsUserPassword: Step<KeyStoreScope> = {
    name: 'store-new-kmsuser-password',
    when: (scope) => rotatesKmsUser(scope),
    run: async (scope) => {
        const secretId = kmsUserSecretName(scope.keyStoreId);
        try {
            await scope.secrets.send(
                new PutSecretValueCommand({
                    SecretId: secretId,
                    SecretString: JSON.stringify({ username: KMS_USER, password: generatePassword() }),
                    ClientRequestToken: tokenFor(scope.request.requestToken, `${secretId}#rotation`),
                }),
            );
        } catch (err) {
            if (!isAwsError(err, 'ResourceExistsException')) throw err;
        }
        scope.secretChanged();
        return next();
    },
};

/** The password the kmsuser secret holds now (the one the rotation set on the HSMs). */
export async function kmsUserPassword(scope: KeyStoreScope): Promise<string> {
    return (JSON.parse(await readSecret(scope.secrets, kmsUserSecretName(scope.keyStoreId))) as { password: string }).password;
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
