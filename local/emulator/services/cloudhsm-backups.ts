/**
 * CloudHSM backups: taken by the service itself after changes to an initialized cluster and at least once a
 * day, kept for the cluster's retention period (never the cluster's last one), restorable for a while after
 * DeleteBackup. A backup holds what a restored cluster starts with: users, certificates, key, hsm type, mode.
 */
import { ServiceContext } from '../server';
import { Backup, BackupState, Cluster } from '../state';
import {
    creationKey,
    invalidRequest,
    newCloudHsmId,
    pageOf,
    pageSizeFrom,
    requireString,
    resourceNotFound,
} from './cloudhsm-rules';
import { wireBackup } from './cloudhsm-wire';

const maximumBackupsPerPage = 50;
const backupFilterKeys = ['backupIds', 'sourceBackupIds', 'clusterIds', 'states', 'neverExpires'];

/** Clusters whose users and key exist: initialized (or restored) and not still being created. */
function holdsKeys(cluster: Cluster): boolean {
    if (!cluster.pki?.clusterCertificatePem) return false;
    return !['CREATE_IN_PROGRESS', 'UNINITIALIZED', 'INITIALIZE_IN_PROGRESS'].includes(cluster.state);
}

export function lineageOf(cluster: Cluster): string {
    return cluster.lineage ?? cluster.clusterId;
}

export class CloudHsmBackups {
    /** At most one backup per cluster is being taken; a change meanwhile is caught by a follow-up backup. */
    private readonly inFlightByCluster = new Map<string, string>();
    /** Clusters changed since the snapshot of their latest backup was taken. */
    private readonly changedSinceSnapshot = new Set<string>();

    constructor(private readonly ctx: ServiceContext) {}

    noteChanged(cluster: Cluster): void {
        if (!holdsKeys(cluster)) return;
        this.changedSinceSnapshot.add(cluster.clusterId);
        if (!this.inFlightByCluster.has(cluster.clusterId)) this.start(cluster);
    }

    /** DeleteCluster: AWS keeps a backup of the cluster's last state so that it can be restored. */
    takeFinalBackup(cluster: Cluster): void {
        const hasBackup = [...this.ctx.state.backups.values()].some((b) => b.clusterId === cluster.clusterId);
        if (this.changedSinceSnapshot.has(cluster.clusterId) || !hasBackup) this.noteChanged(cluster);
    }

    /**
     * `startedAtMs` is when the backup was due, which can lie before now when the clock jumped past it: dating
     * the chain of daily backups from due times keeps their cadence whatever steps the clock advances by.
     */
    private start(cluster: Cluster, startedAtMs = this.ctx.clock.now()): void {
        const backup: Backup = {
            backupId: newCloudHsmId('backup'),
            clusterId: cluster.clusterId,
            state: 'CREATE_IN_PROGRESS',
            createTimestamp: startedAtMs / 1000,
            hsmType: cluster.hsmType,
            mode: cluster.mode,
            neverExpires: false,
            tags: {},
            users: cluster.users.map(({ hsmIds: _hsmIds, ...user }) => ({ ...user })),
            keys: (cluster.keys ?? []).map(({ hsmIds: _hsmIds, ...key }) => ({ ...key })),
            trustAnchorPem: cluster.pki?.trustAnchorPem,
            clusterCertificatePem: cluster.pki?.clusterCertificatePem,
            clusterPublicKeyPem: cluster.pki?.publicKeyPem,
            clusterCsrPem: cluster.pki?.csrPem,
            lineage: lineageOf(cluster),
        };
        this.ctx.state.backups.set(backup.backupId, backup);
        this.inFlightByCluster.set(cluster.clusterId, backup.backupId);
        this.changedSinceSnapshot.delete(cluster.clusterId);
        this.at(startedAtMs + this.ctx.durations.backupCreateSeconds * 1000, () => this.complete(backup.backupId));
    }

    private at(dueAtMs: number, run: () => void): void {
        this.ctx.scheduler.after(Math.max(0, (dueAtMs - this.ctx.clock.now()) / 1000), run);
    }

    private complete(backupId: string): void {
        const backup = this.ctx.state.backups.get(backupId);
        if (!backup) return;
        if (backup.state === 'CREATE_IN_PROGRESS') backup.state = 'READY';
        this.inFlightByCluster.delete(backup.clusterId);
        const completedAtMs = (backup.createTimestamp + this.ctx.durations.backupCreateSeconds) * 1000;
        const cluster = this.ctx.state.clusters.get(backup.clusterId);
        if (cluster && this.changedSinceSnapshot.has(cluster.clusterId)) this.start(cluster);
        this.expireOldBackups(backup.clusterId, completedAtMs);
        const dailyDueAtMs = completedAtMs + this.ctx.durations.backupIntervalSeconds * 1000;
        this.at(dailyDueAtMs, () => this.takeDailyBackup(backupId, dailyDueAtMs));
    }

    private takeDailyBackup(previousBackupId: string, dueAtMs: number): void {
        const previous = this.ctx.state.backups.get(previousBackupId);
        const cluster = previous && this.ctx.state.clusters.get(previous.clusterId);
        if (!cluster || ['DELETE_IN_PROGRESS', 'DELETED'].includes(cluster.state)) return;
        const newer = this.backupsOf(cluster.clusterId).some((b) => b.createTimestamp > previous.createTimestamp);
        if (!newer && !this.inFlightByCluster.has(cluster.clusterId)) {
            this.changedSinceSnapshot.add(cluster.clusterId);
            this.start(cluster, dueAtMs);
        }
    }

    private expireOldBackups(clusterId: string, nowMs: number): void {
        const cluster = this.ctx.state.clusters.get(clusterId);
        if (!cluster) return;
        const ready = this.backupsOf(clusterId).filter((b) => b.state === 'READY');
        const latest = ready.reduce<Backup | undefined>((a, b) => (!a || b.createTimestamp > a.createTimestamp ? b : a), undefined);
        const oldestKeptSeconds = nowMs / 1000 - cluster.backupRetentionDays * 86400;
        for (const backup of ready) {
            if (backup === latest || backup.neverExpires) continue;
            if (backup.createTimestamp < oldestKeptSeconds) this.ctx.state.backups.delete(backup.backupId);
        }
    }

    private backupsOf(clusterId: string): Backup[] {
        return [...this.ctx.state.backups.values()].filter((b) => b.clusterId === clusterId);
    }

    /** Resolves a backup ID or ARN. */
    find(idOrArn: string): Backup {
        const backupId = idOrArn.startsWith('arn:') ? idOrArn.slice(idOrArn.lastIndexOf('/') + 1) : idOrArn;
        const backup = this.ctx.state.backups.get(backupId);
        if (!backup || backup.state === 'DELETED') throw resourceNotFound(`The backup ${backupId} does not exist.`);
        return backup;
    }

    /** CreateCluster with SourceBackupId: the backup must exist and be READY. */
    findRestorable(idOrArn: string): Backup {
        const backup = this.find(idOrArn);
        if (backup.state !== 'READY') {
            throw invalidRequest(`The backup ${backup.backupId} is in state ${backup.state}; only READY backups can be restored.`);
        }
        return backup;
    }

    private wire(backup: Backup): Record<string, unknown> {
        return wireBackup(backup, this.ctx.state.region, this.ctx.state.accountId);
    }

    describe(input: any): unknown {
        const pageSize = pageSizeFrom(input, maximumBackupsPerPage);
        const filters: Record<string, unknown> = input?.Filters ?? {};
        for (const [key, values] of Object.entries(filters)) {
            if (!backupFilterKeys.includes(key)) {
                throw invalidRequest(`Invalid filter key '${key}'. Valid keys: ${backupFilterKeys.join(', ')}.`);
            }
            if (!Array.isArray(values)) throw invalidRequest(`The values of filter '${key}' must be a list.`);
        }
        const matches = (values: unknown, value: string | undefined) =>
            values === undefined || (value !== undefined && (values as string[]).includes(value));
        const ascending = input?.SortAscending === true;
        const backups = [...this.ctx.state.backups.values()]
            .filter((b) => b.state !== 'DELETED')
            .filter((b) => matches(filters.backupIds, b.backupId))
            .filter((b) => matches(filters.sourceBackupIds, b.sourceBackupId))
            .filter((b) => matches(filters.clusterIds, b.clusterId))
            .filter((b) => matches(filters.states, b.state))
            .filter((b) => matches(filters.neverExpires, String(b.neverExpires)))
            .sort((a, b) => compare(keyOfBackup(a), keyOfBackup(b)) * (ascending ? 1 : -1));
        const { page, nextToken } = pageOf(backups, keyOfBackup, pageSize, input?.NextToken, ascending);
        return { Backups: page.map((b) => this.wire(b)), ...(nextToken ? { NextToken: nextToken } : {}) };
    }

    delete(input: any): unknown {
        const backup = this.find(requireString(input, 'BackupId'));
        if (backup.state !== 'READY') {
            throw invalidRequest(`The backup ${backup.backupId} is in state ${backup.state} and cannot be deleted.`);
        }
        const purgeAfterSeconds = this.ctx.durations.backupPendingDeletionSeconds;
        backup.state = 'PENDING_DELETION';
        backup.deleteTimestamp = this.ctx.clock.now() / 1000 + purgeAfterSeconds;
        const deleteTimestamp = backup.deleteTimestamp;
        this.ctx.scheduler.after(purgeAfterSeconds, () => {
            if (backup.state === 'PENDING_DELETION' && backup.deleteTimestamp === deleteTimestamp) {
                backup.state = 'DELETED';
                this.ctx.state.backups.delete(backup.backupId);
            }
        });
        return { Backup: this.wire(backup) };
    }

    restore(input: any): unknown {
        const backup = this.find(requireString(input, 'BackupId'));
        if (backup.state !== 'PENDING_DELETION') {
            throw invalidRequest(
                `The backup ${backup.backupId} is in state ${backup.state}; only backups in PENDING_DELETION can be restored.`,
            );
        }
        backup.state = 'READY';
        backup.deleteTimestamp = undefined;
        return { Backup: this.wire(backup) };
    }

    modifyAttributes(input: any): unknown {
        const backup = this.find(requireString(input, 'BackupId'));
        if (typeof input?.NeverExpires !== 'boolean') throw invalidRequest('Missing required parameter NeverExpires.');
        const changeable: BackupState[] = ['READY', 'CREATE_IN_PROGRESS'];
        if (!changeable.includes(backup.state)) {
            throw invalidRequest(`The backup ${backup.backupId} is in state ${backup.state} and cannot be modified.`);
        }
        backup.neverExpires = input.NeverExpires;
        return { Backup: this.wire(backup) };
    }
}

function keyOfBackup(backup: Backup): string {
    return creationKey(backup.createTimestamp, backup.backupId);
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
