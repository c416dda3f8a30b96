/**
 * Taking a cluster down from whatever state it is in: let in-flight work settle, remove the HSMs, the
 * security-group rule and the secrets that must not outlive the cluster, then the cluster itself.
 *
 * Kept on purpose: the admin credentials and trust anchor secrets of a cluster that has backups, because a
 * cluster restored from those backups has the same admin password and needs the same customerCA.crt.
 */
import { DeleteClusterCommand, DeleteHsmCommand, DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { NotFoundError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { next, repeat, Step, wait } from '../../../shared/engine/workflow';
import { destroySecret } from '../../../shared/secrets/secrets';
import { INTERNAL_TAG, isLiveHsm, madeByType, parseManagement, secretNames, tagValue } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { checkImportedDelete } from './imported-cluster';
import { revokeAccess } from './instance-access';

const BUSY = new Set(['CREATE_IN_PROGRESS', 'INITIALIZE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'MODIFY_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);

/**
 * First invocation only: a cluster that is not there was never created or is already gone. One that is
 * already being deleted (a retried first invocation got as far as DeleteCluster) is carried on with. One the
 * type did not create goes only with its owner's consent (steps/imported-cluster.ts).
 */
export const requireCluster: Step<ClusterScope> = {
    name: 'require-cluster',
    run: async (scope) => {
        if (!scope.model.ClusterId) throw new NotFoundError('No ClusterId: there is no cluster to delete.');
        const cluster = await scope.cluster();
        if (!madeByType(cluster)) checkImportedDelete(scope, cluster);
        return next();
    },
};

export const awaitClusterSettled: Step<ClusterScope> = {
    name: 'await-cluster-settled',
    run: async (scope, progress) => {
        const cluster = await scope.clusterIfPresent();
        const busyHsms = (cluster?.Hsms ?? []).filter((h) => h.State === 'CREATE_IN_PROGRESS');
        if (cluster && (BUSY.has(cluster.State!) || busyHsms.length)) {
            const what = busyHsms.length ? `${busyHsms.length} HSM(s) being created` : cluster.State;
            return wait(nextLookSeconds(SCHEDULES.clusterSettle, progress.waitedSeconds), `Cluster ${scope.clusterId} must settle before deletion (${what})`, SCHEDULES.clusterSettle.timeoutSeconds);
        }
        return next();
    },
};

export const deleteHsms: Step<ClusterScope> = {
    name: 'delete-hsms',
    run: async (scope) => {
        const cluster = await scope.clusterIfPresent();
        const hsm = (cluster?.Hsms ?? []).find(isLiveHsm);
        if (!hsm) return next();
        await scope.cloudhsm.send(new DeleteHsmCommand({ ClusterId: scope.clusterId, HsmId: hsm.HsmId }));
        scope.changed();
        return repeat();
    },
};

export const awaitHsmsDeleted: Step<ClusterScope> = {
    name: 'await-hsms-deleted',
    run: async (scope, progress) => {
        const cluster = await scope.clusterIfPresent();
        const remaining = (cluster?.Hsms ?? []).filter((h) => h.State !== 'DELETED');
        if (!remaining.length) return next();
        return wait(nextLookSeconds(SCHEDULES.hsmDelete, progress.waitedSeconds), `Waiting for ${remaining.length} HSM(s) of ${scope.clusterId} to be deleted`, SCHEDULES.hsmDelete.timeoutSeconds);
    },
};

export const revokeInstanceAccess: Step<ClusterScope> = {
    name: 'revoke-instance-access',
    run: async (scope) => {
        const cluster = await scope.clusterIfPresent();
        const management = cluster && parseManagement(tagValue(cluster, INTERNAL_TAG.management));
        if (cluster?.SecurityGroup && management?.sourceGroupId) await revokeAccess(scope, cluster.SecurityGroup, management.sourceGroupId);
        return next();
    },
};

/**
 * An imported cluster's copies of its owner's secrets go with it, backups or not: the owner's own secrets,
 * which the type never changes, still serve a restore. Only the copies its tag records are the type's.
 */
export const deleteSecrets: Step<ClusterScope> = {
    name: 'delete-secrets',
    run: async (scope) => {
        const names = secretNames(scope.clusterId);
        const imported = scope.data.imported;
        if (imported) {
            if (imported.held.includes('admin-credentials')) await destroySecret(scope.secrets, names.admin);
            if (imported.held.includes('trust-anchor')) await destroySecret(scope.secrets, names.trustAnchor);
            return next();
        }
        await destroySecret(scope.secrets, names.caPrivateKey);
        const backups = await scope.cloudhsm.send(new DescribeBackupsCommand({ Filters: { clusterIds: [scope.clusterId] }, MaxResults: 1 }));
        if (!backups.Backups?.length) {
            await destroySecret(scope.secrets, names.admin);
            await destroySecret(scope.secrets, names.trustAnchor);
        }
        return next();
    },
};

export const deleteCluster: Step<ClusterScope> = {
    name: 'delete-cluster',
    run: async (scope) => {
        const cluster = await scope.clusterIfPresent();
        if (cluster && cluster.State !== 'DELETE_IN_PROGRESS') {
            await scope.cloudhsm.send(new DeleteClusterCommand({ ClusterId: scope.clusterId }));
            scope.changed();
        }
        return next();
    },
};

export const awaitClusterDeleted: Step<ClusterScope> = {
    name: 'await-cluster-deleted',
    run: async (scope, progress) => {
        const cluster = await scope.clusterIfPresent();
        if (!cluster) return next();
        return wait(nextLookSeconds(SCHEDULES.clusterDelete, progress.waitedSeconds), `Cluster ${scope.clusterId} is being deleted`, SCHEDULES.clusterDelete.timeoutSeconds);
    },
};
