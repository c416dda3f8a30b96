/**
 * The in-place HSM type migration ("Migrating from hsm1.medium to hsm2m.medium"): ModifyCluster with HsmType
 * puts the whole cluster in MODIFY_IN_PROGRESS (its limited-write mode) and AWS replaces the HSMs one at a
 * time, taking a full backup of the cluster before each; a replacement keeps its ENI and IP address and takes
 * about 30 minutes. When a validation fails AWS stops and goes back to the former type (ROLLBACK_IN_PROGRESS).
 * The cluster can go back by hand for 24 hours after the start (HsmTypeRollbackExpiration).
 *
 * What the HSM list shows during one replacement is not documented. Here, as for the service's own
 * replacement of a failed HSM, the new HSM (new ID, same ENI and IP, the new type) is CREATE_IN_PROGRESS beside
 * the one it replaces, which goes once the new one is ACTIVE: a reader sees one HSM more meanwhile.
 */
import { ServiceContext } from '../server';
import { Cluster, Hsm } from '../state';
import { CloudHsmBackups } from './cloudhsm-backups';
import { newCloudHsmId } from './cloudhsm-rules';

const ROLLBACK_WINDOW_SECONDS = 24 * 3600;

export class HsmTypeMigrations {
    /** Clusters whose migration a test made fail at its next HSM, with the reason AWS would give. */
    private readonly failing = new Map<string, string>();

    constructor(
        private readonly ctx: ServiceContext,
        private readonly backups: CloudHsmBackups,
    ) {}

    start(cluster: Cluster, toType: string): void {
        const fromType = cluster.hsmType;
        cluster.state = 'MODIFY_IN_PROGRESS';
        cluster.stateMessage = `Migrating the cluster's HSMs from ${fromType} to ${toType}.`;
        const startedAt = this.ctx.clock.now() / 1000;
        const queue = cluster.hsms.filter((h) => h.state !== 'DELETE_IN_PROGRESS' && h.state !== 'DELETED').map((h) => h.hsmId);
        if (queue.length === 0) {
            // Nothing to replace: the type changes once the service has recorded it.
            this.ctx.scheduler.after(this.ctx.durations.clusterModifySeconds, () => this.step(cluster.clusterId, fromType, toType, queue, startedAt));
            return;
        }
        this.step(cluster.clusterId, fromType, toType, queue, startedAt);
    }

    /** A test's way to make the next HSM replacement fail its validation. */
    failNext(clusterId: string, reason: string): void {
        this.failing.set(clusterId, reason);
    }

    private step(clusterId: string, fromType: string, toType: string, queue: string[], startedAt: number): void {
        const cluster = this.ctx.state.clusters.get(clusterId);
        if (!cluster || cluster.state !== 'MODIFY_IN_PROGRESS') return;
        const failure = this.failing.get(clusterId);
        if (failure !== undefined) {
            this.failing.delete(clusterId);
            this.rollBack(cluster, fromType, toType, failure);
            return;
        }
        const hsmId = queue.shift();
        if (hsmId === undefined) {
            this.finish(cluster, toType, startedAt);
            return;
        }
        const old = cluster.hsms.find((h) => h.hsmId === hsmId);
        if (!old) {
            this.step(clusterId, fromType, toType, queue, startedAt);
            return;
        }
        this.backups.noteChanged(cluster);
        const replacement: Hsm = { ...old, hsmId: newCloudHsmId('hsm'), hsmType: toType, state: 'CREATE_IN_PROGRESS', stateMessage: `Replacing ${old.hsmId} with a ${toType} HSM.` };
        cluster.hsms.push(replacement);
        this.ctx.scheduler.after(this.ctx.durations.hsmTypeMigrationSecondsPerHsm, () => {
            if (cluster.state !== 'MODIFY_IN_PROGRESS' || replacement.state !== 'CREATE_IN_PROGRESS') return;
            replacement.state = 'ACTIVE';
            replacement.stateMessage = 'HSM created.';
            for (const user of cluster.users) user.hsmIds = user.hsmIds.map((id) => (id === old.hsmId ? replacement.hsmId : id));
            cluster.hsms = cluster.hsms.filter((h) => h !== old);
            old.state = 'DELETED';
            this.step(clusterId, fromType, toType, queue, startedAt);
        });
    }

    private finish(cluster: Cluster, toType: string, startedAt: number): void {
        cluster.hsmType = toType;
        for (const hsm of cluster.hsms) delete hsm.hsmType;
        cluster.hsmTypeRollbackExpiration = startedAt + ROLLBACK_WINDOW_SECONDS;
        cluster.state = 'ACTIVE';
        cluster.stateMessage = '';
        this.backups.noteChanged(cluster);
    }

    private rollBack(cluster: Cluster, fromType: string, toType: string, reason: string): void {
        cluster.state = 'ROLLBACK_IN_PROGRESS';
        cluster.stateMessage = `The migration to ${toType} failed and is being rolled back: ${reason}`;
        // A replacement under way is abandoned; those already done go back to the former type.
        cluster.hsms = cluster.hsms.filter((h) => !(h.state === 'CREATE_IN_PROGRESS' && h.hsmType === toType));
        this.ctx.scheduler.after(this.ctx.durations.hsmTypeRollbackSeconds, () => {
            if (cluster.state !== 'ROLLBACK_IN_PROGRESS') return;
            for (const hsm of cluster.hsms) delete hsm.hsmType;
            cluster.state = 'ACTIVE';
            cluster.stateMessage = `The migration from ${fromType} to ${toType} was rolled back: ${reason}`;
        });
    }
}
