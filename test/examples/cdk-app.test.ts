/**
 * The CDK app synthesizes in-process (no cdk CLI) to the same stack as the YAML template, its resources of
 * our types pass the schema check, and the typed L1 classes are what the generator writes from the schemas.
 */
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import * as cdk from 'aws-cdk-lib/core';
import clusterSchema from '../../cluster-resource/schema.json';
import keyStoreSchema from '../../keystore-resource/schema.json';
import kmsKeySchema from '../../kmskey-resource/schema.json';
import { buildApp } from '../../examples/cdk/app';
import { CfnCluster } from '../../examples/cdk/generated/cluster';
import { CfnKeyStore } from '../../examples/cdk/generated/key-store';
import { CfnKmsKey } from '../../examples/cdk/generated/kms-key';
import { parseTemplate } from '../../tools/check-template/cfn-yaml';
import { checkTemplate } from '../../tools/check-template/check-template';

const root = join(__dirname, '..', '..');
const readOnly = (schema: { readOnlyProperties: string[] }) => schema.readOnlyProperties.map((p) => p.replace('/properties/', ''));
const ofType = (template: any, type: string) => Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);

describe('the CDK app', () => {
    let template: any;
    beforeAll(() => {
        template = buildApp(new cdk.App({ outdir: join(require('os').tmpdir(), `cdk-out-${process.pid}`) })).synth().getStackByName('CloudHsmKms').template;
    });
    const yaml = parseTemplate(readFileSync(join(root, 'examples', 'cloudhsm-kms-stack.yaml'), 'utf8')) as any;

    test('GIVEN the synthesized template WHEN it is checked against the schemas THEN it has no problem', () => {
        expect(ofType(template, clusterSchema.typeName)).toHaveLength(1);
        expect(ofType(template, keyStoreSchema.typeName)).toHaveLength(1);
        expect(ofType(template, kmsKeySchema.typeName)).toHaveLength(1);
        expect(checkTemplate(template)).toEqual([]);
    });

    test('declares the cluster, the key store, the KMS key and its alias as the YAML template does', () => {
        for (const type of [clusterSchema.typeName, keyStoreSchema.typeName, kmsKeySchema.typeName, 'AWS::KMS::Alias']) {
            const [[cdkId, fromCdk]] = ofType(template, type);
            const [[yamlId, fromYaml]] = ofType(yaml, type);
            expect(cdkId).toBe(yamlId);
            expect(Object.keys(fromCdk.Properties).sort()).toEqual(Object.keys(fromYaml.Properties).sort());
            expect(fromCdk.DeletionPolicy).toBe(fromYaml.DeletionPolicy);
            expect(fromCdk.UpdateReplacePolicy).toBe(fromYaml.UpdateReplacePolicy);
        }
        const [[, key]] = ofType(template, kmsKeySchema.typeName);
        expect(key.Properties).toEqual(ofType(yaml, kmsKeySchema.typeName)[0][1].Properties);
        const [[, alias]] = ofType(template, 'AWS::KMS::Alias');
        expect(alias.Properties.TargetKeyId).toEqual({ Ref: 'Key' });
        const [[, keyStore]] = ofType(template, keyStoreSchema.typeName);
        expect(keyStore.Properties).toEqual(ofType(yaml, keyStoreSchema.typeName)[0][1].Properties);
        const [[, cluster]] = ofType(template, clusterSchema.typeName);
        expect(cluster.Properties.SubnetIds).toHaveLength(2);
        expect(cluster.Properties.ManagementInstanceId).toEqual({ Ref: 'ManagementInstance' });
    });

    test('has the same network, endpoints and instance set-up, and deploys without assets or bootstrap', () => {
        const services = (t: any) =>
            ofType(t, 'AWS::EC2::VPCEndpoint')
                .map(([, e]) => JSON.stringify(e.Properties.ServiceName).match(/\.(\w+)["\]]*}?$/)![1] + (e.Condition ? '?' : ''))
                .sort();
        expect(services(template)).toEqual(services(yaml));
        for (const type of ['AWS::EC2::InternetGateway', 'AWS::EC2::NatGateway', 'AWS::EC2::Route', 'AWS::Lambda::Function', 'AWS::CloudFormation::CustomResource']) expect(ofType(template, type)).toEqual([]);
        expect(template.Parameters.BootstrapVersion).toBeUndefined();
        const instance = template.Resources.ManagementInstance;
        expect(instance.CreationPolicy).toEqual({ ResourceSignal: { Timeout: 'PT20M' } });
        expect(instance.Properties.UserData).toEqual(yaml.Resources.ManagementInstance.Properties.UserData);
        const policy = JSON.stringify(ofType(template, 'AWS::IAM::Policy'));
        expect(policy).toContain('secret:cloudhsm/*');
        expect(policy).not.toMatch(/"Cluster"|"KeyStore"/);
    });
});

describe('the generated L1 classes', () => {
    test('GIVEN the schemas WHEN the generator runs again THEN the committed files are what it writes', () => {
        expect(() => execFileSync(process.execPath, [join(root, 'scripts', 'generate-cdk-constructs.mjs'), '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
    });

    test('carry the type names of the schemas', () => {
        expect(CfnCluster.CFN_RESOURCE_TYPE_NAME).toBe(clusterSchema.typeName);
        expect(CfnKeyStore.CFN_RESOURCE_TYPE_NAME).toBe(keyStoreSchema.typeName);
        expect(CfnKmsKey.CFN_RESOURCE_TYPE_NAME).toBe(kmsKeySchema.typeName);
    });

    test('render every writable property under its schema name, nested ones included, and nothing read-only', () => {
        const stack = new cdk.Stack();
        const cluster = new CfnCluster(stack, 'C', {
            subnetIds: ['subnet-0aaaaaaaaaaaaaaaa'],
            hsmType: 'hsm2m.medium',
            mode: 'FIPS',
            networkType: 'IPV4',
            hsmsPerSubnet: 2,
            backupRetentionDays: 30,
            sourceBackupId: 'backup-abcdefghijk',
            sourceAdminSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:cloudhsm/cluster-abcdefghijk/admin-credentials-AbCdEf',
            sourceTrustAnchorSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:cloudhsm/cluster-abcdefghijk/trust-anchor-AbCdEf',
            certificateAuthority: 'EXTERNAL',
            externalClusterCertificate: 'pem',
            externalTrustAnchor: 'pem',
            managementInstanceId: 'i-0123456789abcdef0',
            secretsKmsKeyId: 'alias/k',
            adminPasswordVersion: 2,
            mtlsTrustAnchors: ['pem'],
            importedAdminSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:cloudhsm-cluster-abcdefghijk-initial-co-password-AbCdEf',
            importedTrustAnchorSecretArn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:cloudhsm-cluster-abcdefghijk-customer-ca-cert-AbCdEf',
            tags: [{ key: 'team', value: 'platform' }],
        });
        const rendered = stack.resolve((cluster as any)._toCloudFormation()).Resources.C.Properties;
        const writable = Object.keys(clusterSchema.properties).filter((p) => !readOnly(clusterSchema).includes(p));
        expect(Object.keys(rendered).sort()).toEqual(writable.sort());
        expect(rendered.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
    });

    test('have one typed attribute per read-only property, resolving to Fn::GetAtt of that name', () => {
        const stack = new cdk.Stack();
        const resources: Array<[cdk.CfnResource, { readOnlyProperties: string[] }]> = [
            [new CfnCluster(stack, 'Cluster', { subnetIds: ['subnet-0aaaaaaaaaaaaaaaa'] }), clusterSchema],
            [new CfnKeyStore(stack, 'KeyStore', { keyStoreName: 'k', clusterId: 'cluster-abcdefghijk', trustAnchorCertificate: 'pem', adminSecretArn: 'arn', managementInstanceId: 'i-0123456789abcdef0' }), keyStoreSchema],
            [new CfnKmsKey(stack, 'Key', { customKeyStoreId: 'cks-0123456789abcdef0' }), kmsKeySchema],
        ];
        for (const [resource, schema] of resources) {
            const attributes = Object.keys(resource).filter((k) => k.startsWith('attr')).map((k) => k.slice(4));
            expect(attributes.sort()).toEqual(readOnly(schema).sort());
            for (const name of attributes) expect(stack.resolve((resource as any)[`attr${name}`])).toEqual({ 'Fn::GetAtt': [stack.resolve(resource.logicalId), name] });
        }
    });
});
