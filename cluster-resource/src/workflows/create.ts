import { Workflow } from '../../../shared/engine/workflow';
import { awaitCommand } from '../../../shared/ssm/await-command';
import { activateCluster, awaitClusterActive } from '../steps/activate';
import { checkSubnetsAndBackup } from '../steps/check-environment';
import { awaitClusterCreated, createCluster } from '../steps/create-cluster';
import { alignHsms, awaitHsms, createFirstHsm } from '../steps/hsms';
import { awaitInitialized, destroyCaPrivateKey, initializeCluster, stopForExternalCertificate } from '../steps/initialize';
import { allowInstanceAccess } from '../steps/instance-access';
import { createsTrustAnchors, registerTrustAnchors } from '../steps/mtls';
import { copySourceSecrets, createCertificateAuthority, storeAdminCredentials } from '../steps/secrets';
import { ClusterScope } from './scope';

/** From nothing to an ACTIVE cluster with its HSMs (a restored cluster skips certificate and activation). */
export const createWorkflow: Workflow<ClusterScope> = {
    name: 'create-cluster',
    steps: [
        checkSubnetsAndBackup,
        createCluster,
        awaitClusterCreated,
        storeAdminCredentials,
        createCertificateAuthority,
        copySourceSecrets,
        createFirstHsm,
        awaitHsms('await-first-hsm'),
        allowInstanceAccess,
        stopForExternalCertificate,
        initializeCluster,
        awaitInitialized,
        destroyCaPrivateKey,
        activateCluster,
        awaitCommand<ClusterScope>('await-activation'),
        awaitClusterActive,
        registerTrustAnchors(createsTrustAnchors),
        awaitCommand<ClusterScope>('await-trust-anchors'),
        alignHsms,
        awaitHsms('await-hsms-aligned'),
    ],
};
