/**
 * A cluster made as the AWS sample (Step Functions and SSM documents) makes one, never through the cluster
 * type: CreateCluster, one HSM, the CSR signed by the customer's own CA (openssl), InitializeCluster, an
 * inbound rule for the sample's client instance, `cloudhsm-cli cluster activate` over SSM on that instance, the
 * remaining HSMs; and the sample's secrets: the admin password as the bare secret string, the CA certificate
 * (customerCA.crt) as PEM. What a team brings to a resource import.
 */
import {
    CloudHSMV2Client,
    CreateClusterCommand,
    CreateHsmCommand,
    DescribeClustersCommand,
    InitializeClusterCommand,
    TagResourceCommand as TagClusterCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateSecretCommand, SecretsManagerClient, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { randomBytes } from 'crypto';
import { SsmService } from '../../local/emulator/services/ssm';
import { LocalAws } from '../../local/runtime';
import { IMPORT_CONSENT_TAG } from '../../shared/registry/import-consent';
import { configureCli, SCRIPT_PREAMBLE, WITH_PASSWORD_AT_PROMPTS, withPasswordAtPrompts } from '../../shared/ssm/cloudhsm-scripts';
import { OpensslCa } from '../support';

export interface SampleCluster {
    clusterId: string;
    /** The sample's secret: the admin password itself as the secret string. */
    adminSecretArn: string;
    /** The sample's secret: the customer CA certificate, PEM. */
    trustAnchorSecretArn: string;
    adminPassword: string;
    trustAnchorPem: string;
}

export interface SampleClusterOptions {
    hsmsPerSubnet?: number;
    /** The cluster's tags from its creation (the sample's, a team's cost tags). */
    tags?: Array<{ Key: string; Value: string }>;
    backupRetentionDays?: number;
}

const clientSettings = (aws: LocalAws) => ({
    endpoint: aws.emulator.endpoint,
    region: aws.emulator.state.region,
    credentials: { accessKeyId: 'AKIDSAMPLE', secretAccessKey: 'sample' },
    maxAttempts: 1,
});

/** Lets the emulated service work of `seconds` finish. */
function pass(aws: LocalAws, seconds: number): void {
    aws.clock.advance(seconds);
    aws.emulator.settle();
}

/** 32 characters a shell, JSON and the CLI's prompt take as they are (the sample asks Secrets Manager for such). */
const samplePassword = () => randomBytes(24).toString('base64').replace(/[+/=]/g, 'x').slice(0, 32);

export async function makeClusterAsTheSampleDoes(aws: LocalAws, options: SampleClusterOptions = {}): Promise<SampleCluster> {
    const cloudhsm = new CloudHSMV2Client(clientSettings(aws));
    const secrets = new SecretsManagerClient(clientSettings(aws));
    const ssm = new SSMClient(clientSettings(aws));
    const ec2 = new EC2Client(clientSettings(aws));
    const ca = new OpensslCa('Sample Customer Root CA');
    try {
        const { subnetIds } = aws.network;
        const durations = aws.emulator.durations;
        const zoneOf = (subnetId: string) => aws.emulator.state.subnets.get(subnetId)!.availabilityZone;
        const describe = async (clusterId: string) => (await cloudhsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }))).Clusters![0];

        const created = await cloudhsm.send(
            new CreateClusterCommand({
                HsmType: 'hsm2m.medium',
                SubnetIds: [subnetIds.a, subnetIds.b],
                BackupRetentionPolicy: { Type: 'DAYS', Value: String(options.backupRetentionDays ?? 90) },
                TagList: options.tags,
            }),
        );
        const clusterId = created.Cluster!.ClusterId!;
        pass(aws, durations.clusterCreateSeconds);
        await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: zoneOf(subnetIds.a) }));
        pass(aws, durations.hsmCreateSeconds);
        const csr = (await describe(clusterId)).Certificates!.ClusterCsr!;
        await cloudhsm.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: ca.sign(csr), TrustAnchor: ca.anchorPem }));
        pass(aws, durations.clusterInitializeSeconds);

        const adminPassword = samplePassword();
        const adminSecret = await secrets.send(new CreateSecretCommand({ Name: `/cloudhsm/${clusterId}/initial-co-password`, SecretString: adminPassword }));
        const anchorSecret = await secrets.send(new CreateSecretCommand({ Name: `/cloudhsm/${clusterId}/customer-ca-cert`, SecretString: ca.anchorPem }));

        const cluster = await describe(clusterId);
        await ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
                GroupId: cluster.SecurityGroup,
                IpPermissions: [
                    { IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: aws.network.managementSecurityGroupId, Description: 'sample client instance' }] },
                ],
            }),
        );
        const activation = [
            SCRIPT_PREAMBLE,
            WITH_PASSWORD_AT_PROMPTS,
            configureCli(cluster.Hsms![0].EniIp!, ca.anchorPem),
            `password="$(aws secretsmanager get-secret-value --region ${aws.emulator.state.region} --secret-id '${adminSecret.ARN}' --query SecretString --output text)"`,
            withPasswordAtPrompts('password', 'cloudhsm-cli cluster activate'),
        ].join('\n');
        await runOnClientInstance(aws, ssm, activation);
        const state = aws.emulator.state.clusters.get(clusterId)!.state;
        if (state !== 'ACTIVE') throw new Error(`The sample's activation left cluster ${clusterId} ${state}`);

        const perSubnet = options.hsmsPerSubnet ?? 1;
        for (const subnetId of [subnetIds.a, subnetIds.b]) {
            for (let n = subnetId === subnetIds.a ? 1 : 0; n < perSubnet; n++) {
                await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: zoneOf(subnetId) }));
            }
        }
        pass(aws, durations.hsmCreateSeconds);
        // The backups CloudHSM takes after the changes finish too.
        pass(aws, durations.backupCreateSeconds);
        return { clusterId, adminSecretArn: adminSecret.ARN!, trustAnchorSecretArn: anchorSecret.ARN!, adminPassword, trustAnchorPem: ca.anchorPem };
    } finally {
        ca.dispose();
        for (const client of [cloudhsm, secrets, ssm, ec2]) client.destroy();
    }
}

async function runOnClientInstance(aws: LocalAws, ssm: SSMClient, script: string): Promise<void> {
    const instanceId = aws.network.managementInstanceId;
    const sent = await ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands: [script] } }));
    const commandId = sent.Command!.CommandId!;
    await aws.emulator.service<SsmService>('ssm').whenFinished(commandId);
    pass(aws, aws.emulator.durations.commandMinimumSeconds + aws.emulator.durations.commandVisibleAfterSeconds);
    const result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    if (result.Status !== 'Success') throw new Error(`The sample's script ended ${result.Status}: ${result.StandardErrorContent}`);
}

/** What the import procedure asks of the owner, with their own credentials: tag the secrets as the cluster's. */
export async function tagAsClusters(aws: LocalAws, secretArn: string, clusterId: string): Promise<void> {
    const secrets = new SecretsManagerClient(clientSettings(aws));
    try {
        await secrets.send(new TagResourceCommand({ SecretId: secretArn, Tags: [{ Key: 'cloudhsm-type:cluster-id', Value: clusterId }] }));
    } finally {
        secrets.destroy();
    }
}

/** The owner's consent, as the import procedure has them set it: the stack allowed to change the cluster. */
export async function consentTo(aws: LocalAws, clusterId: string, stackName: string): Promise<void> {
    const cloudhsm = new CloudHSMV2Client(clientSettings(aws));
    try {
        await cloudhsm.send(new TagClusterCommand({ ResourceId: clusterId, TagList: [{ Key: IMPORT_CONSENT_TAG, Value: stackName }] }));
    } finally {
        cloudhsm.destroy();
    }
}
