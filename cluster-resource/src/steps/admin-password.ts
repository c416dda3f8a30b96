/**
 * Rotating the cluster admin's password (AdminPasswordVersion), so that the admin secret never holds, as its
 * current value, a password the HSMs do not know:
 *
 *   1. the new password is written as the admin secret's AWSPENDING version (AWSCURRENT stays the old one);
 *   2. a script on the management instance logs in as admin with AWSCURRENT and types AWSPENDING at the
 *      prompts of `cloudhsm-cli user change-password` (the terminal path activation uses);
 *   3. AWSCURRENT moves to the pending version (UpdateSecretVersionStage), AWSPREVIOUS to the old one;
 *   4. the secret's version tag records the AdminPasswordVersion.
 *
 * A failure before 2 has changed the HSMs leaves the old password current and working. A failure after 2 and
 * before 3 leaves the HSMs on the pending password while AWSCURRENT is the old one: the pending version is
 * found again by any later update (or the stack's rollback), whose script logs in with whichever of the two
 * the HSMs know, and promotes it. The key store's kmsuser is never touched.
 */
import { UpdateSecretVersionStageCommand, DescribeSecretCommandOutput, PutSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../../shared/aws/error-table';
import { HandlerError, InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { generatePassword, tokenFor } from '../../../shared/secrets/secrets';
import { sendScriptOnce } from '../../../shared/ssm/run-command';
import { ADMIN_PASSWORD_VERSION_TAG, ApiCluster, secretNames, withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { scriptInputs } from './activate';
import { copiedAdminPasswordVersion, requireImportedCopies } from './imported-cluster';
import { adminPasswordScript } from './scripts';
import { liveSecret } from './secrets';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';

const versionWith = (secret: DescribeSecretCommandOutput, test: (stages: string[]) => boolean) =>
    Object.entries(secret.VersionIdsToStages ?? {}).find(([, stages]) => test(stages))?.[0];
/** A rotation's new password that is not current yet: written, perhaps already set on the HSMs. */
const unpromotedVersion = (secret: DescribeSecretCommandOutput) => versionWith(secret, (s) => s.includes(PENDING) && !s.includes(CURRENT));
const currentVersion = (secret: DescribeSecretCommandOutput) => versionWith(secret, (s) => s.includes(CURRENT));
const recordedVersion = (secret: DescribeSecretCommandOutput) => secret.Tags?.find((t) => t.Key === ADMIN_PASSWORD_VERSION_TAG)?.Value;

async function adminSecret(scope: ClusterScope): Promise<DescribeSecretCommandOutput | undefined> {
    // At an imported cluster's name for the copy, only the copy the type makes or made is the type's.
    const imported = scope.data.imported;
    if (imported && ![...imported.held, ...imported.copying].includes('admin-credentials')) return undefined;
    return liveSecret(scope, secretNames(scope.clusterId).admin);
}

/**
 * For check-update: a rotation is due when AdminPasswordVersion changed, when the secret's tag records another
 * version, or when an earlier rotation left a pending password. It needs what the script needs, checked
 * before anything changes.
 */
export async function checkAdminPasswordRotation(scope: ClusterScope, cluster: ApiCluster): Promise<void> {
    const desired = withDefaults(scope.model).AdminPasswordVersion;
    const changed = desired !== withDefaults(scope.previous ?? scope.model).AdminPasswordVersion;
    const secret = await adminSecret(scope);
    // An imported cluster's admin secret may be the copy this update makes, recorded with the previous version.
    const recorded = secret ? recordedVersion(secret) : copiedAdminPasswordVersion(scope);
    const unfinished = (!!secret && unpromotedVersion(secret) !== undefined) || (recorded !== undefined && recorded !== String(desired));
    if (!changed && !unfinished) return;
    if (scope.data.imported) {
        requireImportedCopies(scope, ['admin-credentials', 'trust-anchor'], 'AdminPasswordVersion: rotating the admin password logs in as admin on the management instance');
    } else if (!secret) {
        throw new InvalidInputError(
            `AdminPasswordVersion: cluster ${scope.clusterId} has no admin secret (a cluster restored from a backup without SourceAdminSecretArn), so the type does not know its admin password and cannot rotate it. Leave AdminPasswordVersion as it was.`,
        );
    }
    if (!scope.model.ManagementInstanceId) {
        throw new InvalidInputError('AdminPasswordVersion: rotating the admin password runs the CloudHSM CLI on the management instance; set ManagementInstanceId.');
    }
    if (withDefaults(scope.model).HsmsPerSubnet === 0) {
        throw new InvalidInputError('AdminPasswordVersion: the admin password lives on the HSMs, and HsmsPerSubnet 0 leaves none; rotate it when the cluster has HSMs.');
    }
    if (cluster.State !== 'ACTIVE') {
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `AdminPasswordVersion: cluster ${scope.clusterId} is ${cluster.State}; the admin password can be rotated once the cluster is ACTIVE. Nothing was changed.`,
        );
    }
    scope.data.rotateAdminPassword = true;
}

const rotates = (scope: ClusterScope) => scope.data.rotateAdminPassword === true;

export const storePendingAdminPassword: Step<ClusterScope> = {
    name: 'store-pending-admin-password',
    when: rotates,
    run: async (scope) => {
        const secret = (await adminSecret(scope))!;
        // The pending password of an unfinished rotation may be on the HSMs already: it is kept, never replaced.
        if (unpromotedVersion(secret) !== undefined) return next();
        try {
            await scope.secrets.send(
                new PutSecretValueCommand({
                    SecretId: secret.ARN,
                    SecretString: JSON.stringify({ username: 'admin', password: generatePassword() }),
                    VersionStages: [PENDING],
                    ClientRequestToken: tokenFor(scope.request.requestToken, `${secret.Name}#admin-rotation`),
                }),
            );
        } catch (err) {
            // This request stored its pending version before (its value differs: a new random password each try).
            if (!isAwsError(err, 'ResourceExistsException')) throw err;
        }
        return next();
    },
};

export const changeAdminPassword: Step<ClusterScope> = {
    name: 'change-admin-password',
    when: rotates,
    run: async (scope) => {
        if (scope.data.command?.purpose === 'admin-password') return next();
        const secret = (await adminSecret(scope))!;
        const script = adminPasswordScript({ ...(await scriptInputs(scope)), adminSecretArn: secret.ARN!, region: scope.request.region });
        const sent = await sendScriptOnce(scope.ssm, scope.model.ManagementInstanceId!, script, `Admin password for ${scope.clusterId}`, scope.request.requestToken);
        scope.data.command = { ...sent, purpose: 'admin-password' };
        return next();
    },
};

/** The HSMs have the pending password now: it becomes the secret's current value. */
export const promoteAdminPassword: Step<ClusterScope> = {
    name: 'promote-admin-password',
    when: rotates,
    run: async (scope) => {
        const secret = (await adminSecret(scope))!;
        const pending = unpromotedVersion(secret);
        if (pending === undefined) return next();
        await scope.secrets.send(new UpdateSecretVersionStageCommand({ SecretId: secret.ARN, VersionStage: CURRENT, MoveToVersionId: pending, RemoveFromVersionId: currentVersion(secret) }));
        return next();
    },
};

export const recordAdminPasswordVersion: Step<ClusterScope> = {
    name: 'record-admin-password-version',
    when: rotates,
    run: async (scope) => {
        const version = String(withDefaults(scope.model).AdminPasswordVersion);
        await scope.secrets.send(new TagResourceCommand({ SecretId: secretNames(scope.clusterId).admin, Tags: [{ Key: ADMIN_PASSWORD_VERSION_TAG, Value: version }] }));
        return next();
    },
};
