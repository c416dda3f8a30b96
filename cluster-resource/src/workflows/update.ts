import { Workflow } from '../../../shared/engine/workflow';
import { awaitCommand } from '../../../shared/ssm/await-command';
import { activateCluster, awaitClusterActive, configureInstance } from '../steps/activate';
import { changeAdminPassword, promoteAdminPassword, recordAdminPasswordVersion, storePendingAdminPassword } from '../steps/admin-password';
import { alignHsms, awaitHsms, createFirstHsm } from '../steps/hsms';
import { awaitInitialized, initializeCluster, stopForExternalCertificate } from '../steps/initialize';
import { awaitHsmTypeMigration, migrateHsmType } from '../steps/hsm-type';
import { copyImportedSecret } from '../steps/imported-cluster';
import { allowInstanceAccess } from '../steps/instance-access';
import { registerTrustAnchors, updatesTrustAnchors } from '../steps/mtls';
import { checkUpdate, modifyBackupRetention, revokePreviousInstanceAccess, syncTags } from '../steps/update';
import { ClusterScope } from './scope';

/**
 * Every update path in one order: for an imported cluster, the copies of its owner's secrets first (what the
 * rest may need); settings, then the HSM type migration (the cluster takes no HSM or
 * user changes until it is done), then access for a new instance, then the work an EXTERNAL cluster deferred
 * (initialize, activate), then the HSM count, and last the admin password rotation and the mTLS trust anchors (they need the HSMs, and
 * the anchors the admin password the rotation left).
 * Steps with nothing to do pass at once.
 */
export const updateWorkflow: Workflow<ClusterScope> = {
    name: 'update-cluster',
    steps: [
        checkUpdate,
        ...copyImportedSecret('trust-anchor'),
        ...copyImportedSecret('admin-credentials'),
        modifyBackupRetention,
        syncTags,
        migrateHsmType,
        awaitHsmTypeMigration,
        revokePreviousInstanceAccess,
        allowInstanceAccess,
        createFirstHsm,
        stopForExternalCertificate,
        initializeCluster,
        awaitInitialized,
        configureInstance,
        awaitCommand<ClusterScope>('await-configuration'),
        activateCluster,
        awaitCommand<ClusterScope>('await-activation'),
        awaitClusterActive,
        alignHsms,
        awaitHsms('await-hsms-aligned'),
        storePendingAdminPassword,
        changeAdminPassword,
        awaitCommand<ClusterScope>('await-admin-password'),
        promoteAdminPassword,
        recordAdminPasswordVersion,
        registerTrustAnchors(updatesTrustAnchors),
        awaitCommand<ClusterScope>('await-trust-anchors'),
    ],
};
