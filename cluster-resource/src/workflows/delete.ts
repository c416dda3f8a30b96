import { Workflow } from '../../../shared/engine/workflow';
import {
    awaitClusterDeleted,
    awaitClusterSettled,
    awaitHsmsDeleted,
    deleteCluster,
    deleteHsms,
    deleteSecrets,
    requireCluster,
    revokeInstanceAccess,
} from '../steps/delete';
import { refuseWhileKeyStoreUsesCluster } from '../steps/key-store-check';
import { ClusterScope } from './scope';

export const deleteWorkflow: Workflow<ClusterScope> = {
    name: 'delete-cluster',
    steps: [requireCluster, refuseWhileKeyStoreUsesCluster, awaitClusterSettled, deleteHsms, awaitHsmsDeleted, revokeInstanceAccess, deleteSecrets, deleteCluster, awaitClusterDeleted],
};
