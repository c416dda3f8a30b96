/**
 * Network access from the management instance to the HSMs: an inbound rule on the cluster's security group
 * (TCP 2223-2225) from the instance's group. The group that was allowed is kept in the cluster's management
 * tag, so the rule can be removed later even if the instance is gone.
 */
import { TagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { AuthorizeSecurityGroupIngressCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { isAwsError } from '../../../shared/aws/error-table';
import { next, Step } from '../../../shared/engine/workflow';
import { formatManagement, INTERNAL_TAG, Management, parseManagement, tagValue } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { checkManagementInstance } from './check-environment';

const HSM_PORTS = { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225 };

export const allowInstanceAccess: Step<ClusterScope> = {
    name: 'allow-instance-access',
    when: (scope) => !!scope.model.ManagementInstanceId,
    run: async (scope) => {
        const cluster = await scope.cluster();
        const instanceId = scope.model.ManagementInstanceId!;
        const recorded = parseManagement(tagValue(cluster, INTERNAL_TAG.management));
        if (recorded?.instanceId === instanceId && recorded.sourceGroupId) return next();
        const sourceGroupId = scope.data.instanceGroupId ?? (await checkManagementInstance(scope, instanceId, cluster.VpcId));
        try {
            await scope.ec2.send(
                new AuthorizeSecurityGroupIngressCommand({
                    GroupId: cluster.SecurityGroup,
                    IpPermissions: [{ ...HSM_PORTS, UserIdGroupPairs: [{ GroupId: sourceGroupId, Description: `CloudHSM management from ${instanceId}` }] }],
                }),
            );
        } catch (err) {
            if (!isAwsError(err, 'InvalidPermission.Duplicate')) throw err;
        }
        await recordManagement(scope, { instanceId, sourceGroupId });
        return next();
    },
};

export async function recordManagement(scope: ClusterScope, management: Management): Promise<void> {
    await scope.cloudhsm.send(
        new TagResourceCommand({ ResourceId: scope.clusterId, TagList: [{ Key: INTERNAL_TAG.management, Value: formatManagement(management) }] }),
    );
    scope.changed();
}

/** Removes the rule for a group the type allowed; a rule already gone is fine. */
export async function revokeAccess(scope: ClusterScope, clusterSecurityGroup: string, sourceGroupId: string): Promise<void> {
    try {
        await scope.ec2.send(
            new RevokeSecurityGroupIngressCommand({
                GroupId: clusterSecurityGroup,
                IpPermissions: [{ ...HSM_PORTS, UserIdGroupPairs: [{ GroupId: sourceGroupId }] }],
            }),
        );
    } catch (err) {
        if (!isAwsError(err, 'InvalidPermission.NotFound', 'InvalidGroup.NotFound')) throw err;
    }
}
