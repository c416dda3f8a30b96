/**
 * How long the emulated services take, in emulated seconds. AWS publishes few of these; the defaults are the
 * "typical" figures of reference/aws-behaviour.md, and every test or run may override them.
 */
export interface Durations {
    clusterCreateSeconds: number;
    clusterRestoreSeconds: number;
    clusterInitializeSeconds: number;
    clusterDeleteSeconds: number;
    clusterModifySeconds: number;
    hsmCreateSeconds: number;
    /** An hsm1.medium → hsm2m.medium migration replaces the HSMs one at a time, each taking this long. */
    hsmTypeMigrationSecondsPerHsm: number;
    /** A migration that fails goes back to the former HSM type (ROLLBACK_IN_PROGRESS) in this long. */
    hsmTypeRollbackSeconds: number;
    hsmDeleteSeconds: number;
    backupCreateSeconds: number;
    /** CloudHSM takes a backup of every initialized cluster at least this often. */
    backupIntervalSeconds: number;
    /** A deleted backup stays restorable (PENDING_DELETION) this long before it is purged. */
    backupPendingDeletionSeconds: number;
    /** DescribeClusters keeps listing a DELETED cluster this long before it disappears. */
    deletedClusterVisibleSeconds: number;
    /** GetCommandInvocation answers InvocationDoesNotExist until this long after SendCommand. */
    commandVisibleAfterSeconds: number;
    /** A Run Command invocation takes at least this long (agent pickup, script start). */
    commandMinimumSeconds: number;
    keyStoreConnectSeconds: number;
    keyStoreDisconnectSeconds: number;
    /** TerminateInstances: shutting-down → terminated. */
    instanceTerminateSeconds: number;
}

export const defaultDurations: Durations = {
    clusterCreateSeconds: 240,
    clusterRestoreSeconds: 480,
    clusterInitializeSeconds: 210,
    clusterDeleteSeconds: 60,
    clusterModifySeconds: 5,
    hsmCreateSeconds: 420,
    hsmTypeMigrationSecondsPerHsm: 1800,
    hsmTypeRollbackSeconds: 1800,
    hsmDeleteSeconds: 120,
    backupCreateSeconds: 90,
    backupIntervalSeconds: 24 * 3600,
    backupPendingDeletionSeconds: 7 * 24 * 3600,
    deletedClusterVisibleSeconds: 3600,
    commandVisibleAfterSeconds: 1,
    commandMinimumSeconds: 3,
    keyStoreConnectSeconds: 300,
    keyStoreDisconnectSeconds: 30,
    instanceTerminateSeconds: 60,
};
