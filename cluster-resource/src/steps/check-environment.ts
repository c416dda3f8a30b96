/**
 * Checks that need AWS but create nothing: the subnets (and their network: check-network.ts), the management
 * instance, the source backup and the source secrets named with it.
 * Each problem becomes InvalidRequest naming the property, before the cluster exists.
 */
import { DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { checkManagementInstance as checkInstance } from '../../../shared/finders/management-instance';
import { isAwsError } from '../../../shared/aws/error-table';
import { InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { ClusterScope } from '../workflows/scope';
import { checkNetwork } from './check-network';
import { checkSourceSecrets } from './secrets';

export const checkSubnetsAndBackup: Step<ClusterScope> = {
    name: 'check-subnets-and-backup',
    run: async (scope) => {
        const vpcId = await checkSubnets(scope, scope.model.SubnetIds ?? []);
        if (scope.model.SourceBackupId) await checkSourceBackup(scope, scope.model.SourceBackupId);
        if (scope.model.ManagementInstanceId) scope.data.instanceGroupId = await checkManagementInstance(scope, scope.model.ManagementInstanceId, vpcId);
        return next();
    },
};

async function checkSubnets(scope: ClusterScope, subnetIds: string[]): Promise<string> {
    let subnets;
    try {
        subnets = (await scope.ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
    } catch (err) {
        if (isAwsError(err, 'InvalidSubnetID.NotFound', 'InvalidSubnetID.Malformed')) {
            throw new InvalidInputError(`SubnetIds: ${(err as Error).message} Give subnets that exist in this account and region.`);
        }
        throw err;
    }
    const vpcs = new Set(subnets.map((s) => s.VpcId));
    if (vpcs.size > 1) throw new InvalidInputError(`SubnetIds: the subnets are in different VPCs (${[...vpcs].join(', ')}); a cluster's subnets must share one VPC.`);
    const byAz = new Map<string, string[]>();
    for (const s of subnets) byAz.set(s.AvailabilityZone!, [...(byAz.get(s.AvailabilityZone!) ?? []), s.SubnetId!]);
    const crowded = [...byAz].filter(([, ids]) => ids.length > 1);
    if (crowded.length) {
        const detail = crowded.map(([az, ids]) => `${ids.join(' and ')} are both in ${az}`).join('; ');
        throw new InvalidInputError(`SubnetIds: ${detail}. Give one subnet per Availability Zone.`);
    }
    await checkNetwork(scope, subnets);
    return [...vpcs][0]!;
}

/** Checks the backup, and the source secrets named beside it against the backup's cluster. */
async function checkSourceBackup(scope: ClusterScope, backupId: string): Promise<void> {
    const backups = (await scope.cloudhsm.send(new DescribeBackupsCommand({ Filters: { backupIds: [backupId] } }))).Backups ?? [];
    const backup = backups.find((b) => b.BackupId === backupId);
    if (!backup || backup.BackupState === 'DELETED') throw new InvalidInputError(`SourceBackupId: backup ${backupId} does not exist in this region.`);
    if (backup.BackupState !== 'READY') {
        throw new InvalidInputError(`SourceBackupId: backup ${backupId} is ${backup.BackupState}; only a READY backup can be restored (restore a PENDING_DELETION backup first).`);
    }
    await checkSourceSecrets(scope, backup.ClusterId!);
}

/** The instance exists, runs in the cluster's VPC and answers SSM; returns its first security group. */
export const checkManagementInstance = (scope: ClusterScope, instanceId: string, vpcId: string | undefined): Promise<string> =>
    checkInstance(scope.ec2, scope.ssm, instanceId, vpcId);
