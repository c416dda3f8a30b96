/**
 * Creating, removing and waiting for HSMs. The desired count is recomputed from the cluster each time, so a
 * retried step never creates an HSM twice. AWS replaces a failed HSM by itself (new HSM ID, same ENI): while
 * it does, a subnet can briefly hold one HSM more than asked, which is not drift. A park (0 HSMs) keeps the
 * HSMs' addresses for the grow-back (parked-addresses.ts).
 */
import { CreateHsmCommand, DeleteHsmCommand, DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { InvalidInputError, TerminalStateError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { next, repeat, Step, wait } from '../../../shared/engine/workflow';
import { hsmAlignment, isLiveHsm, withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { createHsmAtRememberedAddress, forgetAddresses, rememberAddresses } from './parked-addresses';

/**
 * A new cluster gets exactly one HSM before initialization: its CSR appears only then. An update runs it too:
 * an EXTERNAL cluster waiting for its certificate whose only HSM was deleted needs a new one (and so a new CSR).
 */
export const createFirstHsm: Step<ClusterScope> = {
    name: 'create-first-hsm',
    when: (scope) => !scope.model.SourceBackupId && !scope.data.imported,
    run: async (scope) => {
        const cluster = await scope.cluster();
        if (cluster.State !== 'UNINITIALIZED' || (cluster.Hsms ?? []).some(isLiveHsm)) return next();
        const firstAz = Object.entries(cluster.SubnetMapping ?? {}).find(([, subnet]) => subnet === scope.model.SubnetIds?.[0])?.[0];
        await scope.cloudhsm.send(new CreateHsmCommand({ ClusterId: scope.clusterId, AvailabilityZone: firstAz ?? Object.keys(cluster.SubnetMapping ?? {})[0] }));
        scope.changed();
        return next();
    },
};

/** Waits until no HSM is being created or deleted. A DEGRADED HSM fails the wait with the service's reason. */
export const awaitHsms = (name: string): Step<ClusterScope> => ({
    name,
    run: async (scope, progress) => {
        const hsms = (await scope.cluster()).Hsms ?? [];
        const degraded = hsms.find((h) => h.State === 'DEGRADED');
        if (degraded) {
            throw new TerminalStateError(`HSM ${degraded.HsmId} in ${degraded.AvailabilityZone} is DEGRADED: ${degraded.StateMessage || 'no reason given'}.`);
        }
        const creating = hsms.filter((h) => h.State === 'CREATE_IN_PROGRESS');
        if (creating.length) {
            return wait(
                nextLookSeconds(SCHEDULES.hsmCreate, progress.waitedSeconds),
                `Waiting for ${creating.length} HSM(s) of ${scope.clusterId} to become ACTIVE`,
                SCHEDULES.hsmCreate.timeoutSeconds,
            );
        }
        const deleting = hsms.filter((h) => h.State === 'DELETE_IN_PROGRESS');
        if (deleting.length) {
            return wait(
                nextLookSeconds(SCHEDULES.hsmDelete, progress.waitedSeconds),
                `Waiting for ${deleting.length} HSM(s) of ${scope.clusterId} to be deleted`,
                SCHEDULES.hsmDelete.timeoutSeconds,
            );
        }
        return next();
    },
});

/** One CreateHsm or DeleteHsm per run, repeated until every subnet holds HsmsPerSubnet live HSMs. */
export const alignHsms: Step<ClusterScope> = {
    name: 'align-hsms',
    run: async (scope) => {
        const cluster = await scope.cluster();
        // An uninitialized cluster may hold only its first HSM (EXTERNAL mode waiting for its certificate).
        if (cluster.State === 'UNINITIALIZED') return next();
        const hsmsPerSubnet = withDefaults(scope.model).HsmsPerSubnet;
        const { create, remove } = hsmAlignment(cluster, hsmsPerSubnet);
        if (create.length) {
            // A restored cluster's first HSMs come from SourceBackupId; later, an empty cluster grows from its own backups.
            if (scope.previous && !(cluster.Hsms ?? []).some(isLiveHsm)) await requireBackupToGrowFrom(scope);
            await createHsmAtRememberedAddress(scope, cluster, create[0]);
            scope.changed();
            return repeat();
        }
        if (remove.length) {
            if (hsmsPerSubnet === 0) await rememberAddresses(scope, cluster);
            await scope.cloudhsm.send(new DeleteHsmCommand({ ClusterId: scope.clusterId, HsmId: remove[0].HsmId }));
            scope.changed();
            return repeat();
        }
        if (hsmsPerSubnet > 0) await forgetAddresses(scope, cluster);
        return next();
    },
};

/** An HSM added to a cluster without HSMs is restored from the cluster's latest backup; there must be one. */
async function requireBackupToGrowFrom(scope: ClusterScope): Promise<void> {
    const backups = await scope.cloudhsm.send(new DescribeBackupsCommand({ Filters: { clusterIds: [scope.clusterId], states: ['READY'] }, MaxResults: 1 }));
    if (!backups.Backups?.length) {
        throw new InvalidInputError(`HsmsPerSubnet: cluster ${scope.clusterId} has no HSM and no READY backup to restore one from; wait for its backup to be READY, then retry.`);
    }
}
