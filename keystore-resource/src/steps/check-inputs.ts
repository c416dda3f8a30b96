/**
 * Checks before anything is created or changed: the cluster is ready for KMS, the management instance
 * answers SSM in its VPC, and the admin secret is that cluster's. Each problem is InvalidRequest naming the property.
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

/** The cluster type tags every secret it makes with the cluster's ID (cluster-resource secrets.ts secretTags). */
export const CLUSTER_ID_TAG = 'cloudhsm-type:cluster-id';

/**
 * What a kmsuser script is sent to and reads, checked before every create or update that sends one: the
 * instance runs it with its own role and reads the admin password, so it must be a running, SSM-managed
 * instance in the cluster's VPC; and the admin secret must be that cluster's, as its cluster ID tag says
 * (nothing else ties an ARN to a cluster).
 */
export async function checkScriptTarget(scope: KeyStoreScope, cluster: FoundCluster): Promise<void> {
    await checkManagementInstance(scope.ec2, scope.ssm, scope.model.ManagementInstanceId!, cluster.VpcId);
    const arn = scope.model.AdminSecretArn!;
    let admin;
    try {
        admin = await scope.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) throw new InvalidInputError(`AdminSecretArn: secret ${arn} does not exist.`);
        throw err;
    }
    if (admin.DeletedDate) throw new InvalidInputError(`AdminSecretArn: secret ${arn} is scheduled for deletion.`);
    const tagged = admin.Tags?.find((t) => t.Key === CLUSTER_ID_TAG)?.Value;
    if (tagged !== cluster.ClusterId) {
        throw new InvalidInputError(
            `AdminSecretArn: secret ${arn} is not the admin secret of cluster ${cluster.ClusterId}: it must carry the tag ${CLUSTER_ID_TAG}=${cluster.ClusterId} (${tagged === undefined ? 'it has no such tag' : `it says ${tagged}`}). Give the cluster's AdminSecretArn attribute, or tag your own admin secret so.`,
        );
    }
}

export const checkInputs: Step<KeyStoreScope> = {
    name: 'check-inputs',
    run: async (scope) => {
        await checkScriptTarget(scope, await readyCluster(scope, scope.model.ClusterId!));
        return next();
    },
};
