/**
 * The network rules behind NetworkType, kept HSM addresses and the AZ pre-check, against the real SDK
 * clients: IPv6 blocks on subnets, DescribeVpcEndpointServices for CloudHSM's AZs, CreateCluster's refusals,
 * IpAddress collisions with instances, no just-freed address handed back, an HSM's IPv6 address, and a new
 * key (so a new CSR) when AWS replaces the only HSM of an uninitialized cluster.
 */
import { CloudHSMV2Client, CreateClusterCommand, CreateHsmCommand, DeleteHsmCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeSubnetsCommand, DescribeVpcEndpointServicesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SharedClock } from '../../clock';
import { addManagementInstance, NetworkFixture, seedNetwork } from '../fixtures';
import { Emulator } from '../server';
import { CloudHsmService, cloudHsmService } from './cloudhsm';
import { addWireMembers, rawCall } from './cloudhsm-test-fixtures';
import { ec2Service } from './ec2';
import { clientSettings, errorOf } from './test-client';

let emulator: Emulator;
let network: NetworkFixture;
let ec2: EC2Client;
let cloudhsm: CloudHSMV2Client;

beforeEach(async () => {
    emulator = new Emulator({ clock: new SharedClock(), services: [ec2Service, cloudHsmService] });
    network = seedNetwork(emulator.state);
    await emulator.start();
    ec2 = new EC2Client(clientSettings(emulator));
    cloudhsm = new CloudHSMV2Client(clientSettings(emulator));
});
afterEach(async () => {
    ec2.destroy();
    cloudhsm.destroy();
    await emulator.stop();
});

const advance = (seconds: number) => {
    emulator.clock.advance(seconds);
    emulator.settle();
};

async function readyCluster(subnetIds: string[], networkType?: 'DUALSTACK') {
    const client = new CloudHSMV2Client(clientSettings(emulator));
    if (networkType) addWireMembers(client, { NetworkType: networkType }, 'CreateCluster');
    const { Cluster } = await client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: subnetIds }));
    client.destroy();
    advance(emulator.durations.clusterCreateSeconds);
    return Cluster!.ClusterId!;
}

describe('EC2', () => {
    it('DescribeSubnets shows the IPv6 block of a dual-stack subnet, and none for an IPv4-only one', async () => {
        const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [network.subnetIds.a, network.subnetIds.c] }));
        const a = Subnets!.find((s) => s.SubnetId === network.subnetIds.a)!;
        const c = Subnets!.find((s) => s.SubnetId === network.subnetIds.c)!;
        expect(a.Ipv6CidrBlockAssociationSet).toEqual([
            expect.objectContaining({ Ipv6CidrBlock: '2600:1f18:4b2:9a01::/64', Ipv6CidrBlockState: { State: 'associated' } }),
        ]);
        expect(c.Ipv6CidrBlockAssociationSet ?? []).toEqual([]);
    });

    it('DescribeVpcEndpointServices lists the AZs where CloudHSM is offered, and refuses a service that does not exist', async () => {
        const name = 'com.amazonaws.us-east-1.cloudhsmv2';
        const { ServiceDetails, ServiceNames } = await ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: [name] }));
        expect(ServiceNames).toEqual([name]);
        expect(ServiceDetails).toEqual([expect.objectContaining({ ServiceName: name, AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] })]);
        const kms = await ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: ['com.amazonaws.us-east-1.kms'] }));
        expect(kms.ServiceDetails![0].AvailabilityZones).toContain('us-east-1d');

        const unknown = await errorOf(ec2.send(new DescribeVpcEndpointServicesCommand({ ServiceNames: ['com.amazonaws.us-east-1.nothing'] })));
        expect(unknown).toMatchObject({ name: 'InvalidServiceName', message: "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nothing' does not exist" });
    });
});

describe('CloudHSM', () => {
    it('CreateCluster refuses a subnet in an AZ where CloudHSM is not offered, naming it and the AZs that are', async () => {
        const error = await errorOf(cloudhsm.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [network.subnetIds.a, network.noCloudHsmSubnetId] })));
        expect(error.name).toBe('CloudHsmInvalidRequestException');
        expect(error.message).toContain(`${network.noCloudHsmSubnetId} is in Availability Zone us-east-1d, where CloudHSM is not available`);
        expect(emulator.state.clusters.size).toBe(0);
    });

    it('CreateCluster DUALSTACK refuses a subnet without an IPv6 block', async () => {
        addWireMembers(cloudhsm, { NetworkType: 'DUALSTACK' }, 'CreateCluster');
        const error = await errorOf(cloudhsm.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [network.subnetIds.a, network.subnetIds.c] })));
        expect(error.name).toBe('CloudHsmInvalidRequestException');
        expect(error.message).toContain(`${network.subnetIds.c} has no IPv6 CIDR block`);
        expect(emulator.state.clusters.size).toBe(0);
    });

    it("the HSMs of a DUALSTACK cluster have an IPv6 address of their subnet's block, on the wire as EniIpV6", async () => {
        const clusterId = await readyCluster([network.subnetIds.a, network.subnetIds.b], 'DUALSTACK');
        await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
        const { json } = await rawCall(emulator.endpoint, 'DescribeClusters', { Filters: { clusterIds: [clusterId] } });
        expect(json.Clusters[0].NetworkType).toBe('DUALSTACK');
        expect(json.Clusters[0].Hsms[0].EniIpV6).toMatch(/^2600:1f18:4b2:9a02::[0-9a-f]+$/);
    });

    it('CreateHsm refuses an address an instance holds, and the last address of the subnet', async () => {
        const clusterId = await readyCluster([network.subnetIds.a]);
        const instanceIp = emulator.state.instances.get(network.managementInstanceId)!.privateIpAddress!;
        const taken = await errorOf(cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a', IpAddress: instanceIp })));
        expect(taken).toMatchObject({ name: 'CloudHsmInvalidRequestException', message: `The IP address ${instanceIp} is already in use in subnet ${network.subnetIds.a}.` });
        const broadcast = await errorOf(cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a', IpAddress: '10.0.1.255' })));
        expect(broadcast.name).toBe('CloudHsmInvalidRequestException');
        expect(emulator.service<CloudHsmService>('cloudhsmv2').findCluster(clusterId)!.hsms).toEqual([]);
    });

    it('an instance started at a free address takes it from later HSMs; an address an HSM gave up is not handed out again at once', async () => {
        const clusterId = await readyCluster([network.subnetIds.b]);
        const first = (await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }))).Hsm!;
        await cloudhsm.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: first.HsmId! }));
        advance(emulator.durations.hsmDeleteSeconds);
        const second = (await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }))).Hsm!;
        expect(second.EniIp).not.toBe(first.EniIp);

        addManagementInstance(emulator.state, network.subnetIds.b, { privateIpAddress: first.EniIp });
        const again = await errorOf(cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b', IpAddress: first.EniIp })));
        expect(again.name).toBe('CloudHsmInvalidRequestException');
    });

    it('when AWS replaces the only HSM of an uninitialized cluster, the replacement makes a new key: the CSR changes', async () => {
        const clusterId = await readyCluster([network.subnetIds.a]);
        const { Hsm } = await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }));
        advance(emulator.durations.hsmCreateSeconds);
        const csr = async () => (await cloudhsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }))).Clusters![0].Certificates?.ClusterCsr;
        const before = await csr();
        expect(before).toMatch(/BEGIN CERTIFICATE REQUEST/);

        emulator.service<CloudHsmService>('cloudhsmv2').failHsm(clusterId, Hsm!.HsmId!);
        expect(await csr()).toBeUndefined();
        advance(emulator.durations.hsmCreateSeconds);

        const after = await csr();
        expect(after).toMatch(/BEGIN CERTIFICATE REQUEST/);
        expect(after).not.toBe(before);
    });
});
