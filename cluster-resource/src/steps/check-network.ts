/**
 * Network checks before CreateCluster, on the subnets DescribeSubnets returned: every subnet is in an
 * Availability Zone where CloudHSM offers HSMs, and a DUALSTACK cluster's subnets all have an IPv6 CIDR block.
 * CreateCluster would refuse either, but only after the cluster was named; this says which subnet and what to
 * give instead.
 */
import type { Subnet } from '@aws-sdk/client-ec2';
import { DescribeVpcEndpointServicesCommand } from '@aws-sdk/client-ec2';
import { isAwsError } from '../../../shared/aws/error-table';
import { InvalidInputError } from '../../../shared/engine/errors';
import { withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';

/** CloudHSM's interface endpoint service is offered in exactly the AZs where it offers HSMs (the AWS sample's README checks AZs this way). */
export const cloudHsmEndpointService = (region: string) => `com.amazonaws.${region}.cloudhsmv2`;

export async function checkNetwork(scope: ClusterScope, subnets: Subnet[]): Promise<void> {
    await checkCloudHsmAvailabilityZones(scope, subnets);
    if (withDefaults(scope.model).NetworkType === 'DUALSTACK') checkDualStackSubnets(subnets);
}

async function checkCloudHsmAvailabilityZones(scope: ClusterScope, subnets: Subnet[]): Promise<void> {
    const serviceName = cloudHsmEndpointService(scope.request.region);
    let offered: string[];
    try {
        const answer = await scope.ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [serviceName] }));
        offered = answer.ServiceDetails?.find((s) => s.ServiceName === serviceName)?.AvailabilityZones ?? [];
    } catch (err) {
        // No endpoint service tells nothing about the AZs: CreateCluster has the last word then.
        if (isAwsError(err, 'InvalidServiceName')) {
            scope.logger.log(`${serviceName} is not an endpoint service here; the Availability Zones of the subnets were not checked.`);
            return;
        }
        throw err;
    }
    if (!offered.length) return;
    const outside = subnets.filter((s) => !offered.includes(s.AvailabilityZone!));
    if (outside.length) {
        const which = outside.map((s) => `${s.SubnetId} is in ${s.AvailabilityZone}`).join(', ');
        throw new InvalidInputError(
            `SubnetIds: ${which}, where CloudHSM offers no HSMs. CloudHSM is offered in ${[...offered].sort().join(', ')} of ${scope.request.region}: give subnets in those Availability Zones.`,
        );
    }
}

function checkDualStackSubnets(subnets: Subnet[]): void {
    const hasIpv6 = (s: Subnet) => (s.Ipv6CidrBlockAssociationSet ?? []).some((a) => a.Ipv6CidrBlockState?.State === 'associated');
    const ipv4Only = subnets.filter((s) => !hasIpv6(s)).map((s) => s.SubnetId!);
    if (ipv4Only.length) {
        throw new InvalidInputError(
            `NetworkType DUALSTACK: subnet${ipv4Only.length > 1 ? 's' : ''} ${ipv4Only.join(', ')} ${ipv4Only.length > 1 ? 'have' : 'has'} no IPv6 CIDR block. Associate an IPv6 CIDR block with every subnet of the cluster, or use NetworkType IPV4.`,
        );
    }
}
