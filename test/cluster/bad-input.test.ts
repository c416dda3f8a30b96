/**
 * Bad input is rejected before anything is created: FAILED with InvalidRequest, a message that names the
 * property and says what would do, and nothing left in the account.
 */
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';

let aws: LocalAws;
let subnetInA2: string;
let instanceInOtherVpc: string;
beforeAll(async () => {
    aws = await startLocalAws();
    subnetInA2 = 'subnet-0a0a0a0a0a0a0a0a2';
    aws.emulator.state.subnets.set(subnetInA2, { subnetId: subnetInA2, vpcId: aws.network.vpcId, availabilityZone: 'us-east-1a', cidr: '10.0.9.0/24' });
    instanceInOtherVpc = addManagementInstance(aws.emulator.state, aws.network.otherVpcSubnetId).instanceId;
});
afterAll(() => aws.stop());

type Case = [description: string, overrides: (aws: LocalAws) => Record<string, unknown>, property: RegExp, code?: string];

const cases: Case[] = [
    ['no subnets', () => ({ SubnetIds: undefined }), /SubnetIds/],
    ['an empty subnet list', () => ({ SubnetIds: [] }), /SubnetIds/],
    ['a malformed subnet ID', () => ({ SubnetIds: ['subnet-xyz'] }), /SubnetIds.*subnet-xyz/],
    ['the same subnet twice', (a) => ({ SubnetIds: [a.network.subnetIds.a, a.network.subnetIds.a] }), /SubnetIds/],
    ['eleven subnets', () => ({ SubnetIds: Array.from({ length: 11 }, (_, i) => `subnet-${String(i).padStart(17, '0')}`) }), /SubnetIds.*10/],
    ['a subnet that does not exist', () => ({ SubnetIds: ['subnet-0123456789abcdef0'] }), /SubnetIds.*subnet-0123456789abcdef0/],
    ['two subnets in one Availability Zone', (a) => ({ SubnetIds: [a.network.subnetIds.a, subnetInA2] }), /SubnetIds.*us-east-1a/],
    ['subnets in two VPCs', (a) => ({ SubnetIds: [a.network.subnetIds.a, a.network.otherVpcSubnetId] }), /SubnetIds.*VPC/],
    ['HsmsPerSubnet -1', () => ({ HsmsPerSubnet: -1 }), /HsmsPerSubnet/],
    ['HsmsPerSubnet 29', () => ({ HsmsPerSubnet: 29 }), /HsmsPerSubnet/],
    ['more than 28 HSMs in all', () => ({ HsmsPerSubnet: 15 }), /HsmsPerSubnet.*28/],
    ['HsmsPerSubnet that is not a number', () => ({ HsmsPerSubnet: 'two' }), /HsmsPerSubnet/],
    ['backup retention of 6 days', () => ({ BackupRetentionDays: 6 }), /BackupRetentionDays.*7 to 379/],
    ['backup retention of 380 days', () => ({ BackupRetentionDays: 380 }), /BackupRetentionDays.*7 to 379/],
    ['an unknown HSM type', () => ({ HsmType: 'hsm9.huge' }), /HsmType/],
    ['the retired HSM type for a new cluster', () => ({ HsmType: 'hsm1.medium' }), /HsmType.*end of support/],
    ['non-FIPS mode on hsm1.medium', () => ({ HsmType: 'hsm1.medium', Mode: 'NON_FIPS', SourceBackupId: 'backup-abcdefghijk' }), /Mode NON_FIPS/],
    ['an unknown mode', () => ({ Mode: 'FAST' }), /Mode/],
    ['a malformed backup ID', () => ({ SourceBackupId: 'backup-1' }), /SourceBackupId/],
    ['a backup that does not exist', () => ({ SourceBackupId: 'backup-abcdefghijk' }), /SourceBackupId.*backup-abcdefghijk/],
    ['a certificate authority mode on a restore', () => ({ SourceBackupId: 'backup-abcdefghijk', CertificateAuthority: 'EXTERNAL' }), /CertificateAuthority/],
    ['an unknown certificate authority', () => ({ CertificateAuthority: 'PCA' }), /CertificateAuthority/],
    ['external certificates with SELF_SIGNED', () => ({ ExternalClusterCertificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----' }), /ExternalClusterCertificate/],
    ['a malformed instance ID', () => ({ ManagementInstanceId: 'i-123' }), /ManagementInstanceId/],
    ['an instance that does not exist', () => ({ ManagementInstanceId: 'i-0123456789abcdef0' }), /ManagementInstanceId.*does not exist/],
    ['an instance SSM does not manage', (a) => ({ ManagementInstanceId: a.network.unmanagedInstanceId }), /ManagementInstanceId.*not managed by SSM/],
    ['an instance in another VPC', () => ({ ManagementInstanceId: instanceInOtherVpc }), /ManagementInstanceId.*not in the cluster's VPC/],
    ['a tag with the reserved aws: prefix', () => ({ Tags: [{ Key: 'aws:owner', Value: 'x' }] }), /Tags.*aws:/],
    ['a tag with the type\'s own prefix', () => ({ Tags: [{ Key: 'cloudhsm-type:x', Value: 'x' }] }), /Tags.*cloudhsm-type:/],
    ['a tag value over 256 characters', () => ({ Tags: [{ Key: 'k', Value: 'v'.repeat(257) }] }), /Tags/],
    ['a tag key with a character CloudHSM refuses', () => ({ Tags: [{ Key: 'team!', Value: 'x' }] }), /Tags: the tag "team!" .*key.*letters, spaces, digits and _ \. : \/ = \+ - @/],
    ['a tag value with a character CloudHSM refuses', () => ({ Tags: [{ Key: 'team', Value: 'a,b' }] }), /Tags: the tag "team" .*value/],
    ['too many tags', () => ({ Tags: Array.from({ length: 45 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }), /Tags.*44/],
    ['an imported admin secret on a create', () => ({ ImportedAdminSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-AbCdEf' }), /ImportedAdminSecretArn.*imported/],
    ['an imported trust anchor secret on a create', () => ({ ImportedTrustAnchorSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ca-AbCdEf' }), /ImportedTrustAnchorSecretArn.*imported/],
];

test.each(cases)('%s is rejected before anything is created', async (_description, overrides, property, code = 'InvalidRequest') => {
    const before = { calls: aws.emulator.calls.length, clusters: aws.emulator.state.clusters.size, secrets: aws.emulator.state.secrets.size };
    const properties = Object.fromEntries(Object.entries(clusterProperties(aws, overrides(aws))).filter(([, v]) => v !== undefined));

    const created = await aws.driver(clusterType).create(properties);

    expect(created.status).toBe('FAILED');
    expect(created.errorCode).toBe(code);
    expect(created.message).toMatch(property);
    expect(created.invocations).toBe(1);
    const mutating = aws.emulator.calls.slice(before.calls).filter((c) => !/^(Describe|List|Get|Put(LogEvents|MetricData)|Create(LogGroup|LogStream))/.test(c.action));
    expect(mutating).toEqual([]);
    expect(aws.emulator.state.clusters.size).toBe(before.clusters);
    expect(aws.emulator.state.secrets.size).toBe(before.secrets);
});

test('a stack tag with a character CloudHSM refuses is rejected before anything is created, naming the tag', async () => {
    // GIVEN a stack whose tags (which go on the cluster) include one CloudHSM refuses
    const before = { clusters: aws.emulator.state.clusters.size, secrets: aws.emulator.state.secrets.size };
    const driver = aws.driver(clusterType, { stackTags: { owner: 'platform', 'cost#center': '42' } });

    // WHEN
    const created = await driver.create(clusterProperties(aws));

    // THEN
    expect(created.status).toBe('FAILED');
    expect(created.errorCode).toBe('InvalidRequest');
    expect(created.message).toMatch(/Tags: the stack tag "cost#center" .*key/);
    expect(created.message).not.toMatch(/owner/);
    expect(aws.emulator.state.clusters.size).toBe(before.clusters);
    expect(aws.emulator.state.secrets.size).toBe(before.secrets);
});

test("a stack tag with the type's own prefix is rejected before anything is created: it would write the type's records or an import consent on the cluster", async () => {
    const before = { clusters: aws.emulator.state.clusters.size, secrets: aws.emulator.state.secrets.size };
    const driver = aws.driver(clusterType, { stackTags: { owner: 'platform', 'cloudhsm-type:import-into': 'another-stack' } });

    const created = await driver.create(clusterProperties(aws));

    expect({ status: created.status, errorCode: created.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(created.message).toMatch(/Tags: the stack tag "cloudhsm-type:import-into" uses the prefix cloudhsm-type:/);
    expect(aws.emulator.state.clusters.size).toBe(before.clusters);
    expect(aws.emulator.state.secrets.size).toBe(before.secrets);
});

test('there are at least 20 bad inputs', () => expect(cases.length).toBeGreaterThanOrEqual(20));

test('several problems are reported together', async () => {
    const created = await aws.driver(clusterType).create(clusterProperties(aws, { HsmsPerSubnet: 40, BackupRetentionDays: 2, Mode: 'X' }));
    expect(created.errorCode).toBe('InvalidRequest');
    expect(created.message).toMatch(/HsmsPerSubnet.*/);
    expect(created.message).toMatch(/BackupRetentionDays/);
    expect(created.message).toMatch(/Mode/);
});

test('primitives sent as strings, as CloudFormation sends them, are accepted', async () => {
    const driver = aws.driver(clusterType);
    const created = await driver.create(
        { SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], HsmsPerSubnet: '2', BackupRetentionDays: '30', ManagementInstanceId: aws.network.managementInstanceId },
        { stringify: false },
    );

    expect(created.status).toBe('SUCCESS');
    expect(created.model).toMatchObject({ HsmsPerSubnet: 2, BackupRetentionDays: 30 });
    expect(created.model!.Hsms).toHaveLength(4);
    expect((await driver.delete(created.model!)).status).toBe('SUCCESS');
});
