/**
 * The cluster's network: NetworkType (IPV4 or DUALSTACK, create-only) and the check that every subnet is in an
 * Availability Zone where CloudHSM offers HSMs. The seeded network has IPv6 blocks on subnets a and b, none on
 * c, and a subnet in us-east-1d, where the emulated region offers no HSMs.
 */
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';
import { liveClusters, liveHsms } from './mid-workflow';

let aws: LocalAws;
beforeAll(async () => {
    aws = await startLocalAws();
});
afterAll(() => aws.stop());

const mutatingCalls = (from: number) =>
    aws.emulator.calls.slice(from).filter((c) => !/^(Describe|List|Get|Put(LogEvents|MetricData)|Create(LogGroup|LogStream))/.test(c.action));

type Case = [description: string, overrides: (aws: LocalAws) => Record<string, unknown>, message: RegExp];
const badInput: Case[] = [
    ['a NetworkType CloudHSM does not know', () => ({ NetworkType: 'IPV6' }), /NetworkType "IPV6" is not IPV4 or DUALSTACK/],
    ['DUALSTACK on hsm1.medium', () => ({ NetworkType: 'DUALSTACK', HsmType: 'hsm1.medium', SourceBackupId: 'backup-abcdefghijk' }), /NetworkType DUALSTACK needs HsmType hsm2m\.medium/],
    [
        'DUALSTACK with a subnet that has no IPv6 CIDR block',
        (a) => ({ NetworkType: 'DUALSTACK', SubnetIds: [a.network.subnetIds.a, a.network.subnetIds.c] }),
        /NetworkType DUALSTACK: subnet subnet-\w+ has no IPv6 CIDR block\. Associate an IPv6 CIDR block with every subnet/,
    ],
    [
        'a subnet in an Availability Zone where CloudHSM offers no HSMs',
        (a) => ({ SubnetIds: [a.network.subnetIds.a, a.network.noCloudHsmSubnetId] }),
        /SubnetIds: subnet-\w+ is in us-east-1d, where CloudHSM offers no HSMs\. CloudHSM is offered in us-east-1a, us-east-1b, us-east-1c of us-east-1/,
    ],
];

test.each(badInput)('%s is rejected with InvalidRequest before anything is created', async (_description, overrides, message) => {
    // GIVEN the account as it is
    const before = { calls: aws.emulator.calls.length, clusters: aws.emulator.state.clusters.size, secrets: aws.emulator.state.secrets.size };

    // WHEN a create asks for it
    const created = await aws.driver(clusterType).create(clusterProperties(aws, overrides(aws)));

    // THEN it fails at once, saying which property and what to do, and nothing was made
    expect({ status: created.status, errorCode: created.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(created.message).toMatch(message);
    expect(created.invocations).toBe(1);
    expect(mutatingCalls(before.calls)).toEqual([]);
    expect(aws.emulator.state.clusters.size).toBe(before.clusters);
    expect(aws.emulator.state.secrets.size).toBe(before.secrets);
});

test('the subnet in the AZ without CloudHSM is named even when the NetworkType is right, and the AZ check asks EC2 once', async () => {
    const created = await aws.driver(clusterType).create(clusterProperties(aws, { NetworkType: 'IPV4', SubnetIds: [aws.network.noCloudHsmSubnetId] }));
    expect(created.message).toContain(aws.network.noCloudHsmSubnetId);
    expect(created.calls['ec2:DescribeVpcEndpointServices']).toBe(1);
    expect(created.calls['cloudhsmv2:CreateCluster']).toBeUndefined();
});

describe('a DUALSTACK cluster', () => {
    let properties: Record<string, unknown>;
    let model: Record<string, unknown>;

    it('is created with every event delivered twice: one cluster, HSMs with an IPv4 and an IPv6 address each', async () => {
        // GIVEN subnets with IPv6 CIDR blocks, and CloudFormation losing every first response
        properties = clusterProperties(aws, { NetworkType: 'DUALSTACK' });

        // WHEN
        const created = await aws.driver(clusterType).create(properties, { deliverTwice: { retryAfterSeconds: 5 } });

        // THEN
        expect(created.status).toBe('SUCCESS');
        expect(created.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
        model = created.model!;
        expect(model.NetworkType).toBe('DUALSTACK');
        expect(created.calls['cloudhsmv2:CreateCluster']).toBe(1);
        const clusterId = model.ClusterId as string;
        expect(aws.emulator.state.clusters.get(clusterId)!.networkType).toBe('DUALSTACK');
        const hsms = model.Hsms as Array<{ SubnetId: string; EniIp: string; EniIpV6?: string }>;
        expect(hsms).toHaveLength(2);
        for (const hsm of hsms) {
            const subnet = aws.emulator.state.subnets.get(hsm.SubnetId)!;
            expect(hsm.EniIpV6).toMatch(new RegExp(`^${subnet.ipv6Cidr!.split('::')[0]}::[0-9a-f]+$`));
            expect(hsm.EniIp).toMatch(/^10\.0\.[12]\.\d+$/);
        }
        expect(liveHsms(aws, clusterId).map((h) => h.eniIpV6)).toEqual(hsms.map((h) => h.EniIpV6));
    });

    it('reads back as it was created', async () => {
        const read = await aws.driver(clusterType).read({ ClusterId: model.ClusterId });
        expect(read.model).toEqual(model);
    });

    it('cannot change its NetworkType in an update: CloudFormation replaces the cluster for that', async () => {
        const current = { ...properties, ClusterId: model.ClusterId };
        const updated = await aws.driver(clusterType).update(current, { ...current, NetworkType: 'IPV4' });
        expect({ status: updated.status, errorCode: updated.errorCode }).toEqual({ status: 'FAILED', errorCode: 'NotUpdatable' });
        expect(updated.message).toMatch(/NetworkType cannot change after creation/);
        expect(aws.emulator.state.clusters.get(model.ClusterId as string)!.networkType).toBe('DUALSTACK');
    });

    it('an IPV4 cluster (the default) reports IPV4 and HSMs without an IPv6 address', async () => {
        const created = await aws.driver(clusterType).create(clusterProperties(aws, { SubnetIds: [aws.network.subnetIds.c] }));
        expect(created.status).toBe('SUCCESS');
        expect(created.model!.NetworkType).toBe('IPV4');
        expect((created.model!.Hsms as Array<Record<string, unknown>>)[0]).not.toHaveProperty('EniIpV6');
        expect(liveClusters(aws).find((c) => c.clusterId === created.model!.ClusterId)!.networkType).toBe('IPV4');
    });
});
