/**
 * The update-only steps: what may change, the backup retention, the tags, and moving management access from
 * one instance to another.
 */
import { ModifyClusterCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { TagResourceCommand as TagSecretCommand, UntagResourceCommand as UntagSecretCommand } from '@aws-sdk/client-secrets-manager';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { ClusterModel } from '../resource-model';
import { DEFAULTS, INTERNAL_TAG, isInternalTag, madeByType, parseManagement, secretNames, tagValue, userTags, withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { assertValidClusterInput } from '../validate-input';
import { checkManagementInstance } from './check-environment';
import { checkAdminPasswordRotation } from './admin-password';
import { checkHsmTypeChange } from './hsm-type';
import { checkImportedManagementInstance, checkImportedUpdate, planImportedCopies, requireImportedCopies } from './imported-cluster';
import { checkTrustAnchorChange } from './mtls';
import { revokeAccess } from './instance-access';
import { refuseCertificateForOlderCsr } from './published-csrs';
import { secretArn, secretTags } from './secrets';

const CREATE_ONLY: Array<keyof ClusterModel> = [
    'Mode',
    'NetworkType',
    'SourceBackupId',
    'SourceAdminSecretArn',
    'SourceTrustAnchorSecretArn',
    'CertificateAuthority',
    'SecretsKmsKeyId',
];

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const checkUpdate: Step<ClusterScope> = {
    name: 'check-update',
    run: async (scope) => {
        const cluster = await scope.cluster();
        const imported = !madeByType(cluster);
        if (imported) checkImportedUpdate(scope, cluster);
        const previous = scope.previous ?? new ClusterModel();
        const effective = (model: ClusterModel, p: keyof ClusterModel) => model[p] ?? (DEFAULTS as Partial<Record<keyof ClusterModel, unknown>>)[p];
        const changed = CREATE_ONLY.filter((p) => !same(effective(previous, p), effective(scope.model, p)));
        if (!same([...(previous.SubnetIds ?? [])].sort(), [...(scope.model.SubnetIds ?? [])].sort())) changed.push('SubnetIds');
        if (changed.length) {
            throw new HandlerError(HandlerErrorCode.NotUpdatable, `${changed.join(', ')} cannot change after creation; CloudFormation replaces the cluster for that.`);
        }
        // Before the input check: a changed HsmType other than the migration (say to the retired hsm1.medium) is NotUpdatable, not bad input.
        await checkHsmTypeChange(scope, cluster);
        assertValidClusterInput(scope.model, { ...scope.request, existingHsmType: cluster.HsmType, imported });
        if (imported) await planImportedCopies(scope, cluster);
        await checkAdminPasswordRotation(scope, cluster);
        checkTrustAnchorChange(scope, cluster);
        if (scope.data.reconcileTrustAnchors) {
            requireImportedCopies(scope, ['admin-credentials', 'trust-anchor'], 'MtlsTrustAnchors: registering mTLS trust anchors as admin from the management instance');
        }
        refuseCertificateForOlderCsr(scope, cluster);
        checkImportedManagementInstance(scope, cluster);
        const instanceId = scope.model.ManagementInstanceId;
        if (instanceId && parseManagement(tagValue(cluster, INTERNAL_TAG.management))?.instanceId !== instanceId) {
            scope.data.instanceGroupId = await checkManagementInstance(scope, instanceId, cluster.VpcId);
        }
        return next();
    },
};

export const modifyBackupRetention: Step<ClusterScope> = {
    name: 'modify-backup-retention',
    run: async (scope) => {
        const desired = String(withDefaults(scope.model).BackupRetentionDays);
        if ((await scope.cluster()).BackupRetentionPolicy?.Value === desired) return next();
        await scope.cloudhsm.send(new ModifyClusterCommand({ ClusterId: scope.clusterId, BackupRetentionPolicy: { Type: 'DAYS', Value: desired } }));
        scope.changed();
        return next();
    },
};

/**
 * Brings the cluster's user tags to the desired set, and those of the secrets that carry them: the admin
 * credentials and trust anchor a new cluster made for itself. The CA key (gone after initialization) and the
 * copies a restore made of another cluster's secrets, or an import of the owner's, carry only the type's own
 * tag (see steps/secrets.ts). Tags is the whole set of the cluster's user tags, an imported cluster's too:
 * tags somebody else put on the cluster go unless Tags (or the stack's tags) name them.
 */
export const syncTags: Step<ClusterScope> = {
    name: 'sync-tags',
    run: async (scope) => {
        const cluster = await scope.cluster();
        const desired = new Map(userTags(scope.model, scope.request.stackTags).map((t) => [t.Key!, t.Value ?? '']));
        const current = new Map((cluster.TagList ?? []).filter((t) => !isInternalTag(t.Key)).map((t) => [t.Key!, t.Value ?? '']));
        const removed = [...current.keys()].filter((k) => !desired.has(k));
        const upserted = [...desired].filter(([k, v]) => current.get(k) !== v).map(([Key, Value]) => ({ Key, Value }));
        if (!removed.length && !upserted.length) return next();
        if (removed.length) await scope.cloudhsm.send(new UntagResourceCommand({ ResourceId: scope.clusterId, TagKeyList: removed }));
        if (upserted.length) await scope.cloudhsm.send(new TagResourceCommand({ ResourceId: scope.clusterId, TagList: upserted }));
        const names = secretNames(scope.clusterId);
        for (const name of scope.model.SourceBackupId || scope.data.imported ? [] : [names.admin, names.trustAnchor]) {
            const arn = await secretArn(scope, name);
            if (!arn) continue;
            if (removed.length) await scope.secrets.send(new UntagSecretCommand({ SecretId: arn, TagKeys: removed }));
            await scope.secrets.send(new TagSecretCommand({ SecretId: arn, Tags: secretTags(scope) }));
        }
        scope.changed();
        return next();
    },
};

/** When the management instance changes or goes away, the rule for the old one goes too. */
export const revokePreviousInstanceAccess: Step<ClusterScope> = {
    name: 'revoke-previous-instance-access',
    run: async (scope) => {
        const cluster = await scope.cluster();
        const recorded = parseManagement(tagValue(cluster, INTERNAL_TAG.management));
        if (!recorded || recorded.instanceId === scope.model.ManagementInstanceId) return next();
        if (recorded.sourceGroupId && recorded.sourceGroupId !== scope.data.instanceGroupId) await revokeAccess(scope, cluster.SecurityGroup!, recorded.sourceGroupId);
        if (!scope.model.ManagementInstanceId) await scope.cloudhsm.send(new UntagResourceCommand({ ResourceId: scope.clusterId, TagKeyList: [INTERNAL_TAG.management] }));
        else await scope.cloudhsm.send(new TagResourceCommand({ ResourceId: scope.clusterId, TagList: [{ Key: INTERNAL_TAG.management, Value: scope.model.ManagementInstanceId }] }));
        scope.changed();
        return next();
    },
};
