import { Workflow } from '../../../shared/engine/workflow';
import { awaitCommand } from '../../../shared/ssm/await-command';
import { activateCluster, awaitClusterActive, configureInstance } from '../steps/activate';
import { alignHsms, awaitHsms, createFirstHsm } from '../steps/hsms';
import { awaitInitialized, initializeCluster, stopForExternalCertificate } from '../steps/initialize';
import { allowInstanceAccess } from '../steps/instance-access';
import { checkUpdate, modifyBackupRetention, revokePreviousInstanceAccess, syncTags } from '../steps/update';
import { ClusterScope } from './scope';

/**
 * Every update path in one order: settings first, then access for a new instance, then the work an EXTERNAL
 * cluster deferred (initialize, activate), then the HSM count. Steps with nothing to do pass at once.
 */
export const updateWorkflow: Workflow<ClusterScope> = {
    name: 'update-cluster',
    steps: [
        checkUpdate,
        modifyBackupRetention,
        syncTags,
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
    ],
};
