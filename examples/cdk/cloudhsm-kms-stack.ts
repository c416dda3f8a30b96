/**
 * The stack of examples/cloudhsm-kms-stack.yaml as a CDK stack: a private VPC without internet access, its
 * endpoints, the management instance, the cluster, the key store and a KMS key in it with an alias, with the typed L1 classes that
 * `npm run generate:cdk` writes from the schemas.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as cdk from 'aws-cdk-lib/core';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { parseTemplate } from '../../tools/check-template/cfn-yaml';
import { CfnCluster } from './generated/cluster';
import { CfnKeyStore } from './generated/key-store';
import { CfnKmsKey } from './generated/kms-key';

export const YAML_TEMPLATE = join(__dirname, '..', 'cloudhsm-kms-stack.yaml');

export interface CloudHsmKmsStackProps extends cdk.StackProps {
    /** The VPC's CIDR: CDK lays the subnets out at synthesis, so it is not a template parameter here. */
    readonly vpcCidr?: string;
}

export class CloudHsmKmsStack extends cdk.Stack {
    constructor(scope: Construct, id: string, props: CloudHsmKmsStackProps = {}) {
        // No assets and no lookups: the template deploys with the caller's credentials, without `cdk bootstrap`.
        super(scope, id, { synthesizer: new cdk.CliCredentialsStackSynthesizer(), ...props });

        // Same logical IDs as the YAML template's parameters: the user data below refers to them by name.
        const rpmBucket = new cdk.CfnParameter(this, 'CloudHsmCliRpmBucket', {
            description: "A bucket in this stack's region holding the CloudHSM CLI rpm for Amazon Linux 2023 x86_64 (see examples/cloudhsm-kms-stack.yaml).",
            allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
        });
        const rpmKey = new cdk.CfnParameter(this, 'CloudHsmCliRpmKey', { default: 'cloudhsm/cloudhsm-cli-latest.amzn2023.x86_64.rpm' });
        const instanceType = new cdk.CfnParameter(this, 'InstanceType', { default: 't3.micro' });
        const hsmsPerSubnet = new cdk.CfnParameter(this, 'HsmsPerSubnet', { type: 'Number', default: 1, minValue: 1, maxValue: 14 });
        const keyStoreName = new cdk.CfnParameter(this, 'KeyStoreName', { default: 'cloudhsm-kms' });
        const optional = (name: string, description: string, defaultValue: string) =>
            new cdk.CfnCondition(this, `With${name}`, {
                expression: cdk.Fn.conditionEquals(new cdk.CfnParameter(this, name, { description, allowedValues: ['true', 'false'], default: defaultValue }), 'true'),
            });
        const withCloudHsmApi = optional('CloudHsmApiEndpoint', 'An interface endpoint for the CloudHSM API, for operators on the instance. The types do not need it.', 'true');
        const withKms = optional('KmsEndpoint', 'An interface endpoint for KMS, for workloads in this VPC. The types and the instance do not need it.', 'false');

        // Two private subnets in different Availability Zones; no public subnet, so no internet gateway or NAT.
        const vpc = new ec2.Vpc(this, 'Vpc', {
            ipAddresses: ec2.IpAddresses.cidr(props.vpcCidr ?? '10.40.0.0/16'),
            maxAzs: 2,
            natGateways: 0,
            subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
            // Its default (a custom resource Lambda) would need assets and a bootstrapped account.
            restrictDefaultSecurityGroup: false,
        });
        const subnets = { subnets: vpc.isolatedSubnets };
        const s3 = vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [subnets] });
        const endpointGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', { vpc, description: 'HTTPS from the VPC to the interface endpoints', allowAllOutbound: false });
        endpointGroup.addIngressRule(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.tcp(443));
        const endpoint = (id: string, service: ec2.InterfaceVpcEndpointAwsService, condition?: cdk.CfnCondition) => {
            const e = vpc.addInterfaceEndpoint(id, { service, subnets, securityGroups: [endpointGroup], privateDnsEnabled: true, open: false });
            if (condition) (e.node.defaultChild as cdk.CfnResource).cfnOptions.condition = condition;
            return e;
        };
        const required = [
            s3,
            endpoint('SsmEndpoint', ec2.InterfaceVpcEndpointAwsService.SSM),
            endpoint('SsmMessagesEndpoint', ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES),
            endpoint('Ec2MessagesEndpoint', ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES),
            endpoint('SecretsManagerEndpoint', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER),
            endpoint('CloudFormationEndpoint', ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION),
        ];
        endpoint('CloudHsmApiVpcEndpoint', ec2.InterfaceVpcEndpointAwsService.CLOUDHSM, withCloudHsmApi);
        endpoint('KmsVpcEndpoint', ec2.InterfaceVpcEndpointAwsService.KMS, withKms);

        const role = new iam.Role(this, 'ManagementInstanceRole', {
            assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
            managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
        });
        // By name pattern, never the cluster's AdminSecretArn: the cluster needs this instance first.
        role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [cdk.Fn.sub('arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:cloudhsm/*')] }));
        const rpm = cdk.Fn.sub('arn:${AWS::Partition}:s3:::${Bucket}/${Key}', { Bucket: rpmBucket.valueAsString, Key: rpmKey.valueAsString });
        role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [rpm] }));
        role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:DescribeInstanceInformation'], resources: ['*'] }));
        role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [this.stackId] }));

        const instance = new ec2.Instance(this, 'Management', {
            vpc,
            vpcSubnets: { subnets: [vpc.isolatedSubnets[0]] },
            instanceType: new ec2.InstanceType(instanceType.valueAsString),
            machineImage: ec2.MachineImage.fromSsmParameter('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64'),
            role,
            userData: ec2.UserData.custom(cdk.Fn.sub(managementUserData())),
            resourceSignalTimeout: cdk.Duration.minutes(20),
        });
        // The user data signals this logical ID, as in the YAML template.
        (instance.node.defaultChild as ec2.CfnInstance).overrideLogicalId('ManagementInstance');
        for (const e of required) instance.node.addDependency(e);

        const cluster = new CfnCluster(this, 'Cluster', {
            subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId),
            hsmsPerSubnet: hsmsPerSubnet.valueAsNumber,
            managementInstanceId: instance.instanceId,
            tags: [{ key: 'stack', value: cdk.Aws.STACK_NAME }],
        });
        // Production advice: keep the cluster on stack delete and on replacement (see the YAML template).
        cluster.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);

        const keyStore = new CfnKeyStore(this, 'KeyStore', {
            keyStoreName: keyStoreName.valueAsString,
            clusterId: cluster.ref,
            trustAnchorCertificate: cluster.attrTrustAnchorCertificate,
            adminSecretArn: cluster.attrAdminSecretArn,
            managementInstanceId: instance.instanceId,
        });

        // A KMS key whose material lives in the cluster's HSMs; deleting it schedules its deletion (7–30 days).
        const key = new CfnKmsKey(this, 'Key', {
            customKeyStoreId: keyStore.ref,
            description: "Encrypts the application's data with key material held in our own HSMs.",
            pendingWindowInDays: 30,
        });
        const alias = new kms.CfnAlias(this, 'KeyAlias', { aliasName: `alias/${keyStoreName.valueAsString}`, targetKeyId: key.ref });

        new cdk.CfnOutput(this, 'ClusterId', { value: cluster.ref });
        new cdk.CfnOutput(this, 'KeyStoreId', { value: keyStore.ref });
        new cdk.CfnOutput(this, 'KeyArn', { value: key.attrArn });
        new cdk.CfnOutput(this, 'KeyAliasName', { value: alias.ref });
        new cdk.CfnOutput(this, 'ManagementInstanceId', { value: instance.instanceId });
    }
}

/** The management instance's user data, kept once: in the YAML template, which deploys as it is. */
export function managementUserData(): string {
    const template = parseTemplate(readFileSync(YAML_TEMPLATE, 'utf8')) as any;
    return template.Resources.ManagementInstance.Properties.UserData['Fn::Base64']['Fn::Sub'];
}
