import { AwsError } from '../errors';
import { ServiceContext, ServiceFactory } from '../server';
import { Instance, Subnet, Vpc } from '../state';
import { QueryFilter, QueryParams, filterValueMatches, filtersOf, indexedValues, isEc2Id, itemSet, leaf, branch, pageOf, tagSet } from './ec2-query';
import { VpcEndpointServices } from './ec2-endpoint-services';
import { SecurityGroups } from './ec2-security-groups';

export { newEc2Id } from './ec2-query';

/**
 * Amazon EC2 (query protocol), only as far as the product needs network facts: instances (their subnet,
 * groups and state), subnets, VPCs, and ingress rules between security groups. Handlers receive the flat
 * query parameters and return the XML inside `<ActionResponse>`; the server adds the envelope and requestId.
 */

const INSTANCE_STATE_CODES: Record<Instance['state'], number> = { pending: 0, running: 16, 'shutting-down': 32, stopped: 80, terminated: 48 };

export const ec2Service: ServiceFactory = (ctx) => {
    const api = new Ec2Api(ctx);
    const securityGroups = new SecurityGroups(ctx);
    const endpointServices = new VpcEndpointServices(ctx);
    const actions: Record<string, (params: QueryParams) => string> = {
        DescribeInstances: (params) => api.describeInstances(params),
        DescribeSubnets: (params) => api.describeSubnets(params),
        DescribeVpcs: (params) => api.describeVpcs(params),
        DescribeVpcEndpointServices: (params) => endpointServices.describe(params),
        DescribeSecurityGroups: (params) => securityGroups.describe(params),
        AuthorizeSecurityGroupIngress: (params) => securityGroups.authorizeIngress(params),
        RevokeSecurityGroupIngress: (params) => securityGroups.revokeIngress(params),
        DeleteSecurityGroup: (params) => securityGroups.delete(params),
        TerminateInstances: (params) => api.terminateInstances(params),
    };
    return {
        name: 'ec2',
        protocol: 'ec2query',
        handle(action, params: QueryParams) {
            const run = actions[action];
            if (!run) throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
            if (params.DryRun === 'true') {
                throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
            }
            return run(params);
        },
    };
};

class Ec2Api {
    constructor(private readonly ctx: ServiceContext) {}

    describeInstances(params: QueryParams): string {
        const instances = this.ctx.state.instances;
        const ids = indexedValues(params, 'InstanceId');
        if (ids.length && params.MaxResults !== undefined) {
            throw new AwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
        }
        for (const id of ids) if (!isEc2Id('i', id)) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
        const missing = ids.filter((id) => !instances.has(id));
        if (missing.length === 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
        if (missing.length > 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
        const selected = applyFilters(
            ids.length ? ids.map((id) => instances.get(id)!) : [...instances.values()],
            filtersOf(params),
            this.instanceFilterFields,
            (instance) => instance.tags ?? [],
        );
        const { page, nextToken } = pageOf(selected, params, { min: 5, max: 1000 });
        return itemSet('reservationSet', page.map((instance) => this.renderReservation(instance))) + leaf('nextToken', nextToken);
    }

    /**
     * What deleting a stack does to its instances: running → shutting-down → terminated after a while. A
     * terminated instance stays listed; terminating it again changes nothing and succeeds.
     */
    terminateInstances(params: QueryParams): string {
        const instances = this.ctx.state.instances;
        const ids = indexedValues(params, 'InstanceId');
        if (!ids.length) throw new AwsError('MissingParameter', 'The request must contain the parameter InstanceId');
        for (const id of ids) if (!isEc2Id('i', id)) throw new AwsError('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
        const missing = ids.filter((id) => !instances.has(id));
        if (missing.length === 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`);
        if (missing.length > 1) throw new AwsError('InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`);
        const changes = ids.map((id) => {
            const instance = instances.get(id)!;
            const previous = instance.state;
            if (previous !== 'terminated' && previous !== 'shutting-down') {
                instance.state = 'shutting-down';
                this.ctx.startWork('instanceTerminateSeconds', id, () => {
                    instance.state = 'terminated';
                    instance.ssmManaged = false;
                });
            }
            return { id, previous, current: instance.state };
        });
        return itemSet(
            'instancesSet',
            changes.map(
                ({ id, previous, current }) =>
                    leaf('instanceId', id) +
                    branch('currentState', leaf('code', INSTANCE_STATE_CODES[current]) + leaf('name', current)) +
                    branch('previousState', leaf('code', INSTANCE_STATE_CODES[previous]) + leaf('name', previous)),
            ),
        );
    }

    describeSubnets(params: QueryParams): string {
        const subnets = this.ctx.state.subnets;
        const ids = indexedValues(params, 'SubnetId');
        for (const id of ids) if (!isEc2Id('subnet', id)) throw new AwsError('InvalidSubnetID.Malformed', `Invalid id: "${id}"`);
        const missing = ids.filter((id) => !subnets.has(id));
        if (missing.length === 1) throw new AwsError('InvalidSubnetID.NotFound', `The subnet ID '${missing[0]}' does not exist`);
        if (missing.length > 1) throw new AwsError('InvalidSubnetID.NotFound', `The subnet IDs '${missing.join(', ')}' do not exist`);
        const selected = applyFilters(ids.length ? ids.map((id) => subnets.get(id)!) : [...subnets.values()], filtersOf(params), {
            'subnet-id': (subnet) => [subnet.subnetId],
            'vpc-id': (subnet) => [subnet.vpcId],
            'availability-zone': (subnet) => [subnet.availabilityZone],
            'cidr-block': (subnet) => [subnet.cidr],
        });
        const { page, nextToken } = pageOf(selected, params, { min: 5, max: 1000 });
        return itemSet('subnetSet', page.map((subnet) => this.renderSubnet(subnet))) + leaf('nextToken', nextToken);
    }

    describeVpcs(params: QueryParams): string {
        const vpcs = this.ctx.state.vpcs;
        const ids = indexedValues(params, 'VpcId');
        for (const id of ids) if (!isEc2Id('vpc', id)) throw new AwsError('InvalidVpcID.Malformed', `Invalid id: "${id}"`);
        const missing = ids.filter((id) => !vpcs.has(id));
        if (missing.length === 1) throw new AwsError('InvalidVpcID.NotFound', `The vpc ID '${missing[0]}' does not exist`);
        if (missing.length > 1) throw new AwsError('InvalidVpcID.NotFound', `The vpc IDs '${missing.join(', ')}' do not exist`);
        const selected = applyFilters(ids.length ? ids.map((id) => vpcs.get(id)!) : [...vpcs.values()], filtersOf(params), {
            'vpc-id': (vpc) => [vpc.vpcId],
            'is-default': (vpc) => [String(vpc.isDefault ?? false)],
        });
        const { page, nextToken } = pageOf(selected, params, { min: 5, max: 1000 });
        return itemSet('vpcSet', page.map((vpc) => this.renderVpc(vpc))) + leaf('nextToken', nextToken);
    }

    private readonly instanceFilterFields: FilterFields<Instance> = {
        'instance-state-name': (instance) => [instance.state],
        'instance-state-code': (instance) => [String(INSTANCE_STATE_CODES[instance.state])],
        'instance-id': (instance) => [instance.instanceId],
        'subnet-id': (instance) => [instance.subnetId],
        'vpc-id': (instance) => [instance.vpcId],
        'instance.group-id': (instance) => instance.securityGroupIds,
        'availability-zone': (instance) => [this.ctx.state.subnets.get(instance.subnetId)?.availabilityZone ?? ''],
        'private-ip-address': (instance) => (instance.privateIpAddress ? [instance.privateIpAddress] : []),
        'tag-key': (instance) => (instance.tags ?? []).map((t) => t.Key),
    };

    /** EC2 answers with reservations; the emulation launches every instance in a reservation of its own. */
    private renderReservation(instance: Instance): string {
        return (
            leaf('reservationId', `r-${instance.instanceId.slice(2)}`) +
            leaf('ownerId', this.ctx.state.accountId) +
            branch('groupSet') +
            itemSet('instancesSet', [this.renderInstance(instance)])
        );
    }

    private renderInstance(instance: Instance): string {
        const { state } = this.ctx;
        const availabilityZone = state.subnets.get(instance.subnetId)?.availabilityZone;
        const running = instance.state !== 'terminated';
        return (
            leaf('instanceId', instance.instanceId) +
            branch('instanceState', leaf('code', INSTANCE_STATE_CODES[instance.state]) + leaf('name', instance.state)) +
            leaf('privateDnsName', running && instance.privateIpAddress ? this.privateDnsName(instance.privateIpAddress) : undefined) +
            leaf('instanceType', instance.instanceType) +
            leaf('launchTime', instance.launchTimeMs === undefined ? undefined : new Date(instance.launchTimeMs).toISOString()) +
            branch('placement', leaf('availabilityZone', availabilityZone) + leaf('tenancy', 'default')) +
            (running ? leaf('subnetId', instance.subnetId) + leaf('vpcId', instance.vpcId) + leaf('privateIpAddress', instance.privateIpAddress) : '') +
            itemSet(
                'groupSet',
                (running ? instance.securityGroupIds : []).map(
                    (groupId) => leaf('groupId', groupId) + leaf('groupName', state.securityGroups.get(groupId)?.groupName ?? groupId),
                ),
            ) +
            (instance.iamInstanceProfileArn ? branch('iamInstanceProfile', leaf('arn', instance.iamInstanceProfileArn)) : '') +
            tagSet(instance.tags)
        );
    }

    private renderSubnet(subnet: Subnet): string {
        const { accountId, region } = this.ctx.state;
        return (
            leaf('subnetId', subnet.subnetId) +
            leaf('subnetArn', `arn:aws:ec2:${region}:${accountId}:subnet/${subnet.subnetId}`) +
            leaf('state', 'available') +
            leaf('vpcId', subnet.vpcId) +
            leaf('cidrBlock', subnet.cidr) +
            itemSet('ipv6CidrBlockAssociationSet', subnet.ipv6Cidr ? [this.renderIpv6Association(subnet.subnetId, subnet.ipv6Cidr)] : []) +
            leaf('assignIpv6AddressOnCreation', false) +
            leaf('ipv6Native', false) +
            leaf('availableIpAddressCount', this.availableAddresses(subnet)) +
            leaf('availabilityZone', subnet.availabilityZone) +
            leaf('availabilityZoneId', availabilityZoneId(region, subnet.availabilityZone)) +
            leaf('defaultForAz', false) +
            leaf('mapPublicIpOnLaunch', false) +
            leaf('ownerId', accountId)
        );
    }

    private renderVpc(vpc: Vpc): string {
        return (
            leaf('vpcId', vpc.vpcId) +
            leaf('ownerId', this.ctx.state.accountId) +
            leaf('state', 'available') +
            leaf('cidrBlock', vpc.cidr) +
            (vpc.ipv6Cidr ? itemSet('ipv6CidrBlockAssociationSet', [this.renderIpv6Association(vpc.vpcId, vpc.ipv6Cidr)]) : '') +
            leaf('instanceTenancy', 'default') +
            leaf('isDefault', vpc.isDefault ?? false)
        );
    }

    /** The association of an Amazon-provided IPv6 block, named after the subnet or VPC that holds it. */
    private renderIpv6Association(ownerId: string, ipv6Cidr: string): string {
        const prefix = ownerId.startsWith('vpc-') ? 'vpc-cidr-assoc' : 'subnet-cidr-assoc';
        return (
            leaf('associationId', `${prefix}-${ownerId.split('-')[1]}`) +
            leaf('ipv6CidrBlock', ipv6Cidr) +
            branch('ipv6CidrBlockState', leaf('state', 'associated')) +
            leaf('ipSource', 'amazon')
        );
    }

    /** A subnet's size less the five addresses AWS reserves, the instances in it and the HSMs' ENIs. */
    private availableAddresses(subnet: Subnet): number | undefined {
        const prefixLength = Number(subnet.cidr.split('/')[1]);
        if (!Number.isInteger(prefixLength)) return undefined;
        const instances = [...this.ctx.state.instances.values()].filter((i) => i.subnetId === subnet.subnetId && i.state !== 'terminated');
        const hsms = [...this.ctx.state.clusters.values()].flatMap((c) => c.hsms).filter((h) => h.subnetId === subnet.subnetId && h.state !== 'DELETED');
        return Math.max(0, 2 ** (32 - prefixLength) - 5 - instances.length - hsms.length);
    }

    private privateDnsName(ip: string): string {
        const region = this.ctx.state.region;
        const host = `ip-${ip.replace(/\./g, '-')}`;
        return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
    }
}

type FilterFields<T> = Record<string, (item: T) => string[]>;

/**
 * Filters AND together, a filter's values OR. EC2 refuses a filter name it does not know; the emulation refuses
 * the ones it does not implement, so a test never passes on a filter that was silently ignored.
 */
function applyFilters<T>(
    items: T[],
    filters: QueryFilter[],
    fields: FilterFields<T>,
    tagsOf?: (item: T) => Array<{ Key: string; Value: string }>,
): T[] {
    let selected = items;
    for (const filter of filters) {
        const tagKey = filter.name.startsWith('tag:') && tagsOf ? filter.name.slice('tag:'.length) : undefined;
        const field = tagKey !== undefined ? (item: T) => tagsOf!(item).filter((t) => t.Key === tagKey).map((t) => t.Value) : fields[filter.name];
        if (!field) throw new AwsError('InvalidParameterValue', `The filter '${filter.name}' is invalid`);
        selected = selected.filter((item) => field(item).some((actual) => filter.values.some((v) => filterValueMatches(v, actual))));
    }
    return selected;
}

/** `us-east-1a` → `use1-az1`: the AZ ID that EC2 reports next to the name (the real mapping varies per account). */
function availabilityZoneId(region: string, availabilityZone: string): string {
    const [area, direction, number] = region.split('-');
    const letter = availabilityZone.slice(region.length);
    return `${area}${direction?.[0] ?? ''}${number ?? ''}-az${letter ? letter.charCodeAt(0) - 96 : 1}`;
}
