/**
 * `npm run check-template`: the example template passes it, and a template full of mistakes fails with each
 * mistake named on a line of its own (resource, property path, message).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseTemplate } from '../../tools/check-template/cfn-yaml';
import { checkTemplateCommand } from './check-template-command';

const root = join(__dirname, '..', '..');
const organization = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).config.typeOrganization as string;
const EXAMPLE = join(root, 'examples', 'cloudhsm-kms-stack.yaml');

test('GIVEN the example template WHEN it is checked THEN it has no problem', () => {
    expect(checkTemplateCommand(EXAMPLE)).toEqual({ code: 0, lines: [`${EXAMPLE}: ok`] });
});

test('GIVEN a template with mistakes in resources of both types WHEN it is checked THEN it fails with one line per mistake', () => {
    // The fixture names the types with the default organization; the check knows the configured one.
    const fixture = readFileSync(join(__dirname, 'fixtures', 'mistakes.yaml'), 'utf8').replace(/Community::CloudHsm::/g, `${organization}::CloudHsm::`);
    const file = join(mkdtempSync(join(tmpdir(), 'check-template-')), 'mistakes.yaml');
    writeFileSync(file, fixture);
    const cluster = `${organization}::CloudHsm::Cluster`;
    const clusterAttributes = 'ClusterId, State, VpcId, SecurityGroupId, Hsms, ClusterCsr, TrustAnchorCertificate, AdminSecretArn, TrustAnchorSecretArn';

    const { code, lines } = checkTemplateCommand(file);

    expect(code).toBe(1);
    expect(lines.map((l) => l.replace(`${file}: `, '')).sort()).toEqual(
        [
            'BadCluster DeletionPolicy: must be one of: Delete, Retain, RetainExceptOnCreate',
            `BadCluster Properties.ClusterId: is read-only: an attribute of ${cluster} to read with Fn::GetAtt, not a property to set`,
            'BadCluster Properties.SubnetIds: is required',
            `BadCluster Properties.Colour: is not a property of ${cluster}`,
            'BadCluster Properties.HsmType: must be one of: hsm2m.medium, hsm1.medium',
            'BadCluster Properties.HsmsPerSubnet: must be <= 28',
            'BadCluster Properties.BackupRetentionDays: must be integer',
            'BadCluster Properties.ManagementInstanceId: must match pattern "^i-[0-9a-f]{8}([0-9a-f]{9})?$"',
            'BadCluster Properties.Tags[0].Value: is required',
            'BadCluster Properties.Tags[1].Extra: is not allowed here',
            'ListCluster Properties.SubnetIds: must be array',
            'TypoCluster Propertes: is not a resource attribute (expected one of Type, Properties, DependsOn, Metadata, Condition, DeletionPolicy, UpdateReplacePolicy, CreationPolicy, UpdatePolicy)',
            'TypoCluster Properties.SubnetIds: is required',
            'BadKeyStore Properties.KeyStoreName: is required',
            'BadKeyStore Properties.AdminSecretArn: must match pattern "^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$"',
            'BadKeyStore Properties.DesiredConnectionState: must be one of: CONNECTED, DISCONNECTED',
            'BadKeyStore Properties.KmsUserPasswordVersion: must be >= 1',
            `BadKeyStore Properties.ClusterId: Fn::GetAtt GoodCluster.Id: ${cluster} has no attribute Id (its attributes: ${clusterAttributes})`,
            'BadKeyStore Properties.TrustAnchorCertificate: Fn::GetAtt Missing.TrustAnchorCertificate: no resource Missing in the template',
            'BadKeyStore Properties.ManagementInstanceId: Ref NoSuchInstance: no resource or parameter of that name in the template',
            `Outputs.Secret Value: Fn::GetAtt GoodCluster.AdminSecret: ${cluster} has no attribute AdminSecret (its attributes: ${clusterAttributes})`,
        ].sort(),
    );
});

test('GIVEN a file that is not YAML WHEN it is checked THEN it fails with the parser\'s reason', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'check-template-')), 'broken.yaml');
    writeFileSync(file, 'Resources:\n  A: [unclosed\n');

    const { code, lines } = checkTemplateCommand(file);

    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${file}: \\(template\\) .+`));
});

describe('the example template', () => {
    const template = parseTemplate(readFileSync(EXAMPLE, 'utf8')) as any;
    const resources: Record<string, any> = template.Resources;
    const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

    test('is a private VPC: two subnets in different Availability Zones, no internet gateway or NAT, no route out', () => {
        const subnets = ofType('AWS::EC2::Subnet').map(([, s]) => s.Properties.AvailabilityZone);
        expect(subnets).toEqual([{ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }]);
        for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::VPCGatewayAttachment', 'AWS::EC2::Route', 'AWS::EC2::EIP']) expect(ofType(type)).toEqual([]);
    });

    test('has the endpoints the SSM agent, the secrets, the signal and dnf need', () => {
        const services = ofType('AWS::EC2::VPCEndpoint').map(([, e]) => [e.Properties.ServiceName['Fn::Sub'].replace('com.amazonaws.${AWS::Region}.', ''), e.Properties.VpcEndpointType, e.Condition]);
        expect(services).toEqual([
            ['s3', 'Gateway', undefined],
            ['ssm', 'Interface', undefined],
            ['ssmmessages', 'Interface', undefined],
            ['ec2messages', 'Interface', undefined],
            ['secretsmanager', 'Interface', undefined],
            ['cloudformation', 'Interface', undefined],
            ['cloudhsmv2', 'Interface', 'WithCloudHsmApiEndpoint'],
            ['kms', 'Interface', 'WithKmsEndpoint'],
        ]);
    });

    test("lets the instance read the types' secrets by name, without referring to the cluster (no circular dependency)", () => {
        const role = resources.ManagementInstanceRole;
        expect(JSON.stringify(role)).not.toMatch(/"Cluster"|"KeyStore"/);
        const statements = role.Properties.Policies[0].PolicyDocument.Statement;
        expect(statements).toContainEqual({
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:cloudhsm/*' },
        });
        expect(role.Properties.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore' }]);
    });

    test('runs Amazon Linux 2023 and is complete only once its user data has signalled', () => {
        expect(template.Parameters.LatestAmiId.Default).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
        expect(resources.ManagementInstance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT20M' } });
        const script: string = resources.ManagementInstance.Properties.UserData['Fn::Base64']['Fn::Sub'];
        expect(script).toContain("aws s3 cp --region ${AWS::Region} 's3://${CloudHsmCliRpmBucket}/${CloudHsmCliRpmKey}'");
        expect(script).toContain('dnf install -y /tmp/cloudhsm-cli.rpm');
        expect(script).toContain('--logical-resource-id ManagementInstance');
    });

    test('wires the key store to the cluster with Ref and Fn::GetAtt, and retains the cluster', () => {
        const [[clusterId, cluster]] = ofType(`${organization}::CloudHsm::Cluster`);
        const [[, keyStore]] = ofType(`${organization}::CloudHsm::KeyStore`);
        expect(cluster).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
        expect(cluster.Properties).toMatchObject({ SubnetIds: [{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }], ManagementInstanceId: { Ref: 'ManagementInstance' } });
        expect(keyStore.Properties).toMatchObject({
            ClusterId: { Ref: clusterId },
            TrustAnchorCertificate: { 'Fn::GetAtt': [clusterId, 'TrustAnchorCertificate'] },
            AdminSecretArn: { 'Fn::GetAtt': [clusterId, 'AdminSecretArn'] },
            ManagementInstanceId: { Ref: 'ManagementInstance' },
        });
        expect(template.Outputs.ClusterId.Value).toEqual({ Ref: clusterId });
        expect(template.Outputs.KeyStoreId.Value).toEqual({ Ref: 'KeyStore' });
    });
});
