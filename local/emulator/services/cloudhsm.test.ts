import {
    CreateClusterCommand,
    CreateClusterCommandInput,
    CreateHsmCommand,
    DeleteClusterCommand,
    DeleteHsmCommand,
    DescribeClustersCommand,
    InitializeClusterCommand,
    ListTagsCommand,
    ModifyClusterCommand,
    TagResourceCommand,
    UntagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import {
    CloudHsmHarness,
    addWireMembers,
    advance,
    clusterOf,
    createInitializedCluster,
    createUninitializedCluster,
    describeCluster,
    failureOf,
    network,
    rawCall,
    signClusterCsr,
    startCloudHsm,
    stopCloudHsm,
} from './cloudhsm-test-fixtures';

let h: CloudHsmHarness;
beforeEach(async () => {
    h = await startCloudHsm();
});
afterEach(async () => {
    await stopCloudHsm(h);
});

const twoAzs = [network.subnetA, network.subnetB];

describe('CreateCluster', () => {
    test('a new cluster is created with its security group and becomes UNINITIALIZED', async () => {
        const { Cluster } = await h.client.send(
            new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: twoAzs, TagList: [{ Key: 'team', Value: 'pki' }] }),
        );
        expect(Cluster!.ClusterId).toMatch(/^cluster-[2-7a-z]{11}$/);
        expect(Cluster).toMatchObject({
            State: 'CREATE_IN_PROGRESS',
            HsmType: 'hsm2m.medium',
            BackupPolicy: 'DEFAULT',
            BackupRetentionPolicy: { Type: 'DAYS', Value: '90' },
            SubnetMapping: { 'us-east-1a': network.subnetA, 'us-east-1b': network.subnetB },
            VpcId: network.vpcId,
            Hsms: [],
            TagList: [{ Key: 'team', Value: 'pki' }],
        });
        expect(Cluster!.CreateTimestamp).toBeInstanceOf(Date);
        expect(Math.abs(Cluster!.CreateTimestamp!.getTime() - h.clock.now())).toBeLessThan(5000);
        const group = h.emulator.state.securityGroups.get(Cluster!.SecurityGroup!);
        expect(group).toMatchObject({
            vpcId: network.vpcId,
            ingress: [{ protocol: 'tcp', fromPort: 2223, toPort: 2225, sourceGroupId: Cluster!.SecurityGroup }],
        });

        advance(h, h.durations.clusterCreateSeconds - 5);
        expect((await describeCluster(h, Cluster!.ClusterId!)).State).toBe('CREATE_IN_PROGRESS');
        advance(h, 5);
        const created = await describeCluster(h, Cluster!.ClusterId!);
        expect(created.State).toBe('UNINITIALIZED');
        expect(created.Certificates).toEqual({});
    });

    test('Mode defaults to FIPS and NetworkType to IPV4 on the wire', async () => {
        const clusterId = await createUninitializedCluster(h);
        const { json } = await rawCall(h.emulator.endpoint, 'DescribeClusters', { Filters: { clusterIds: [clusterId] } });
        expect(json.Clusters[0]).toMatchObject({ Mode: 'FIPS', NetworkType: 'IPV4', ClusterId: clusterId });
    });

    test('Mode and NetworkType that the product adds to the wire JSON are honoured', async () => {
        addWireMembers(h.client, { Mode: 'NON_FIPS', NetworkType: 'DUALSTACK' }, 'CreateCluster');
        const { Cluster } = await h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: twoAzs }));
        expect(clusterOf(h, Cluster!.ClusterId!)).toMatchObject({ mode: 'NON_FIPS', networkType: 'DUALSTACK' });
        const { json } = await rawCall(h.emulator.endpoint, 'DescribeClusters', { Filters: { clusterIds: [Cluster!.ClusterId] } });
        expect(json.Clusters[0]).toMatchObject({ Mode: 'NON_FIPS', NetworkType: 'DUALSTACK' });
    });

    test.each([
        ['an unknown Mode', { Mode: 'LOW' }, /'LOW' at 'mode' .*enum value set: \[FIPS, NON_FIPS\]/],
        ['an unknown NetworkType', { NetworkType: 'IPV6' }, /'IPV6' at 'networkType' .*enum value set: \[IPV4, DUALSTACK\]/],
    ])('rejects %s sent on the wire', async (_case, members, message) => {
        addWireMembers(h.client, members);
        const error = await failureOf(h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: twoAzs })));
        expect(error.name).toBe('ValidationException');
        expect(error.message).toMatch(message);
    });

    const base: CreateClusterCommandInput = { HsmType: 'hsm2m.medium', SubnetIds: twoAzs };
    const manyTags = (count: number) => Array.from({ length: count }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    test.each<[string, Partial<CreateClusterCommandInput>, string, RegExp]>([
        ['hsm1.medium', { HsmType: 'hsm1.medium' }, 'CloudHsmInvalidRequestException', /end of support/],
        ['an unknown HSM type', { HsmType: 'hsm9.huge' }, 'CloudHsmInvalidRequestException', /not supported/],
        ['no subnets', { SubnetIds: [] }, 'ValidationException', /at 'subnetIds' failed to satisfy constraint: Member must have length greater than or equal to 1/],
        ['eleven subnets', { SubnetIds: Array(11).fill(network.subnetA) }, 'ValidationException', /at 'subnetIds' failed to satisfy constraint: Member must have length less than or equal to 10/],
        ['a malformed subnet ID', { SubnetIds: [network.subnetA, 'subnet-xyz'] }, 'ValidationException', /'subnet-xyz' at 'subnetIds.2.member' .*pattern: subnet-\[0-9a-fA-F\]\{8,17\}/],
        ['an unknown subnet', { SubnetIds: ['subnet-0123456789abcdef0'] }, 'CloudHsmInvalidRequestException', /subnet-0123456789abcdef0 does not exist/],
        ['two subnets in one AZ', { SubnetIds: [network.subnetA, network.secondSubnetA] }, 'CloudHsmInvalidRequestException', /one subnet per Availability Zone/],
        ['subnets of two VPCs', { SubnetIds: [network.subnetA, network.otherVpcSubnetB] }, 'CloudHsmInvalidRequestException', /same VPC/],
        ['a retention of 6 days', { BackupRetentionPolicy: { Type: 'DAYS', Value: '6' } }, 'CloudHsmInvalidRequestException', /between 7 and 379/],
        ['a retention of 380 days', { BackupRetentionPolicy: { Type: 'DAYS', Value: '380' } }, 'CloudHsmInvalidRequestException', /between 7 and 379/],
        ['a non-numeric retention', { BackupRetentionPolicy: { Type: 'DAYS', Value: 'ten' } }, 'ValidationException', /'ten' at 'backupRetentionPolicy.value' .*pattern: \[0-9\]\+/],
        ['a retention of "0090" (more than 3 characters)', { BackupRetentionPolicy: { Type: 'DAYS', Value: '0090' } }, 'ValidationException', /'0090' at 'backupRetentionPolicy.value' .*length less than or equal to 3/],
        ['a retention type other than DAYS', { BackupRetentionPolicy: { Type: 'WEEKS' as 'DAYS', Value: '7' } }, 'ValidationException', /'WEEKS' at 'backupRetentionPolicy.type' .*enum value set: \[DAYS\]/],
        ['a 33-character HSM type', { HsmType: `hsm2m.${'m'.repeat(27)}` }, 'ValidationException', /at 'hsmType' .*length less than or equal to 32/],
        ['an HSM type outside the model pattern', { HsmType: 'medium' }, 'ValidationException', /'medium' at 'hsmType' .*regular expression pattern/],
        ['an empty TagList', { TagList: [] }, 'ValidationException', /at 'tagList' .*length greater than or equal to 1/],
        ['a malformed source backup ID', { SourceBackupId: 'backup-1' }, 'ValidationException', /'backup-1' at 'sourceBackupId'/],
        ['51 tags', { TagList: manyTags(51) }, 'ValidationException', /at 'tagList' .*length less than or equal to 50/],
        ['a 129-character tag key', { TagList: [{ Key: 'k'.repeat(129), Value: 'v' }] }, 'CloudHsmTagException', /1 and 128/],
        ['a 257-character tag value', { TagList: [{ Key: 'k', Value: 'v'.repeat(257) }] }, 'CloudHsmTagException', /256/],
        ['a reserved tag key', { TagList: [{ Key: 'aws:owner', Value: 'v' }] }, 'CloudHsmTagException', /reserved/],
        ['a tag key outside the model pattern', { TagList: [{ Key: 'team!', Value: 'v' }] }, 'CloudHsmTagException', /'team!' at 'tagList.1.member.key'.*regular expression pattern/],
        ['a tag value outside the model pattern', { TagList: [{ Key: 'k', Value: 'a,b' }] }, 'CloudHsmTagException', /'a,b' at 'tagList.1.member.value'.*regular expression pattern/],
        ['an unknown source backup', { SourceBackupId: 'backup-abcdefghijk' }, 'CloudHsmResourceNotFoundException', /backup-abcdefghijk/],
    ])('rejects %s', async (_case, change, errorName, message) => {
        const error = await failureOf(h.client.send(new CreateClusterCommand({ ...base, ...change })));
        expect(error.name).toBe(errorName);
        expect(error.message).toMatch(message);
        expect(h.emulator.state.clusters.size).toBe(0);
        expect(h.emulator.state.securityGroups.size).toBe(0);
    });

    test('accepts the retention bounds and 50 tags', async () => {
        for (const days of ['7', '379']) {
            const { Cluster } = await h.client.send(
                new CreateClusterCommand({ ...base, BackupRetentionPolicy: { Type: 'DAYS', Value: days }, TagList: manyTags(50) }),
            );
            expect(Cluster!.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: days });
            expect(Cluster!.TagList).toHaveLength(50);
        }
    });

    test('accepts tags of letters in any script, spaces, digits and _ . : / = + - @', async () => {
        const TagList = [{ Key: 'équipe Ω_1.a:b/c=d+e-f@g', Value: 'Zürich 東京 42' }, { Key: 'empty', Value: '' }];
        const { Cluster } = await h.client.send(new CreateClusterCommand({ ...base, TagList }));
        expect(Cluster!.TagList).toEqual(TagList);
    });

    test('a fifth cluster in the region exceeds the quota, as CloudHsmInvalidRequestException (CreateCluster lists no limit error); a DELETED cluster no longer counts', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) ids.push(await createUninitializedCluster(h));
        const error = await failureOf(h.client.send(new CreateClusterCommand(base)));
        expect(error.name).toBe('CloudHsmInvalidRequestException');
        expect(error.message).toMatch(/limit exceeded.*quota of clusters per region \(4\)/);

        await h.client.send(new DeleteClusterCommand({ ClusterId: ids[0] }));
        expect((await failureOf(h.client.send(new CreateClusterCommand(base)))).name).toBe('CloudHsmInvalidRequestException');
        advance(h, h.durations.clusterDeleteSeconds);
        const { Cluster } = await h.client.send(new CreateClusterCommand(base));
        expect(Cluster!.State).toBe('CREATE_IN_PROGRESS');
    });
});

describe('CreateHsm and DeleteHsm', () => {
    test('the first HSM gets an ENI in its subnet; the CSR appears once it is ACTIVE; a second HSM must wait for initialization', async () => {
        const { Cluster } = await h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: twoAzs }));
        const clusterId = Cluster!.ClusterId!;
        const early = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' })));
        expect(early.name).toBe('CloudHsmInvalidRequestException');
        expect(early.message).toMatch(/CREATE_IN_PROGRESS/);
        advance(h, h.durations.clusterCreateSeconds);

        const wrongAz = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1c' })));
        expect(wrongAz.name).toBe('CloudHsmInvalidRequestException');
        expect(wrongAz.message).toMatch(/us-east-1c is not in the cluster's subnet mapping/);

        const { Hsm } = await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
        expect(Hsm).toMatchObject({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b', SubnetId: network.subnetB, State: 'CREATE_IN_PROGRESS' });
        expect(Hsm!.HsmId).toMatch(/^hsm-[2-7a-z]{11}$/);
        expect(Hsm!.EniId).toMatch(/^eni-[0-9a-f]{17}$/);
        expect(Hsm!.EniIp).toBe('10.0.2.4');
        expect((await describeCluster(h, clusterId)).Certificates!.ClusterCsr).toBeUndefined();

        const second = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' })));
        expect(second.name).toBe('CloudHsmInvalidRequestException');
        expect(second.message).toMatch(/not initialized and already has an HSM/);

        advance(h, h.durations.hsmCreateSeconds);
        const described = await describeCluster(h, clusterId);
        expect(described.Hsms).toEqual([expect.objectContaining({ HsmId: Hsm!.HsmId, State: 'ACTIVE', EniIp: '10.0.2.4' })]);
        expect(described.Certificates!.ClusterCsr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    });

    test('a requested IP address must be a free address of the subnet', async () => {
        const first = await createInitializedCluster(h);
        const outside = await failureOf(
            h.client.send(new CreateHsmCommand({ ClusterId: first.clusterId, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.1.50' })),
        );
        expect(outside.message).toMatch(/10.0.1.50 is not an available address of subnet/);
        const reserved = await failureOf(
            h.client.send(new CreateHsmCommand({ ClusterId: first.clusterId, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.2.2' })),
        );
        expect(reserved.name).toBe('CloudHsmInvalidRequestException');
        const { Hsm } = await h.client.send(
            new CreateHsmCommand({ ClusterId: first.clusterId, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.2.50' }),
        );
        expect(Hsm!.EniIp).toBe('10.0.2.50');
        const taken = await failureOf(
            h.client.send(new CreateHsmCommand({ ClusterId: first.clusterId, AvailabilityZone: 'us-east-1b', IpAddress: '10.0.2.50' })),
        );
        expect(taken.message).toMatch(/already in use/);
    });

    test('after initialization HSMs can be created back to back; users replicate to each when it becomes ACTIVE', async () => {
        const { clusterId, firstHsmId } = await createInitializedCluster(h);
        const created = await Promise.all(
            ['us-east-1a', 'us-east-1b', 'us-east-1b'].map((az) =>
                h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: az })),
            ),
        );
        const newIds = created.map((c) => c.Hsm!.HsmId!);
        expect(new Set(created.map((c) => c.Hsm!.EniIp)).size).toBe(3);
        expect(clusterOf(h, clusterId).users[0].hsmIds).toEqual([firstHsmId]);
        advance(h, h.durations.hsmCreateSeconds);
        expect((await describeCluster(h, clusterId)).Hsms!.map((x) => x.State)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
        expect(clusterOf(h, clusterId).users[0].hsmIds.sort()).toEqual([firstHsmId, ...newIds].sort());
    });

    test('DeleteHsm by HSM ID, ENI ID or ENI IP; the HSM is gone after the deletion time and leaves the users', async () => {
        const { clusterId, firstHsmId } = await createInitializedCluster(h);
        const made = [];
        for (const az of ['us-east-1a', 'us-east-1b']) {
            made.push((await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: az }))).Hsm!);
        }
        advance(h, h.durations.hsmCreateSeconds);

        expect((await h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, EniIp: made[0].EniIp }))).HsmId).toBe(made[0].HsmId);
        expect((await h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, EniId: made[1].EniId }))).HsmId).toBe(made[1].HsmId);
        expect((await h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: firstHsmId }))).HsmId).toBe(firstHsmId);
        const again = await failureOf(h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: firstHsmId })));
        expect(again.message).toMatch(/already being deleted/);
        expect((await describeCluster(h, clusterId)).Hsms!.map((x) => x.State)).toEqual(Array(3).fill('DELETE_IN_PROGRESS'));

        advance(h, h.durations.hsmDeleteSeconds);
        expect((await describeCluster(h, clusterId)).Hsms).toEqual([]);
        expect(clusterOf(h, clusterId).users[0].hsmIds).toEqual([]);
    });

    test('DeleteHsm needs a selector that names an HSM of the cluster', async () => {
        const clusterId = await createUninitializedCluster(h);
        const none = await failureOf(h.client.send(new DeleteHsmCommand({ ClusterId: clusterId })));
        expect(none.name).toBe('CloudHsmInvalidRequestException');
        const unknown = await failureOf(h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: 'hsm-abcdefghijk' })));
        expect(unknown.name).toBe('CloudHsmResourceNotFoundException');
    });

    test('HSM quotas: 6 per account across clusters (adjustable), 28 per cluster (fixed)', async () => {
        const { clusterId } = await createInitializedCluster(h);
        const other = await createUninitializedCluster(h, [network.subnetC]);
        await h.client.send(new CreateHsmCommand({ ClusterId: other, AvailabilityZone: 'us-east-1c' }));
        for (let i = 0; i < 4; i++) await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }));
        const overAccount = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' })));
        expect(overAccount.name).toBe('CloudHsmInvalidRequestException');
        expect(overAccount.message).toMatch(/HSMs per account per region \(6\)/);

        h.service.quotas.hsmsPerAccountPerRegion = 100;
        for (let i = 0; i < 23; i++) await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
        expect(clusterOf(h, clusterId).hsms).toHaveLength(28);
        const overCluster = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' })));
        expect(overCluster.name).toBe('CloudHsmInvalidRequestException');
        expect(overCluster.message).toMatch(/limit exceeded.*maximum of 28 HSMs per cluster/);
    });

    test('maintenance states refuse HSM changes', async () => {
        const { clusterId, firstHsmId } = await createInitializedCluster(h);
        h.service.setClusterState(clusterId, 'UPDATE_IN_PROGRESS');
        const create = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' })));
        expect(create.message).toMatch(/UPDATE_IN_PROGRESS/);
        const remove = await failureOf(h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: firstHsmId })));
        expect(remove.name).toBe('CloudHsmInvalidRequestException');
    });
});

describe('InitializeCluster', () => {
    test('needs an ACTIVE HSM and a certificate for the cluster key issued by the trust anchor', async () => {
        const clusterId = await createUninitializedCluster(h);
        const otherKeyCert = signClusterCsr((await csrOfNewCluster()).csr);
        const noHsm = await failureOf(
            h.client.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: otherKeyCert.signedCertPem, TrustAnchor: otherKeyCert.trustAnchorPem })),
        );
        expect(noHsm.message).toMatch(/no ACTIVE HSM/);

        await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }));
        advance(h, h.durations.hsmCreateSeconds);
        // A certificate signed by the right CA but for another cluster's key.
        const wrongKey = await failureOf(
            h.client.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: otherKeyCert.signedCertPem, TrustAnchor: otherKeyCert.trustAnchorPem })),
        );
        expect(wrongKey.name).toBe('CloudHsmInvalidRequestException');
        expect(wrongKey.message).toMatch(/public key is not the HSM key/);
        const notPem = await failureOf(h.client.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: 'junk', TrustAnchor: 'junk' })));
        expect(notPem.message).toMatch(/SignedCert is not a valid/);

        const csr = (await describeCluster(h, clusterId)).Certificates!.ClusterCsr!;
        const signed = signClusterCsr(csr);
        const accepted = await h.client.send(
            new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: signed.signedCertPem, TrustAnchor: signed.trustAnchorPem }),
        );
        expect(accepted.State).toBe('INITIALIZE_IN_PROGRESS');
        const during = await describeCluster(h, clusterId);
        expect(during.Certificates).toEqual({ ClusterCertificate: signed.signedCertPem });
        const twice = await failureOf(
            h.client.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: signed.signedCertPem, TrustAnchor: signed.trustAnchorPem })),
        );
        expect(twice.message).toMatch(/only an UNINITIALIZED cluster can be initialized/);
        const hsmMeanwhile = await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' })));
        expect(hsmMeanwhile.name).toBe('CloudHsmInvalidRequestException');

        advance(h, h.durations.clusterInitializeSeconds);
        expect((await describeCluster(h, clusterId)).State).toBe('INITIALIZED');
        const cluster = clusterOf(h, clusterId);
        expect(cluster.users).toEqual([
            { username: 'admin', role: 'unactivated-admin', hsmIds: [cluster.hsms[0].hsmId], failedLogins: 0, locked: false },
        ]);
        expect(cluster.pki).toMatchObject({ trustAnchorPem: signed.trustAnchorPem, clusterCertificatePem: signed.signedCertPem });
    });

    /** A CSR of another cluster's HSM, to sign a certificate for the wrong key. */
    async function csrOfNewCluster(): Promise<{ csr: string }> {
        const clusterId = await createUninitializedCluster(h, [network.subnetC]);
        await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1c' }));
        advance(h, h.durations.hsmCreateSeconds);
        return { csr: (await describeCluster(h, clusterId)).Certificates!.ClusterCsr! };
    }
});

describe('DeleteCluster', () => {
    test('only without HSMs; DELETED stays listed for an hour of emulated time and is not found otherwise', async () => {
        const { Cluster } = await h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: twoAzs }));
        const clusterId = Cluster!.ClusterId!;
        expect((await failureOf(h.client.send(new DeleteClusterCommand({ ClusterId: clusterId })))).message).toMatch(/CREATE_IN_PROGRESS/);
        advance(h, h.durations.clusterCreateSeconds);
        const { Hsm } = await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }));
        const withHsm = await failureOf(h.client.send(new DeleteClusterCommand({ ClusterId: clusterId })));
        expect(withHsm.name).toBe('CloudHsmInvalidRequestException');
        expect(withHsm.message).toMatch(/Delete all HSMs before deleting the cluster/);
        await h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: Hsm!.HsmId }));
        advance(h, h.durations.hsmDeleteSeconds);

        const deleting = await h.client.send(new DeleteClusterCommand({ ClusterId: clusterId }));
        expect(deleting.Cluster!.State).toBe('DELETE_IN_PROGRESS');
        expect((await failureOf(h.client.send(new DeleteClusterCommand({ ClusterId: clusterId })))).message).toMatch(/already being deleted/);
        advance(h, h.durations.clusterDeleteSeconds);
        expect((await describeCluster(h, clusterId)).State).toBe('DELETED');
        expect(h.emulator.state.securityGroups.has(Cluster!.SecurityGroup!)).toBe(false);
        for (const call of [
            new DeleteClusterCommand({ ClusterId: clusterId }),
            new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' }),
            new ListTagsCommand({ ResourceId: clusterId }),
        ]) {
            expect((await failureOf(h.client.send(call as any))).name).toBe('CloudHsmResourceNotFoundException');
        }

        advance(h, h.durations.deletedClusterVisibleSeconds);
        const { Clusters } = await h.client.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
        expect(Clusters).toEqual([]);
    });
});

describe('DescribeClusters', () => {
    test('filters by cluster ID, VPC and state; unknown IDs yield nothing', async () => {
        const initialized = (await createInitializedCluster(h)).clusterId;
        const uninitialized = await createUninitializedCluster(h);
        const byState = await h.client.send(new DescribeClustersCommand({ Filters: { states: ['INITIALIZED'] } }));
        expect(byState.Clusters!.map((c) => c.ClusterId)).toEqual([initialized]);
        const byVpc = await h.client.send(new DescribeClustersCommand({ Filters: { vpcIds: [network.vpcId] } }));
        expect(byVpc.Clusters!.map((c) => c.ClusterId)).toEqual([initialized, uninitialized]);
        const otherVpc = await h.client.send(new DescribeClustersCommand({ Filters: { vpcIds: [network.otherVpcId] } }));
        expect(otherVpc.Clusters).toEqual([]);
        const unknown = await h.client.send(new DescribeClustersCommand({ Filters: { clusterIds: ['cluster-abcdefghijk', uninitialized] } }));
        expect(unknown.Clusters!.map((c) => c.ClusterId)).toEqual([uninitialized]);
        const badKey = await failureOf(h.client.send(new DescribeClustersCommand({ Filters: { names: ['x'] } })));
        expect(badKey.name).toBe('CloudHsmInvalidRequestException');
    });

    test('pages with MaxResults 1..25 and an opaque NextToken', async () => {
        const ids = [];
        for (let i = 0; i < 3; i++) ids.push(await createUninitializedCluster(h));
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
            const page = await h.client.send(new DescribeClustersCommand({ MaxResults: 2, NextToken: token }));
            seen.push(...page.Clusters!.map((c) => c.ClusterId!));
            token = page.NextToken;
            pages++;
        } while (token);
        expect(pages).toBe(2);
        expect(seen).toEqual(ids);
        for (const [maxResults, bound] of [[0, 'value greater than or equal to 1'], [26, 'value less than or equal to 25']] as const) {
            const error = await failureOf(h.client.send(new DescribeClustersCommand({ MaxResults: maxResults })));
            expect(error.message).toContain(`at 'maxResults' failed to satisfy constraint: Member must have ${bound}`);
        }
        const longToken = await failureOf(h.client.send(new DescribeClustersCommand({ NextToken: 'a'.repeat(257) })));
        expect(longToken.message).toMatch(/at 'nextToken' .*length less than or equal to 256/);
        const filters = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`states${i}`, ['ACTIVE']]));
        const tooManyFilters = await failureOf(h.client.send(new DescribeClustersCommand({ Filters: filters })));
        expect(tooManyFilters.message).toMatch(/at 'filters' .*length less than or equal to 30/);
        const badToken = await failureOf(h.client.send(new DescribeClustersCommand({ NextToken: 'not-a-token' })));
        expect(badToken.name).toBe('CloudHsmInvalidRequestException');
    });
});

describe('ModifyCluster', () => {
    test('changes the retention period; validates it and the HSM type', async () => {
        const clusterId = await createUninitializedCluster(h);
        const { Cluster } = await h.client.send(
            new ModifyClusterCommand({ ClusterId: clusterId, BackupRetentionPolicy: { Type: 'DAYS', Value: '30' } }),
        );
        expect(Cluster!.BackupRetentionPolicy).toEqual({ Type: 'DAYS', Value: '30' });
        const tooLong = await failureOf(
            h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, BackupRetentionPolicy: { Type: 'DAYS', Value: '400' } })),
        );
        expect(tooLong.name).toBe('CloudHsmInvalidRequestException');
        const nothing = await failureOf(h.client.send(new ModifyClusterCommand({ ClusterId: clusterId } as any)));
        expect(nothing.message).toMatch(/Specify BackupRetentionPolicy or HsmType/);
        const hsm1 = await failureOf(h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, HsmType: 'hsm1.medium' } as any)));
        expect(hsm1.message).toMatch(/end of support/);
        const same = await failureOf(h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, HsmType: 'hsm2m.medium' } as any)));
        expect(same.message).toMatch(/already has HSM type/);
        const unknown = await failureOf(
            h.client.send(new ModifyClusterCommand({ ClusterId: 'cluster-abcdefghijk', BackupRetentionPolicy: { Type: 'DAYS', Value: '30' } })),
        );
        expect(unknown.name).toBe('CloudHsmResourceNotFoundException');
    });

    test('an ACTIVE hsm1.medium cluster migrates one HSM at a time, each keeping its ENI and IP, with a backup before each', async () => {
        const { clusterId } = await createInitializedCluster(h);
        await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
        advance(h, h.durations.hsmCreateSeconds);
        const cluster = clusterOf(h, clusterId);
        cluster.hsmType = 'hsm1.medium';
        cluster.state = 'ACTIVE';
        const before = cluster.hsms.map((hsm) => ({ hsmId: hsm.hsmId, eniId: hsm.eniId, eniIp: hsm.eniIp }));
        const backupsBefore = h.emulator.state.backups.size;
        const startedAt = h.clock.now() / 1000;

        const { Cluster } = await h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, HsmType: 'hsm2m.medium' } as any));

        expect(Cluster!.State).toBe('MODIFY_IN_PROGRESS');
        const first = await describeCluster(h, clusterId);
        expect(first.HsmType).toBe('hsm1.medium');
        expect(first.Hsms!.map((hsm) => `${hsm.EniIp} ${(hsm as { HsmType?: string }).HsmType} ${hsm.State}`).sort()).toEqual(
            [`${before[0].eniIp} hsm1.medium ACTIVE`, `${before[0].eniIp} hsm2m.medium CREATE_IN_PROGRESS`, `${before[1].eniIp} hsm1.medium ACTIVE`].sort(),
        );
        // The limited-write mode: no HSM changes while migrating.
        expect((await failureOf(h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1a' })))).message).toMatch(/MODIFY_IN_PROGRESS/);
        advance(h, h.durations.hsmTypeMigrationSecondsPerHsm);
        expect((await describeCluster(h, clusterId)).State).toBe('MODIFY_IN_PROGRESS');
        advance(h, h.durations.hsmTypeMigrationSecondsPerHsm);

        const done = await describeCluster(h, clusterId);
        expect(done).toMatchObject({ State: 'ACTIVE', HsmType: 'hsm2m.medium' });
        // The 3.332 client does not read HsmTypeRollbackExpiration: it is on the wire.
        const raw = await rawCall(h.emulator.endpoint, 'DescribeClusters', { Filters: { clusterIds: [clusterId] } });
        expect(raw.json.Clusters[0].HsmTypeRollbackExpiration).toBeCloseTo(startedAt + 24 * 3600, 0);
        expect(done.Hsms!.map((hsm) => `${hsm.EniId} ${hsm.EniIp} ${(hsm as { HsmType?: string }).HsmType} ${hsm.State}`).sort()).toEqual(
            before.map((b) => `${b.eniId} ${b.eniIp} hsm2m.medium ACTIVE`).sort(),
        );
        expect(done.Hsms!.some((hsm) => before.some((b) => b.hsmId === hsm.HsmId))).toBe(false);
        // A backup before each HSM and one at the end (each taken when the previous one is done).
        expect(h.emulator.state.backups.size).toBeGreaterThan(backupsBefore);
        const admin = clusterOf(h, clusterId).users.find((u) => u.username === 'admin')!;
        expect(new Set(admin.hsmIds)).toEqual(new Set(done.Hsms!.map((hsm) => hsm.HsmId)));
    });

    test('a migration whose validation fails is rolled back to hsm1.medium, with the reason in StateMessage', async () => {
        const { clusterId } = await createInitializedCluster(h);
        const cluster = clusterOf(h, clusterId);
        cluster.hsmType = 'hsm1.medium';
        cluster.state = 'ACTIVE';
        await h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, HsmType: 'hsm2m.medium' } as any));
        h.service.failHsmTypeMigration(clusterId, 'error rate increased');
        advance(h, h.durations.hsmTypeMigrationSecondsPerHsm);

        expect(await describeCluster(h, clusterId)).toMatchObject({ State: 'ROLLBACK_IN_PROGRESS', StateMessage: expect.stringContaining('error rate increased') });
        advance(h, h.durations.hsmTypeRollbackSeconds);
        const rolledBack = await describeCluster(h, clusterId);
        expect(rolledBack).toMatchObject({ State: 'ACTIVE', HsmType: 'hsm1.medium', StateMessage: expect.stringContaining('rolled back') });
        expect(rolledBack.Hsms!.every((hsm) => (hsm as { HsmType?: string }).HsmType === 'hsm1.medium')).toBe(true);
    });

    test('a cluster without HSMs changes its type once the service has recorded it', async () => {
        const clusterId = await createUninitializedCluster(h);
        const cluster = clusterOf(h, clusterId);
        cluster.hsmType = 'hsm1.medium';
        cluster.state = 'ACTIVE';
        await h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, HsmType: 'hsm2m.medium' } as any));
        advance(h, h.durations.clusterModifySeconds);
        expect(await describeCluster(h, clusterId)).toMatchObject({ State: 'ACTIVE', HsmType: 'hsm2m.medium' });
    });
});

describe('tags', () => {
    test('TagResource, ListTags (paged) and UntagResource on a cluster', async () => {
        const clusterId = await createUninitializedCluster(h);
        const tags = Array.from({ length: 25 }, (_, i) => ({ Key: `key-${String(i).padStart(2, '0')}`, Value: `value-${i}` }));
        await h.client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: tags }));
        expect((await h.client.send(new ListTagsCommand({ ResourceId: clusterId }))).TagList).toEqual(tags);
        const first = await h.client.send(new ListTagsCommand({ ResourceId: clusterId, MaxResults: 20 }));
        expect(first.TagList).toHaveLength(20);
        const second = await h.client.send(new ListTagsCommand({ ResourceId: clusterId, MaxResults: 20, NextToken: first.NextToken }));
        expect(second.NextToken).toBeUndefined();
        expect([...first.TagList!, ...second.TagList!]).toEqual(tags);

        await h.client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: 'key-00', Value: 'changed' }] }));
        await h.client.send(new UntagResourceCommand({ ResourceId: clusterId, TagKeyList: tags.slice(1).map((t) => t.Key) }));
        expect((await h.client.send(new ListTagsCommand({ ResourceId: clusterId }))).TagList).toEqual([{ Key: 'key-00', Value: 'changed' }]);
        expect((await describeCluster(h, clusterId)).TagList).toEqual([{ Key: 'key-00', Value: 'changed' }]);
    });

    test('limits and unknown resources', async () => {
        const clusterId = await createUninitializedCluster(h);
        const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: '' }));
        await h.client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: fifty }));
        const over = await failureOf(h.client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: 'one-more', Value: 'v' }] })));
        // TagResource is the one operation whose model lists CloudHsmResourceLimitExceededException.
        expect(over.name).toBe('CloudHsmResourceLimitExceededException');
        const badCharacter = await failureOf(h.client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: 'k0', Value: 'a;b' }] })));
        expect(badCharacter.name).toBe('CloudHsmTagException');
        const badKeyToRemove = await failureOf(h.client.send(new UntagResourceCommand({ ResourceId: clusterId, TagKeyList: ['k#'] })));
        expect(badKeyToRemove.message).toMatch(/'k#' at 'tagKeyList.1.member'/);
        const reserved = await failureOf(h.client.send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: 'aws:x', Value: 'v' }] })));
        expect(reserved.name).toBe('CloudHsmTagException');
        for (const resourceId of ['cluster-abcdefghijk', 'backup-abcdefghijk']) {
            const error = await failureOf(h.client.send(new ListTagsCommand({ ResourceId: resourceId })));
            expect(error.name).toBe('CloudHsmResourceNotFoundException');
        }
        // The model's ResourceId pattern admits cluster and backup IDs only: no other ID, no ARN.
        const arn = `arn:aws:cloudhsm:us-east-1:123456789012:cluster/${clusterId}`;
        for (const resourceId of ['vpc-1234', arn]) {
            for (const call of [
                new ListTagsCommand({ ResourceId: resourceId }),
                new TagResourceCommand({ ResourceId: resourceId, TagList: [{ Key: 'k', Value: 'v' }] }),
                new UntagResourceCommand({ ResourceId: resourceId, TagKeyList: ['k0'] }),
            ]) {
                const error = await failureOf(h.client.send(call as any));
                expect(error.name).toBe('ValidationException');
                expect(error.message).toContain(`1 validation error detected: Value '${resourceId}' at 'resourceId' failed to satisfy constraint: Member must satisfy regular expression pattern: (?:cluster|backup)-[2-7a-zA-Z]{11,16}`);
            }
        }
        expect((await h.client.send(new ListTagsCommand({ ResourceId: clusterId, MaxResults: 100 }))).TagList).toHaveLength(50);
        for (const maxResults of [0, 101]) {
            const pageTooBig = await failureOf(h.client.send(new ListTagsCommand({ ResourceId: clusterId, MaxResults: maxResults })));
            expect(pageTooBig.name).toBe('ValidationException');
        }
    });
});

describe('member patterns of the model (ValidationException before the operation runs)', () => {
    const valid = 'cluster-abcdefghijk';
    test.each<[string, any, RegExp]>([
        ['DeleteCluster: a cluster ID of 10 characters', new DeleteClusterCommand({ ClusterId: 'cluster-abcdefghij' }), /at 'clusterId' .*cluster-\[2-7a-zA-Z\]\{11,16\}/],
        ['DeleteCluster: a cluster ID with digits outside base32', new DeleteClusterCommand({ ClusterId: 'cluster-abcdefghij0' }), /at 'clusterId'/],
        ['CreateHsm: a malformed AvailabilityZone', new CreateHsmCommand({ ClusterId: valid, AvailabilityZone: 'useast1a' }), /'useast1a' at 'availabilityZone'/],
        ['CreateHsm: a malformed IpAddress', new CreateHsmCommand({ ClusterId: valid, AvailabilityZone: 'us-east-1a', IpAddress: '10.0.0' }), /'10.0.0' at 'ipAddress'/],
        ['DeleteHsm: a malformed HsmId', new DeleteHsmCommand({ ClusterId: valid, HsmId: 'hsm-1' }), /'hsm-1' at 'hsmId'/],
        ['DeleteHsm: a malformed EniId', new DeleteHsmCommand({ ClusterId: valid, EniId: 'eni-xyz' }), /'eni-xyz' at 'eniId'/],
        ['InitializeCluster: a SignedCert over 20000 characters', new InitializeClusterCommand({ ClusterId: valid, SignedCert: 'A'.repeat(20001), TrustAnchor: 'A' }), /at 'signedCert' .*length less than or equal to 20000/],
        ['InitializeCluster: a TrustAnchor outside the pattern', new InitializeClusterCommand({ ClusterId: valid, SignedCert: 'A', TrustAnchor: 'not;pem' }), /'not;pem' at 'trustAnchor' .*pattern/],
        ['ModifyCluster: a malformed cluster ID', new ModifyClusterCommand({ ClusterId: 'my-cluster', BackupRetentionPolicy: { Type: 'DAYS', Value: '90' } }), /'my-cluster' at 'clusterId'/],
    ])('%s', async (_case, call, message) => {
        const error = await failureOf(h.client.send(call));
        expect(error.name).toBe('ValidationException');
        expect(error.message).toMatch(/^1 validation error detected: Value /);
        expect(error.message).toMatch(message);
    });
});

describe('errors shared with the emulator framework', () => {
    test('unknown clusters are not found; injected faults use the service name cloudhsmv2', async () => {
        const unknown = await failureOf(
            h.client.send(new InitializeClusterCommand({ ClusterId: 'cluster-abcdefghijk', SignedCert: 'x', TrustAnchor: 'y' })),
        );
        expect(unknown.name).toBe('CloudHsmResourceNotFoundException');
        expect(unknown.message).toBe('The cluster cluster-abcdefghijk does not exist.');

        // No `times`: the 3.332 client retries once even with maxAttempts 1 (its retry count starts at 0).
        const from = h.emulator.calls.length;
        h.emulator.faults.add({ service: 'cloudhsmv2', action: 'DescribeClusters', kind: 'internal' });
        h.emulator.faults.add({ service: 'cloudhsmv2', action: 'CreateCluster', kind: 'throttle' });
        expect((await failureOf(h.client.send(new DescribeClustersCommand({})))).name).toBe('CloudHsmInternalFailureException');
        expect((await failureOf(h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: twoAzs })))).name).toBe(
            'ThrottlingException',
        );
        const failedCalls = h.emulator.calls.slice(from).map((c) => `${c.service}:${c.action}:${c.error}`);
        expect(new Set(failedCalls)).toEqual(
            new Set(['cloudhsmv2:DescribeClusters:CloudHsmInternalFailureException', 'cloudhsmv2:CreateCluster:ThrottlingException']),
        );
        h.emulator.faults.clear();
        expect((await h.client.send(new DescribeClustersCommand({}))).Clusters).toEqual([]);
        expect(h.emulator.state.clusters.size).toBe(0);
    });
});
