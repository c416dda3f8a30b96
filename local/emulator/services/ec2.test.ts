import {
    AuthorizeSecurityGroupIngressCommand,
    DescribeInstancesCommand,
    DescribeSecurityGroupsCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    EC2Client,
    IpPermission,
    RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { SharedClock } from '../../clock';
import { addManagementInstance, NetworkFixture, seedNetwork } from '../fixtures';
import { Emulator } from '../server';
import { ec2Service } from './ec2';
import { newEc2Id } from './ec2-query';
import { clientSettings, errorOf } from './test-client';

let emulator: Emulator;
let client: EC2Client;
let network: NetworkFixture;
let clusterGroupId: string;

beforeEach(async () => {
    emulator = new Emulator({ clock: new SharedClock(), services: [ec2Service] });
    network = seedNetwork(emulator.state);
    // The group CloudHSM creates for a cluster, in the cluster's VPC.
    clusterGroupId = newEc2Id('sg');
    emulator.state.securityGroups.set(clusterGroupId, {
        groupId: clusterGroupId,
        vpcId: network.vpcId,
        groupName: 'cloudhsm-cluster-abcdefghijk-sg',
        description: 'Security group for CloudHSM cluster',
        ingress: [],
    });
    await emulator.start();
    client = new EC2Client(clientSettings(emulator));
});

afterEach(async () => {
    client.destroy();
    await emulator.stop();
});

const hsmPorts = (sourceGroupId: string): IpPermission => ({
    IpProtocol: 'tcp',
    FromPort: 2223,
    ToPort: 2225,
    UserIdGroupPairs: [{ GroupId: sourceGroupId, Description: 'CloudHSM client' }],
});

describe('fixtures', () => {
    it('seeds IDs in the long format the product validates', () => {
        expect(network.vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
        for (const id of [...Object.values(network.subnetIds), network.otherVpcSubnetId]) expect(id).toMatch(/^subnet-[0-9a-f]{17}$/);
        expect(network.managementInstanceId).toMatch(/^i-[0-9a-f]{17}$/);
        expect(network.unmanagedInstanceId).toMatch(/^i-[0-9a-f]{17}$/);
        expect(network.managementSecurityGroupId).toMatch(/^sg-[0-9a-f]{17}$/);
        expect(emulator.state.instances.get(network.managementInstanceId)).toMatchObject({ ssmManaged: true, state: 'running' });
        expect(emulator.state.instances.get(network.unmanagedInstanceId)).toMatchObject({ ssmManaged: false, state: 'running' });
    });
});

describe('DescribeInstances', () => {
    it("gives an instance's subnet, VPC, groups, state and placement", async () => {
        const { Reservations } = await client.send(new DescribeInstancesCommand({ InstanceIds: [network.managementInstanceId] }));
        expect(Reservations).toHaveLength(1);
        const [instance] = Reservations![0].Instances!;
        expect(instance).toMatchObject({
            InstanceId: network.managementInstanceId,
            SubnetId: network.subnetIds.a,
            VpcId: network.vpcId,
            State: { Code: 16, Name: 'running' },
            SecurityGroups: [{ GroupId: network.managementSecurityGroupId, GroupName: expect.any(String) }],
            Placement: { AvailabilityZone: 'us-east-1a' },
            PrivateIpAddress: '10.0.1.10',
            PrivateDnsName: 'ip-10-0-1-10.ec2.internal',
            InstanceType: 't3.micro',
        });
        expect(instance.LaunchTime).toBeInstanceOf(Date);
        expect(Reservations![0].ReservationId).toMatch(/^r-/);
    });

    it('names unknown IDs and refuses malformed ones', async () => {
        const unknown = newEc2Id('i');
        const notFound = await errorOf(client.send(new DescribeInstancesCommand({ InstanceIds: [network.managementInstanceId, unknown] })));
        expect(notFound.name).toBe('InvalidInstanceID.NotFound');
        expect(notFound.message).toBe(`The instance ID '${unknown}' does not exist`);
        const malformed = await errorOf(client.send(new DescribeInstancesCommand({ InstanceIds: ['i-xyz'] })));
        expect(malformed.name).toBe('InvalidInstanceID.Malformed');
    });

    it('filters by instance-state-name', async () => {
        emulator.state.instances.get(network.unmanagedInstanceId)!.state = 'stopped';
        const running = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }));
        expect(running.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([network.managementInstanceId]);
        const either = await client.send(
            new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running', 'stop*'] }] }),
        );
        expect(either.Reservations).toHaveLength(2);
        const unsupported = await errorOf(client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })));
        expect(unsupported.name).toBe('InvalidParameterValue');
    });

    it('pages with MaxResults and NextToken, but not together with instance IDs', async () => {
        for (let i = 0; i < 5; i++) addManagementInstance(emulator.state, network.subnetIds.c);
        const seen: string[] = [];
        let NextToken: string | undefined;
        do {
            const page = await client.send(new DescribeInstancesCommand({ MaxResults: 5, NextToken }));
            expect(page.Reservations!.length).toBeLessThanOrEqual(5);
            seen.push(...page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)));
            NextToken = page.NextToken;
        } while (NextToken);
        expect(seen.sort()).toEqual([...emulator.state.instances.keys()].sort());
        expect(seen).toHaveLength(7);
        const combined = await errorOf(client.send(new DescribeInstancesCommand({ InstanceIds: [network.managementInstanceId], MaxResults: 5 })));
        expect(combined.name).toBe('InvalidParameterCombination');
    });
});

describe('DescribeSubnets and DescribeVpcs', () => {
    it('gives AZ, VPC and CIDR of each subnet, and tells subnets of different VPCs apart', async () => {
        const { Subnets } = await client.send(
            new DescribeSubnetsCommand({ SubnetIds: [network.subnetIds.a, network.subnetIds.b, network.subnetIds.c, network.otherVpcSubnetId] }),
        );
        expect(Subnets!.map((s) => [s.AvailabilityZone, s.VpcId, s.CidrBlock])).toEqual([
            ['us-east-1a', network.vpcId, '10.0.1.0/24'],
            ['us-east-1b', network.vpcId, '10.0.2.0/24'],
            ['us-east-1c', network.vpcId, '10.0.3.0/24'],
            ['us-east-1a', network.otherVpcId, '10.1.1.0/24'],
        ]);
        // 256 addresses, 5 reserved by AWS, one taken by the management instance.
        expect(Subnets![0]).toMatchObject({ State: 'available', AvailableIpAddressCount: 250, AvailabilityZoneId: 'use1-az1' });
    });

    it('answers unknown and malformed subnet IDs as EC2 does', async () => {
        const unknown = newEc2Id('subnet');
        const notFound = await errorOf(client.send(new DescribeSubnetsCommand({ SubnetIds: [unknown] })));
        expect(notFound.name).toBe('InvalidSubnetID.NotFound');
        expect(notFound.message).toBe(`The subnet ID '${unknown}' does not exist`);
        const malformed = await errorOf(client.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-1'] })));
        expect(malformed.name).toBe('InvalidSubnetID.Malformed');
    });

    it('filters subnets by VPC', async () => {
        const { Subnets } = await client.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [network.otherVpcId] }] }));
        expect(Subnets!.map((s) => s.SubnetId)).toEqual([network.otherVpcSubnetId]);
    });

    it('describes VPCs and names unknown ones', async () => {
        const { Vpcs } = await client.send(new DescribeVpcsCommand({ VpcIds: [network.vpcId] }));
        expect(Vpcs).toEqual([expect.objectContaining({ VpcId: network.vpcId, CidrBlock: '10.0.0.0/16', IsDefault: false, State: 'available' })]);
        const notFound = await errorOf(client.send(new DescribeVpcsCommand({ VpcIds: [newEc2Id('vpc')] })));
        expect(notFound.name).toBe('InvalidVpcID.NotFound');
    });
});

describe('security group ingress', () => {
    it('authorizes a rule from the management group and shows it on the cluster group', async () => {
        const result = await client.send(
            new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }),
        );
        expect(result.Return).toBe(true);
        expect(result.SecurityGroupRules).toEqual([
            expect.objectContaining({
                SecurityGroupRuleId: expect.stringMatching(/^sgr-[0-9a-f]{17}$/),
                GroupId: clusterGroupId,
                IsEgress: false,
                IpProtocol: 'tcp',
                FromPort: 2223,
                ToPort: 2225,
                ReferencedGroupInfo: expect.objectContaining({ GroupId: network.managementSecurityGroupId }),
            }),
        ]);
        const { SecurityGroups } = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: [clusterGroupId] }));
        expect(SecurityGroups![0]).toMatchObject({ GroupId: clusterGroupId, VpcId: network.vpcId, GroupName: 'cloudhsm-cluster-abcdefghijk-sg' });
        expect(SecurityGroups![0].IpPermissions).toEqual([
            expect.objectContaining({
                IpProtocol: 'tcp',
                FromPort: 2223,
                ToPort: 2225,
                UserIdGroupPairs: [expect.objectContaining({ GroupId: network.managementSecurityGroupId, Description: 'CloudHSM client' })],
            }),
        ]);
    });

    it('answers InvalidPermission.Duplicate for a rule that exists, and for protocol 6 spelled as a number', async () => {
        await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }));
        const duplicate = await errorOf(
            client.send(
                new AuthorizeSecurityGroupIngressCommand({
                    GroupId: clusterGroupId,
                    IpPermissions: [{ ...hsmPorts(network.managementSecurityGroupId), IpProtocol: '6' }],
                }),
            ),
        );
        expect(duplicate.name).toBe('InvalidPermission.Duplicate');
        expect(duplicate.message).toBe(
            `the specified rule "peer: ${network.managementSecurityGroupId}, TCP, from port: 2223, to port: 2225, ALLOW" already exists`,
        );
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress).toHaveLength(1);
    });

    it('adds nothing when any rule of the request is a duplicate', async () => {
        await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }));
        const other = addManagementInstance(emulator.state, network.subnetIds.b);
        const error = await errorOf(
            client.send(
                new AuthorizeSecurityGroupIngressCommand({
                    GroupId: clusterGroupId,
                    IpPermissions: [hsmPorts(other.securityGroupId), hsmPorts(network.managementSecurityGroupId)],
                }),
            ),
        );
        expect(error.name).toBe('InvalidPermission.Duplicate');
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress.map((r) => r.sourceGroupId)).toEqual([network.managementSecurityGroupId]);
    });

    it('refuses unknown groups and sources from another VPC', async () => {
        const unknown = newEc2Id('sg');
        const target = await errorOf(client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: unknown, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] })));
        expect(target.name).toBe('InvalidGroup.NotFound');
        expect(target.message).toBe(`The security group '${unknown}' does not exist`);
        const otherVpcInstance = addManagementInstance(emulator.state, network.otherVpcSubnetId);
        const crossVpc = await errorOf(
            client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(otherVpcInstance.securityGroupId)] })),
        );
        expect(crossVpc.name).toBe('InvalidGroup.NotFound');
        const describe = await errorOf(client.send(new DescribeSecurityGroupsCommand({ GroupIds: [unknown] })));
        expect(describe.name).toBe('InvalidGroup.NotFound');
        const badPorts = await errorOf(
            client.send(
                new AuthorizeSecurityGroupIngressCommand({
                    GroupId: clusterGroupId,
                    IpPermissions: [{ ...hsmPorts(network.managementSecurityGroupId), FromPort: 2225, ToPort: 2223 }],
                }),
            ),
        );
        expect(badPorts.name).toBe('InvalidParameterValue');
    });

    it('revokes a rule by its properties, and answers InvalidPermission.NotFound once it is gone', async () => {
        await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }));
        const revoked = await client.send(
            new RevokeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }),
        );
        expect(revoked.Return).toBe(true);
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress).toEqual([]);
        const again = await errorOf(
            client.send(new RevokeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] })),
        );
        expect(again.name).toBe('InvalidPermission.NotFound');
    });

    it('revokes by rule ID', async () => {
        const { SecurityGroupRules } = await client.send(
            new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }),
        );
        await client.send(
            new RevokeSecurityGroupIngressCommand({ GroupId: clusterGroupId, SecurityGroupRuleIds: [SecurityGroupRules![0].SecurityGroupRuleId!] }),
        );
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress).toEqual([]);
    });

    it('in a default VPC, names rules that do not exist instead of failing', async () => {
        emulator.state.vpcs.get(network.vpcId)!.isDefault = true;
        const result = await client.send(
            new RevokeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [hsmPorts(network.managementSecurityGroupId)] }),
        );
        expect(result.Return).toBe(true);
        expect(result.UnknownIpPermissions).toEqual([
            expect.objectContaining({ IpProtocol: 'tcp', FromPort: 2223, UserIdGroupPairs: [expect.objectContaining({ GroupId: network.managementSecurityGroupId })] }),
        ]);
    });
});

describe('API reference constraints (rows in local/emulator/FIDELITY.md)', () => {
    it('finds a group by name only in a default VPC', async () => {
        const byName = { GroupName: 'cloudhsm-cluster-abcdefghijk-sg', IpPermissions: [hsmPorts(network.managementSecurityGroupId)] };
        const refused = await errorOf(client.send(new AuthorizeSecurityGroupIngressCommand(byName)));
        expect(refused.name).toBe('InvalidGroup.NotFound');
        const described = await errorOf(client.send(new DescribeSecurityGroupsCommand({ GroupNames: [byName.GroupName] })));
        expect(described.name).toBe('InvalidGroup.NotFound');
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress).toEqual([]);

        emulator.state.vpcs.get(network.vpcId)!.isDefault = true;
        await client.send(new AuthorizeSecurityGroupIngressCommand(byName));
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress).toHaveLength(1);
    });

    it('refuses a rule description longer than 255 characters or with a character outside the documented set', async () => {
        for (const description of ['d'.repeat(256), 'CloudHSM <client>', 'a & b']) {
            const permission = { ...hsmPorts(network.managementSecurityGroupId), UserIdGroupPairs: [{ GroupId: network.managementSecurityGroupId, Description: description }] };
            const error = await errorOf(client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [permission] })));
            expect(error.name).toBe('InvalidParameterValue');
        }
        expect(emulator.state.securityGroups.get(clusterGroupId)!.ingress).toEqual([]);
        const permission = {
            ...hsmPorts(network.managementSecurityGroupId),
            UserIdGroupPairs: [{ GroupId: network.managementSecurityGroupId, Description: `CloudHSM management from i-0123 (a.b:c/d#e,f@g[h]+=;{}!$*)${'x'.repeat(150)}` }],
        };
        await client.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: clusterGroupId, IpPermissions: [permission] }));
    });
});
