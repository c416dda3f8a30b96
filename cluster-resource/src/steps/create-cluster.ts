/**
 * Creating the cluster. CreateCluster takes no client token, so the request's token goes into a tag and an
 * earlier attempt is looked for by that tag before creating.
 */
import { CreateClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import type { CreateClusterCommandInput } from '@aws-sdk/client-cloudhsm-v2';
import type { CurrentClusterMembers } from '../../../shared/aws/cloudhsm-wire';
import { TerminalStateError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { next, Step, wait } from '../../../shared/engine/workflow';
import { findClusterByTag } from '../../../shared/finders/clusters';
import { formatManagement, INTERNAL_TAG, requestTokenDigest, userTags, withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';

export const createCluster: Step<ClusterScope> = {
    name: 'create-cluster',
    run: async (scope) => {
        if (scope.data.clusterId) return next();
        const token = requestTokenDigest(scope.request.requestToken);
        const earlier = await findClusterByTag(scope.cloudhsm, INTERNAL_TAG.requestToken, token);
        if (earlier) {
            scope.adopt(earlier.ClusterId!);
            return next();
        }
        const model = scope.model;
        const settings = withDefaults(model);
        const internalTags = [
            { Key: INTERNAL_TAG.requestToken, Value: token },
            ...(model.SourceBackupId ? [] : [{ Key: INTERNAL_TAG.certificateAuthority, Value: settings.CertificateAuthority }]),
            ...(model.ManagementInstanceId ? [{ Key: INTERNAL_TAG.management, Value: formatManagement({ instanceId: model.ManagementInstanceId }) }] : []),
            ...(model.SecretsKmsKeyId ? [{ Key: INTERNAL_TAG.secretsKmsKey, Value: model.SecretsKmsKeyId }] : []),
        ];
        const input: CreateClusterCommandInput & CurrentClusterMembers = {
            HsmType: settings.HsmType,
            SubnetIds: model.SubnetIds,
            SourceBackupId: model.SourceBackupId,
            BackupRetentionPolicy: { Type: 'DAYS', Value: String(settings.BackupRetentionDays) },
            Mode: settings.Mode as CurrentClusterMembers['Mode'],
            NetworkType: settings.NetworkType as CurrentClusterMembers['NetworkType'],
            TagList: [...userTags(model, scope.request.stackTags), ...internalTags],
        };
        const created = await scope.cloudhsm.send(new CreateClusterCommand(input));
        scope.adopt(created.Cluster!.ClusterId!);
        scope.changed();
        return next();
    },
};

/** A new cluster waits for UNINITIALIZED; one restored from a backup goes straight to ACTIVE. */
export const awaitClusterCreated: Step<ClusterScope> = {
    name: 'await-cluster-created',
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        const restoring = !!scope.model.SourceBackupId;
        const schedule = restoring ? SCHEDULES.clusterRestore : SCHEDULES.clusterCreate;
        switch (cluster.State) {
            case 'CREATE_IN_PROGRESS':
                return wait(nextLookSeconds(schedule, progress.waitedSeconds), `Cluster ${scope.clusterId} is being created`, schedule.timeoutSeconds);
            case 'UNINITIALIZED':
            case 'ACTIVE':
                return next();
            default:
                throw new TerminalStateError(`Cluster ${scope.clusterId} went to ${cluster.State} while being created: ${cluster.StateMessage || 'no reason given'}.`);
        }
    },
};
