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
import { ClusterScope } from './scope';

export const deleteWorkflow: Workflow<ClusterScope> = {
    name: 'delete-cluster',
    steps: [requireCluster, awaitClusterSettled, deleteHsms, awaitHsmsDeleted, revokeInstanceAccess, deleteSecrets, deleteCluster, awaitClusterDeleted],
};
