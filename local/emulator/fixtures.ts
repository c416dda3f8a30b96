import { EmulatorState, Instance, SecurityGroup, Subnet } from './state';
import { newEc2Id } from './services/ec2-query';

/**
 * The network an account has before the product runs: what a customer brings (a VPC with private subnets in
 * three AZs and a management instance registered with SSM), plus the things tests need to go wrong with
 * (a subnet in another VPC, an instance that SSM cannot reach, a subnet without IPv6, an AZ where CloudHSM
 * offers no HSMs). IDs have the real long format, which the product validates.
 */
export interface NetworkFixture {
    vpcId: string;
    /**
     * Private subnets of `vpcId`, one per AZ: `<region>a`, `b`, `c`. Subnets a and b also have an IPv6 CIDR
     * block (what a DUALSTACK cluster needs); c is IPv4 only.
     */
    subnetIds: { a: string; b: string; c: string };
    /** A subnet of `vpcId` in `<region>d`, an AZ where CloudHSM offers no HSMs (as some AZs of real regions). */
    noCloudHsmSubnetId: string;
    otherVpcId: string;
    /** The one subnet of `otherVpcId`, in AZ `<region>a`. */
    otherVpcSubnetId: string;
    /** Running, SSM-managed, in subnet a, member of `managementSecurityGroupId` only. */
    managementInstanceId: string;
    managementSecurityGroupId: string;
    /** Running in subnet b but not registered with SSM (no agent, no instance profile). */
    unmanagedInstanceId: string;
    unmanagedSecurityGroupId: string;
}

export interface SeedNetworkOptions {
    /** Instance type of the instances created; defaults to t3.micro. */
    instanceType?: string;
    /** Launch time recorded on the instances; defaults to `Date.now()` (the shared clock where installed). */
    launchTimeMs?: number;
    /** The Client SDK 5 release of the CloudHSM CLI on the SSM-managed instances; defaults to DEFAULT_CLOUDHSM_CLIENT_VERSION. */
    cloudHsmClientVersion?: string;
}

/** A current Client SDK 5 release: newer than 5.9.0, the first that works with hsm2m.medium HSMs. */
export const DEFAULT_CLOUDHSM_CLIENT_VERSION = '5.16.0';

export interface ManagementInstance {
    instanceId: string;
    securityGroupId: string;
}

const VPC_CIDR = '10.0.0.0/16';
const SUBNET_CIDRS = { a: '10.0.1.0/24', b: '10.0.2.0/24', c: '10.0.3.0/24' };
const NO_CLOUDHSM_SUBNET_CIDR = '10.0.4.0/24';
/** An Amazon-provided /56 for the VPC, a /64 of it per dual-stack subnet. */
const VPC_IPV6_CIDR = '2600:1f18:4b2:9a00::/56';
const SUBNET_IPV6_CIDRS = { a: '2600:1f18:4b2:9a01::/64', b: '2600:1f18:4b2:9a02::/64' };
const OTHER_VPC_CIDR = '10.1.0.0/16';
const OTHER_SUBNET_CIDR = '10.1.1.0/24';
/** The first hosts of a subnet that instances get; AWS reserves .0–.3 and the last address. */
const FIRST_INSTANCE_HOST = 10;

export function seedNetwork(state: EmulatorState, options: SeedNetworkOptions = {}): NetworkFixture {
    const region = state.region;
    const vpcId = addVpc(state, VPC_CIDR, VPC_IPV6_CIDR);
    const subnetIds = {
        a: addSubnet(state, vpcId, `${region}a`, SUBNET_CIDRS.a, SUBNET_IPV6_CIDRS.a),
        b: addSubnet(state, vpcId, `${region}b`, SUBNET_CIDRS.b, SUBNET_IPV6_CIDRS.b),
        c: addSubnet(state, vpcId, `${region}c`, SUBNET_CIDRS.c),
    };
    const noCloudHsmSubnetId = addSubnet(state, vpcId, `${region}d`, NO_CLOUDHSM_SUBNET_CIDR);
    state.cloudHsmAvailabilityZones = [`${region}a`, `${region}b`, `${region}c`];
    const otherVpcId = addVpc(state, OTHER_VPC_CIDR);
    const otherVpcSubnetId = addSubnet(state, otherVpcId, `${region}a`, OTHER_SUBNET_CIDR);

    const management = addManagementInstance(state, subnetIds.a, options);
    const unmanagedSecurityGroupId = addSecurityGroup(state, vpcId, 'workload', 'Instances that SSM does not manage');
    const unmanagedInstanceId = addInstance(state, subnetIds.b, [unmanagedSecurityGroupId], false, 'workload', options);

    return {
        vpcId,
        subnetIds,
        noCloudHsmSubnetId,
        otherVpcId,
        otherVpcSubnetId,
        managementInstanceId: management.instanceId,
        managementSecurityGroupId: management.securityGroupId,
        unmanagedInstanceId,
        unmanagedSecurityGroupId,
    };
}

/**
 * A further running, SSM-managed instance in `subnetId` with a security group of its own (as a replacement
 * instance from another stack would have), for tests that swap the management instance, or that take an
 * address (`privateIpAddress`) an HSM had.
 */
export function addManagementInstance(
    state: EmulatorState,
    subnetId: string,
    options: SeedNetworkOptions & { securityGroupId?: string; privateIpAddress?: string } = {},
): ManagementInstance {
    const subnet = requireSubnet(state, subnetId);
    const securityGroupId =
        options.securityGroupId ?? addSecurityGroup(state, subnet.vpcId, `cloudhsm-management-${state.instances.size + 1}`, 'CloudHSM management instance');
    const instanceId = addInstance(state, subnetId, [securityGroupId], true, 'cloudhsm-management', options, options.privateIpAddress);
    return { instanceId, securityGroupId };
}

function addVpc(state: EmulatorState, cidr: string, ipv6Cidr?: string): string {
    const vpcId = newEc2Id('vpc');
    state.vpcs.set(vpcId, { vpcId, cidr, ipv6Cidr, isDefault: false });
    return vpcId;
}

function addSubnet(state: EmulatorState, vpcId: string, availabilityZone: string, cidr: string, ipv6Cidr?: string): string {
    const subnetId = newEc2Id('subnet');
    state.subnets.set(subnetId, { subnetId, vpcId, availabilityZone, cidr, ...(ipv6Cidr ? { ipv6Cidr } : {}) });
    return subnetId;
}

function addSecurityGroup(state: EmulatorState, vpcId: string, groupName: string, description: string): string {
    const group: SecurityGroup = { groupId: newEc2Id('sg'), vpcId, groupName, description, ingress: [] };
    state.securityGroups.set(group.groupId, group);
    return group.groupId;
}

function addInstance(
    state: EmulatorState,
    subnetId: string,
    securityGroupIds: string[],
    ssmManaged: boolean,
    name: string,
    options: SeedNetworkOptions,
    privateIpAddress?: string,
): string {
    const subnet = requireSubnet(state, subnetId);
    const instance: Instance = {
        instanceId: newEc2Id('i'),
        subnetId,
        vpcId: subnet.vpcId,
        securityGroupIds,
        state: 'running',
        ssmManaged,
        cli: { clientVersion: options.cloudHsmClientVersion ?? DEFAULT_CLOUDHSM_CLIENT_VERSION },
        privateIpAddress: privateIpAddress ?? nextPrivateIp(state, subnet),
        instanceType: options.instanceType ?? 't3.micro',
        launchTimeMs: options.launchTimeMs ?? Date.now(),
        iamInstanceProfileArn: ssmManaged ? `arn:aws:iam::${state.accountId}:instance-profile/${name}` : undefined,
        tags: [{ Key: 'Name', Value: name }],
    };
    state.instances.set(instance.instanceId, instance);
    return instance.instanceId;
}

function nextPrivateIp(state: EmulatorState, subnet: Subnet): string {
    const taken = new Set([...state.instances.values()].filter((i) => i.subnetId === subnet.subnetId).map((i) => i.privateIpAddress));
    const [base] = subnet.cidr.split('/');
    const octets = base.split('.').map(Number);
    for (let host = FIRST_INSTANCE_HOST; host < 250; host++) {
        const ip = `${octets[0]}.${octets[1]}.${octets[2]}.${host}`;
        if (!taken.has(ip)) return ip;
    }
    throw new Error(`No free address left for an instance in ${subnet.subnetId}`);
}

function requireSubnet(state: EmulatorState, subnetId: string): Subnet {
    const subnet = state.subnets.get(subnetId);
    if (!subnet) throw new Error(`The fixture has no subnet ${subnetId}`);
    return subnet;
}
