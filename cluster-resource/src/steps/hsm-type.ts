/**
 * The in-place HSM type migration, hsm1.medium → hsm2m.medium ("Migrating from hsm1.medium to hsm2m.medium"):
 * one ModifyCluster, then the cluster stays MODIFY_IN_PROGRESS (limited-write mode: no HSM or user changes)
 * while AWS replaces its HSMs one at a time, about 30 minutes each, keeping their IP addresses. A failed
 * validation makes AWS roll the cluster back to hsm1.medium (ROLLBACK_IN_PROGRESS, then ACTIVE).
 *
 * ModifyCluster takes no client token: whether an earlier attempt started the migration is read from the
 * cluster (its state and type), never from this request's memory.
 */
import { ModifyClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import type { CurrentModifyClusterInput } from '../../../shared/aws/cloudhsm-wire';
import { HandlerError, TerminalStateError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { next, Step, wait } from '../../../shared/engine/workflow';
import { ApiCluster, withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { keyStoresOf } from './key-store-check';

/** The only change of HSM type CloudHSM makes in place. */
const MIGRATIONS: Record<string, string> = { 'hsm1.medium': 'hsm2m.medium' };
const MIGRATING_STATES = ['MODIFY_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS'];

/**
 * For check-update: whether the update migrates the cluster, refusing (before anything changes) a change of
 * type CloudHSM cannot make, and a migration while a KMS key store is connected to the cluster.
 */
export async function checkHsmTypeChange(scope: ClusterScope, cluster: ApiCluster): Promise<void> {
    const desired = withDefaults(scope.model).HsmType;
    const previous = withDefaults(scope.previous ?? scope.model).HsmType;
    const current = cluster.HsmType ?? previous;
    if (desired === current) return;
    if (MIGRATIONS[current] !== desired) {
        throw new HandlerError(
            HandlerErrorCode.NotUpdatable,
            `HsmType cannot change from ${current} to ${desired}: CloudHSM migrates a cluster in place only from hsm1.medium to hsm2m.medium, and hsm1.medium is at end of support. ` +
                `Keep HsmType ${current}, or replace the cluster (a new logical ID) to get another type.`,
        );
    }
    if (cluster.State !== 'ACTIVE' && !MIGRATING_STATES.includes(cluster.State ?? '')) {
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `HsmType: cluster ${scope.clusterId} is ${cluster.State}; CloudHSM migrates only an ACTIVE cluster to ${desired}. Retry when it is ACTIVE.`,
        );
    }
    const connected = (await keyStoresOf(scope, scope.clusterId)).filter((s) => s.ConnectionState !== 'DISCONNECTED');
    if (connected.length) {
        const named = connected.map((s) => `${s.CustomKeyStoreName} (${s.CustomKeyStoreId}, ${s.ConnectionState})`).join(', ');
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `HsmType: KMS key store ${named} is connected to cluster ${scope.clusterId}. During the migration the cluster takes no writes (limited-write mode), and AWS warns that KMS key stores may not support hsm2m.medium clusters: ` +
                'disconnect the key store (DesiredConnectionState DISCONNECTED), migrate, and check that it reconnects. Nothing was changed.',
        );
    }
    scope.data.migrateHsmTypeTo = desired;
}

export const migrateHsmType: Step<ClusterScope> = {
    name: 'migrate-hsm-type',
    when: (scope) => !!scope.data.migrateHsmTypeTo,
    run: async (scope) => {
        const cluster = await scope.cluster();
        if (cluster.HsmType === scope.data.migrateHsmTypeTo || MIGRATING_STATES.includes(cluster.State ?? '')) return next();
        const input: CurrentModifyClusterInput = { ClusterId: scope.clusterId, HsmType: scope.data.migrateHsmTypeTo };
        await scope.cloudhsm.send(new ModifyClusterCommand(input as ConstructorParameters<typeof ModifyClusterCommand>[0]));
        scope.changed();
        return next();
    },
};

export const awaitHsmTypeMigration: Step<ClusterScope> = {
    name: 'await-hsm-type-migration',
    when: (scope) => !!scope.data.migrateHsmTypeTo,
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        const target = scope.data.migrateHsmTypeTo!;
        if (MIGRATING_STATES.includes(cluster.State ?? '')) {
            // A failed migration is only over once AWS has rolled the cluster back: then the stack's rollback finds it as it was.
            const what = cluster.State === 'ROLLBACK_IN_PROGRESS' ? 'rolled back' : `migrated to ${target}`;
            return wait(nextLookSeconds(SCHEDULES.hsmTypeMigration, progress.waitedSeconds), `Cluster ${scope.clusterId} is being ${what}, one HSM at a time`, SCHEDULES.hsmTypeMigration.timeoutSeconds);
        }
        if (cluster.State === 'ACTIVE' && cluster.HsmType === target) {
            delete scope.data.migrateHsmTypeTo;
            return next();
        }
        throw new TerminalStateError(
            `HsmType: the migration of cluster ${scope.clusterId} to ${target} did not complete; the cluster is ${cluster.State} with HSM type ${cluster.HsmType}: ${cluster.StateMessage || 'no reason given'}. ` +
                'Check the prerequisites in "Migrating from hsm1.medium to hsm2m.medium", then update again.',
        );
    },
};
