/**
 * The management instance must exist, run in the cluster's VPC and answer SSM before a type relies on it.
 * Each problem is InvalidRequest naming the property; the answer is the instance's first security group.
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { isAwsError } from '../aws/error-table';
import { InvalidInputError } from '../engine/errors';

export async function checkManagementInstance(ec2: EC2Client, ssm: SSMClient, instanceId: string, vpcId: string | undefined, property = 'ManagementInstanceId'): Promise<string> {
    let instance;
    try {
        const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
        instance = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    } catch (err) {
        if (!isAwsError(err, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) throw err;
    }
    if (!instance || instance.State?.Name === 'terminated') throw new InvalidInputError(`${property}: instance ${instanceId} does not exist.`);
    if (instance.State?.Name !== 'running') throw new InvalidInputError(`${property}: instance ${instanceId} is ${instance.State?.Name}; start it and retry.`);
    if (vpcId && instance.VpcId !== vpcId) {
        throw new InvalidInputError(`${property}: instance ${instanceId} is in ${instance.VpcId}, not in the cluster's VPC ${vpcId}.`);
    }
    const groupId = instance.SecurityGroups?.[0]?.GroupId;
    if (!groupId) throw new InvalidInputError(`${property}: instance ${instanceId} has no security group to allow into the cluster.`);
    const info = await ssm.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: [instanceId] }] }));
    const online = info.InstanceInformationList?.some((i) => i.InstanceId === instanceId && i.PingStatus === 'Online');
    if (!online) {
        throw new InvalidInputError(
            `${property}: instance ${instanceId} is not managed by SSM (no online agent). Give it an instance profile with AmazonSSMManagedInstanceCore and a running SSM agent.`,
        );
    }
    return groupId;
}
