/**
 * A rotation or a move runs the kmsuser script, which logs in as admin with the password it reads from
 * AdminSecretArn as JSON {"username", "password"}. A secret in another form — a plain-string password, as the
 * AWS sample keeps the admin's — would fail that script only after the store had been disconnected. So before
 * the update changes anything, the management instance looks at the secret's form. The instance, not the
 * handler: the handler never reads the admin password (execution-role.yaml lets it only describe that secret).
 */
import { next, Step } from '../../../shared/engine/workflow';
import { requireJsonCredentials, SCRIPT_PREAMBLE } from '../../../shared/ssm/cloudhsm-scripts';
import { sendScriptOnce } from '../../../shared/ssm/run-command';
import { KeyStoreScope } from '../workflows/scope';
import { CLUSTER_ID_TAG } from './check-inputs';
import { rotatesKmsUser } from './kmsuser';

const PURPOSE = 'admin secret check';

export function adminSecretCheckScript(input: { adminSecretArn: string; clusterId: string; region: string }): string {
    const refusal =
        `AdminSecretArn: secret ${input.adminSecretArn} does not hold the cluster admin's credentials as JSON {"username": "admin", "password": "..."}; ` +
        `a plain-string password, as the AWS sample keeps it, is not accepted. Give the AdminSecretArn attribute of the Community::CloudHsm::Cluster that manages cluster ${input.clusterId}, ` +
        `or put the credentials in that form into a secret tagged ${CLUSTER_ID_TAG}=${input.clusterId}. Nothing was changed.`;
    return `${SCRIPT_PREAMBLE}
${requireJsonCredentials(input.adminSecretArn, input.region, refusal)}
echo "AdminSecretArn holds JSON credentials"`;
}

export const checkAdminSecretForm: Step<KeyStoreScope> = {
    name: 'check-admin-secret-form',
    when: rotatesKmsUser,
    run: async (scope) => {
        if (scope.data.command?.purpose === PURPOSE) return next();
        const script = adminSecretCheckScript({ adminSecretArn: scope.model.AdminSecretArn!, clusterId: scope.model.ClusterId!, region: scope.request.region });
        const sent = await sendScriptOnce(scope.ssm, scope.model.ManagementInstanceId!, script, `${PURPOSE} for ${scope.keyStoreId}`, scope.request.requestToken);
        scope.data.command = { ...sent, purpose: PURPOSE };
        return next();
    },
};
