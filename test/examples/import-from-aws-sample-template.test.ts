/**
 * examples/cloudhsm-import-from-aws-sample.yaml, the importing stack of the migration guide, at the end of
 * the guide: it passes `npm run check-template`, and it has what a resource import and the guide need. The
 * migration test (test/migration/from-aws-sample.test.ts) drives its declarations through the types.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseTemplate } from '../../tools/check-template/cfn-yaml';
import { checkTemplateCommand } from './check-template-command';

const root = join(__dirname, '..', '..');
const organization = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).config.typeOrganization as string;
const EXAMPLE = join(root, 'examples', 'cloudhsm-import-from-aws-sample.yaml');
const template = parseTemplate(readFileSync(EXAMPLE, 'utf8')) as any;
const resources: Record<string, any> = template.Resources;

test('GIVEN the importing template WHEN it is checked THEN it has no problem', () => {
    expect(checkTemplateCommand(EXAMPLE)).toEqual({ code: 0, lines: [`${EXAMPLE}: ok`] });
});

test('every imported resource has a DeletionPolicy (CloudFormation refuses an import without one), and it is Retain', () => {
    for (const logicalId of ['Cluster', 'KeyStore']) {
        expect(resources[logicalId]).toMatchObject({ Type: `${organization}::CloudHsm::${logicalId}`, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
});

test("the cluster takes the sample's subnets and secrets from parameters, and the key store the cluster's attributes", () => {
    expect(resources.Cluster.Properties).toEqual({
        SubnetIds: { Ref: 'SubnetIds' },
        HsmsPerSubnet: { Ref: 'HsmsPerSubnet' },
        ManagementInstanceId: { Ref: 'ManagementInstance' },
        ImportedAdminSecretArn: { Ref: 'SampleAdminPasswordSecretArn' },
        ImportedTrustAnchorSecretArn: { Ref: 'SampleCustomerCaCertSecretArn' },
        AdminPasswordVersion: { Ref: 'AdminPasswordVersion' },
    });
    expect(resources.KeyStore.Properties).toMatchObject({
        KeyStoreName: { Ref: 'KeyStoreName' },
        ClusterId: { Ref: 'Cluster' },
        TrustAnchorCertificate: { 'Fn::GetAtt': ['Cluster', 'TrustAnchorCertificate'] },
        AdminSecretArn: { 'Fn::GetAtt': ['Cluster', 'AdminSecretArn'] },
        ManagementInstanceId: { Ref: 'ManagementInstance' },
    });
    expect(template.Parameters.KeyStoreName.Default).toBe('cloudhsm-key-store');
});

test("the new management instance may read the types' secrets only, not the sample's", () => {
    const statements = resources.ManagementInstanceRole.Properties.Policies[0].PolicyDocument.Statement;
    const secretResources = statements.filter((s: any) => s.Action === 'secretsmanager:GetSecretValue').map((s: any) => s.Resource);
    expect(secretResources).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:cloudhsm/*' }]);
    expect(resources.ManagementInstance.CreationPolicy).toEqual({ ResourceSignal: { Count: 1, Timeout: 'PT20M' } });
});
