/**
 * Checks before anything is created or changed: the cluster is ready for KMS, the management instance
 * answers SSM, and the admin secret exists. Each problem is InvalidRequest naming the property.
 */
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../../../shared/aws/error-table';
import { InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { findCluster, FoundCluster } from '../../../shared/finders/clusters';
import { checkManagementInstance } from '../../../shared/finders/management-instance';
import { KeyStoreScope } from '../workflows/scope';

/** KMS needs an ACTIVE cluster with at least two ACTIVE HSMs in different Availability Zones. */
export async function readyCluster(scope: KeyStoreScope, clusterId: string): Promise<FoundCluster> {
    const cluster = await findCluster(scope.cloudhsm, clusterId);
    if (!cluster) throw new InvalidInputError(`ClusterId: cluster ${clusterId} does not exist in this region.`);
    if (cluster.State !== 'ACTIVE') {
        throw new InvalidInputError(`ClusterId: cluster ${clusterId} is ${cluster.State}; a key store needs an ACTIVE (initialized and activated) cluster.`);
    }
    const activeAzs = new Set((cluster.Hsms ?? []).filter((h) => h.State === 'ACTIVE').map((h) => h.AvailabilityZone));
    if (activeAzs.size < 2) {
        const count = (cluster.Hsms ?? []).filter((h) => h.State === 'ACTIVE').length;
        throw new InvalidInputError(
            `ClusterId: cluster ${clusterId} has ${count} ACTIVE HSM(s) in ${activeAzs.size} Availability Zone(s); a key store needs at least 2 ACTIVE HSMs in different Availability Zones (two subnets with HsmsPerSubnet of 1 or more).`,
        );
    }
    return cluster;
}

export const checkInputs: Step<KeyStoreScope> = {
    name: 'check-inputs',
    run: async (scope) => {
        const cluster = await readyCluster(scope, scope.model.ClusterId!);
        await checkManagementInstance(scope.ec2, scope.ssm, scope.model.ManagementInstanceId!, cluster.VpcId);
        try {
            const admin = await scope.secrets.send(new DescribeSecretCommand({ SecretId: scope.model.AdminSecretArn }));
            if (admin.DeletedDate) throw new InvalidInputError(`AdminSecretArn: secret ${scope.model.AdminSecretArn} is scheduled for deletion.`);
        } catch (err) {
            if (isAwsError(err, 'ResourceNotFoundException')) throw new InvalidInputError(`AdminSecretArn: secret ${scope.model.AdminSecretArn} does not exist.`);
            throw err;
        }
        return next();
    },
};
