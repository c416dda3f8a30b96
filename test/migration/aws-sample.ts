/**
 * The account as the AWS sample's two stacks leave it (`cloudhsm.yml`, then `cloudhsm-key-store.yml`; the
 * seed documents in /work/shared/reference/seeds/ describe them), made the way the sample's state machines make
 * it: through the emulator's AWS APIs with the sample's own credentials, and scripts sent over SSM to its EC2
 * client, where the stand-in CloudHSM CLI activates the cluster and creates `kmsuser`. Nothing here uses the
 * types under test: this is the "before" of the migration guide.
 *
 * What the seeds say, and what is a guess (the report lists the guesses too):
 * - seeds: the cluster (HSMs in every subnet of `pSubnets`, `pHsmsPerSubnet` each, the first one created
 *   before initialization); the security-group rule from the EC2 client's group; the secrets
 *   `<pSystem>-<cluster ID>-cluster-csr`, `-cluster-cert`, `-customer-ca-cert` (`pSystem` default `cloudhsm`);
 *   an initial `admin` password kept as a plain string; activation and `kmsuser` over SSM with the CloudHSM
 *   CLI, `kmsuser` with the admin's password, passed with `--password`; the key store created with that
 *   password, then connected; the logical IDs `rClientInstance`, `rCloudHsmCluster`, `rKmsCloudHsmKeyStore`;
 *   the delete state machine deletes the CSR, certificate and password secrets and keeps the CA certificate.
 * - guesses: the admin password secret's name (`<pSystem>-<cluster ID>-initial-co-password`) and its 32
 *   letters and digits; the CSR, certificate and CA secrets created empty first and filled when known; the
 *   cluster certificate kept in `-cluster-cert` also when the sample's own CA issued it; scripts that read the
 *   secrets on the instance (so the command text holds no password, only the CLI's argv does); the client's own
 *   security group and the other logical IDs; the CA itself (the sample uses ACM Private CA, which the
 *   emulator lacks: an openssl root stands in for it).
 * - The secrets are made by the state machines' Lambdas, not by CloudFormation, so deleting a stack whose
 *   custom resource is retained leaves them (only the delete state machine would remove them).
 */
import { randomUUID } from 'crypto';
import {
    CloudHSMV2Client,
    CreateClusterCommand,
    CreateHsmCommand,
    DescribeClustersCommand,
    InitializeClusterCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import { AuthorizeSecurityGroupIngressCommand, DeleteSecurityGroupCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, GetRandomPasswordCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { addManagementInstance } from '../../local/emulator/fixtures';
import type { SsmService } from '../../local/emulator/services/ssm';
import { LocalAws } from '../../local/runtime';
import { OpensslCa } from '../support';

/** The sample's parameters that shape what it leaves (its defaults, but two subnets so a key store can connect). */
export interface SampleParameters {
    pSystem: string;
    pEnvPurpose: string;
    pHsmsPerSubnet: number;
    pKeyStoreName: string;
}

export const SAMPLE_DEFAULTS: SampleParameters = { pSystem: 'cloudhsm', pEnvPurpose: '1', pHsmsPerSubnet: 1, pKeyStoreName: 'cloudhsm-key-store' };

export type SampleSecret = 'adminPassword' | 'clusterCsr' | 'clusterCert' | 'customerCaCert';

/** The sample's secret names; `adminPassword` is a guess in the same pattern (the seeds do not name it). */
export function sampleSecretNames(pSystem: string, clusterId: string): Record<SampleSecret, string> {
    return {
        adminPassword: `${pSystem}-${clusterId}-initial-co-password`,
        clusterCsr: `${pSystem}-${clusterId}-cluster-csr`,
        clusterCert: `${pSystem}-${clusterId}-cluster-cert`,
        customerCaCert: `${pSystem}-${clusterId}-customer-ca-cert`,
    };
}

/**
 * One resource of a sample stack. `emulated` resources are deleted through the emulator's API when the stack
 * is deleted; the others (Lambdas, state machines, roles, the SSM document, the private CA) exist only as a
 * record, because the emulator has no such services and nothing of ours depends on them.
 */
export interface SampleResource {
    logicalId: string;
    type: string;
    physicalId?: string;
    emulated?: 'instance' | 'security-group' | 'custom-resource';
    deletionPolicy: 'Delete' | 'Retain';
    /** Whether the seed documents name this logical ID, or it is our guess. */
    named: 'seeds' | 'guess';
    deleted?: boolean;
}

export interface SampleStack {
    name: string;
    template: 'cloudhsm.yml' | 'cloudhsm-key-store.yml';
    parameters: Record<string, string>;
    /** In creation order; CloudFormation deletes in reverse. */
    resources: SampleResource[];
    status: 'CREATE_COMPLETE' | 'DELETE_FAILED' | 'DELETE_COMPLETE';
    statusReason?: string;
}

export interface AwsSample {
    parameters: SampleParameters;
    clusterId: string;
    subnetIds: string[];
    clusterSecurityGroupId: string;
    clientInstanceId: string;
    clientSecurityGroupId: string;
    customerCaPem: string;
    secrets: Record<SampleSecret, { name: string; arn: string }>;
    keyStoreId: string;
    keyStoreName: string;
    stacks: { cluster: SampleStack; keyStore: SampleStack };
    /**
     * What the sample itself left readable: its SSM command IDs and the range of `aws.instances.invocations`
     * its scripts made. The sample passes the admin password with `--password`, so those argv hold it; a
     * secret scan of what came after leaves them out, and a test can show they are where the sample put it.
     */
    footprint: { commandIds: string[]; cliInvocations: { from: number; to: number } };
}

/** The access key of the sample's Lambda role; the emulator knows it as that role's session. */
export const SAMPLE_ACCESS_KEY_ID = 'ASIASAMPLESTATEMACHINE';

/** Builds both stacks' end state: cluster ACTIVE with HSMs in `subnetIds`, EC2 client, secrets, kmsuser, key store CONNECTED. */
export async function deployAwsSample(aws: LocalAws, overrides: Partial<SampleParameters> = {}, subnetIds = [aws.network.subnetIds.a, aws.network.subnetIds.b]): Promise<AwsSample> {
    const parameters = { ...SAMPLE_DEFAULTS, ...overrides };
    const sample = new SampleDeployment(aws, parameters);
    try {
        return await sample.deploy(subnetIds);
    } finally {
        sample.destroy();
    }
}

class SampleDeployment {
    private readonly settings;
    private readonly cloudhsm: CloudHSMV2Client;
    private readonly ec2: EC2Client;
    private readonly kms: KMSClient;
    private readonly secretsManager: SecretsManagerClient;
    private readonly ssm: SSMClient;
    private readonly commandIds: string[] = [];
    private readonly firstCliInvocation: number;

    constructor(
        private readonly aws: LocalAws,
        private readonly parameters: SampleParameters,
    ) {
        const { accountId, region } = aws.emulator.state;
        const role = `${parameters.pSystem}-${parameters.pEnvPurpose}-${region}-state-machine-lambda`;
        aws.emulator.principals.set(SAMPLE_ACCESS_KEY_ID, `arn:aws:sts::${accountId}:assumed-role/${role}/sample-lambda`);
        this.settings = {
            endpoint: aws.emulator.endpoint,
            region,
            credentials: { accessKeyId: SAMPLE_ACCESS_KEY_ID, secretAccessKey: 'sample-secret', sessionToken: 'sample-session' },
            maxAttempts: 1,
        };
        this.cloudhsm = new CloudHSMV2Client(this.settings);
        this.ec2 = new EC2Client(this.settings);
        this.kms = new KMSClient(this.settings);
        this.secretsManager = new SecretsManagerClient(this.settings);
        this.ssm = new SSMClient(this.settings);
        this.firstCliInvocation = aws.instances.invocations.length;
    }

    destroy(): void {
        for (const client of [this.cloudhsm, this.ec2, this.kms, this.secretsManager, this.ssm]) client.destroy();
    }

    async deploy(subnetIds: string[]): Promise<AwsSample> {
        const { pSystem, pEnvPurpose, pHsmsPerSubnet, pKeyStoreName } = this.parameters;
        // cloudhsm.yml: the EC2 client with the CloudHSM CLI (pClientPkg cloudhsm-cli, which the key store template needs).
        const client = addManagementInstance(this.aws.emulator.state, this.aws.network.subnetIds.a);
        const clusterStack = clusterStackRecord(`${pSystem}-${pEnvPurpose}`, this.parameters, subnetIds, client);

        // The create state machine, step by step (seed 000).
        const clusterId = await this.createCluster(subnetIds);
        clusterStack.resources.find((r) => r.logicalId === 'rCloudHsmCluster')!.physicalId = clusterId;
        const names = sampleSecretNames(pSystem, clusterId);
        const secrets = await this.initializeSecrets(names);
        const cluster = await this.describe(clusterId);
        const zones = Object.keys(cluster.SubnetMapping ?? {}).sort();
        await this.createHsms(clusterId, [zones[0]]);
        await this.ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
                GroupId: cluster.SecurityGroup,
                IpPermissions: [{ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: client.securityGroupId }] }],
            }),
        );
        const csrPem = (await this.describe(clusterId)).Certificates!.ClusterCsr!;
        await this.putSecret(names.clusterCsr, csrPem);
        const ca = new OpensslCa(`${pSystem}-${pEnvPurpose} root CA`);
        const customerCaPem = ca.anchorPem;
        try {
            await this.putSecret(names.clusterCert, ca.sign(csrPem));
            await this.putSecret(names.customerCaCert, customerCaPem);
            await this.cloudhsm.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: await this.secretValue(names.clusterCert), TrustAnchor: customerCaPem }));
        } finally {
            ca.dispose();
        }
        this.advance(this.aws.emulator.durations.clusterInitializeSeconds);
        await this.expectClusterState(clusterId, 'INITIALIZED');
        const firstHsmIp = (await this.describe(clusterId)).Hsms![0].EniIp!;
        await this.runOnClient(client.instanceId, activationScript(this.aws.emulator.state.region, names, firstHsmIp));
        await this.expectClusterState(clusterId, 'ACTIVE');
        // The align-HSMs state machine: the rest of pHsmsPerSubnet in every subnet, all at once, then the client's configuration.
        const remaining = zones.flatMap((zone, i) => Array.from({ length: pHsmsPerSubnet - (i === 0 ? 1 : 0) }, () => zone));
        await this.createHsms(clusterId, remaining);
        await this.runOnClient(client.instanceId, [`"$CLOUDHSM_HOME/bin/configure-cli" -a ${firstHsmIp}`]);

        // cloudhsm-key-store.yml (seed 002): kmsuser with the admin's password, the store with that password, connect.
        const keyStoreStack = keyStoreStackRecord(`${pSystem}-key-store-${pEnvPurpose}`, this.parameters, clusterId, names, client.instanceId);
        await this.runOnClient(client.instanceId, kmsUserScript(this.aws.emulator.state.region, names));
        const created = await this.kms.send(
            new CreateCustomKeyStoreCommand({
                CustomKeyStoreName: pKeyStoreName,
                CloudHsmClusterId: clusterId,
                TrustAnchorCertificate: await this.secretValue(names.customerCaCert),
                KeyStorePassword: await this.secretValue(names.adminPassword),
            }),
        );
        const keyStoreId = created.CustomKeyStoreId!;
        keyStoreStack.resources.find((r) => r.logicalId === 'rKmsCloudHsmKeyStore')!.physicalId = keyStoreId;
        await this.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
        this.advance(this.aws.emulator.durations.keyStoreConnectSeconds);
        const store = this.aws.emulator.state.keyStores.get(keyStoreId);
        if (store?.connectionState !== 'CONNECTED') throw new Error(`The sample's key store did not connect: ${store?.connectionState} ${store?.connectionErrorCode ?? ''}`);

        return {
            parameters: this.parameters,
            clusterId,
            subnetIds,
            clusterSecurityGroupId: cluster.SecurityGroup!,
            clientInstanceId: client.instanceId,
            clientSecurityGroupId: client.securityGroupId,
            customerCaPem,
            secrets,
            keyStoreId,
            keyStoreName: pKeyStoreName,
            stacks: { cluster: clusterStack, keyStore: keyStoreStack },
            footprint: { commandIds: [...this.commandIds], cliInvocations: { from: this.firstCliInvocation, to: this.aws.instances.invocations.length } },
        };
    }

    private async createCluster(subnetIds: string[]): Promise<string> {
        const { Cluster } = await this.cloudhsm.send(
            new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: subnetIds, BackupRetentionPolicy: { Type: 'DAYS', Value: '90' } }),
        );
        this.advance(this.aws.emulator.durations.clusterCreateSeconds);
        await this.expectClusterState(Cluster!.ClusterId!, 'UNINITIALIZED');
        return Cluster!.ClusterId!;
    }

    /** The password at once; the CSR, certificate and CA secrets empty until their values exist. */
    private async initializeSecrets(names: Record<SampleSecret, string>): Promise<AwsSample['secrets']> {
        const { RandomPassword } = await this.secretsManager.send(new GetRandomPasswordCommand({ PasswordLength: 32, ExcludePunctuation: true }));
        const created = {} as AwsSample['secrets'];
        for (const [secret, name] of Object.entries(names) as Array<[SampleSecret, string]>) {
            const { ARN } = await this.secretsManager.send(
                new CreateSecretCommand(secret === 'adminPassword' ? { Name: name, SecretString: RandomPassword, ClientRequestToken: randomUUID() } : { Name: name }),
            );
            created[secret] = { name, arn: ARN! };
        }
        return created;
    }

    private async createHsms(clusterId: string, zones: string[]): Promise<void> {
        for (const zone of zones) await this.cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: zone }));
        this.advance(this.aws.emulator.durations.hsmCreateSeconds);
        const hsms = (await this.describe(clusterId)).Hsms ?? [];
        if (hsms.some((h) => h.State !== 'ACTIVE')) throw new Error(`The sample's HSMs did not become ACTIVE: ${hsms.map((h) => h.State).join(', ')}`);
    }

    private async putSecret(name: string, value: string): Promise<void> {
        await this.secretsManager.send(new PutSecretValueCommand({ SecretId: name, SecretString: value, ClientRequestToken: randomUUID() }));
    }

    private async secretValue(name: string): Promise<string> {
        return (await this.secretsManager.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!;
    }

    private async describe(clusterId: string) {
        const { Clusters } = await this.cloudhsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
        return Clusters![0];
    }

    private async expectClusterState(clusterId: string, state: string): Promise<void> {
        const actual = (await this.describe(clusterId)).State;
        if (actual !== state) throw new Error(`The sample's cluster is ${actual}, not ${state}`);
    }

    /** AWS-RunShellScript on the client, waited for as the sample's state machines do; a failure stops the deployment. */
    private async runOnClient(instanceId: string, commands: string[]): Promise<void> {
        const { Command } = await this.ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands } }));
        const commandId = Command!.CommandId!;
        this.commandIds.push(commandId);
        await this.aws.emulator.service<SsmService>('ssm').whenFinished(commandId);
        this.advance(this.aws.emulator.durations.commandMinimumSeconds);
        const result = await this.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        if (result.Status !== 'Success') {
            throw new Error(`The sample's script failed (${result.Status}):\n${result.StandardOutputContent}\n${result.StandardErrorContent}`);
        }
    }

    private advance(seconds: number): void {
        this.aws.clock.advance(seconds);
        this.aws.emulator.settle();
    }
}

const readSecret = (region: string, variable: string, name: string) =>
    `${variable}="$(aws secretsmanager get-secret-value --region ${region} --secret-id ${name} --query SecretString --output text)"`;

/** The sample's activation: the CA from its secret, the CLI configured, `cluster activate --password` (its known defect). */
function activationScript(region: string, names: Record<SampleSecret, string>, hsmIp: string): string[] {
    return [
        'set -euo pipefail',
        readSecret(region, 'ca_pem', names.customerCaCert),
        `printf '%s\\n' "$ca_pem" > "$CLOUDHSM_HOME/etc/customerCA.crt"`,
        `"$CLOUDHSM_HOME/bin/configure-cli" -a ${hsmIp}`,
        readSecret(region, 'password', names.adminPassword),
        '"$CLOUDHSM_HOME/bin/cloudhsm-cli" cluster activate --password "$password"',
    ];
}

/** The key store template's kmsuser: created as admin, with the admin's own password, on the command line. */
function kmsUserScript(region: string, names: Record<SampleSecret, string>): string[] {
    return [
        'set -euo pipefail',
        readSecret(region, 'password', names.adminPassword),
        'export CLOUDHSM_ROLE=admin',
        'export CLOUDHSM_PIN="admin:$password"',
        '"$CLOUDHSM_HOME/bin/cloudhsm-cli" user create --username kmsuser --role crypto-user --password "$password"',
    ];
}

const notEmulated = (logicalId: string, type: string): SampleResource => ({ logicalId, type, deletionPolicy: 'Delete', named: 'guess' });

/** What runs each sample template's custom resource: the state machines, their functions and role, the SSM document. */
const orchestration = (documentLogicalId: string): SampleResource[] => [
    notEmulated('rStateMachineRole', 'AWS::IAM::Role'),
    notEmulated('rStateMachineFunctions', 'AWS::Lambda::Function'),
    notEmulated('rStateMachines', 'AWS::StepFunctions::StateMachine'),
    notEmulated(documentLogicalId, 'AWS::SSM::Document'),
    notEmulated('rCustomResourceFunction', 'AWS::Lambda::Function'),
];

function clusterStackRecord(
    name: string,
    parameters: SampleParameters,
    subnetIds: string[],
    client: { instanceId: string; securityGroupId: string },
): SampleStack {
    return {
        name,
        template: 'cloudhsm.yml',
        parameters: {
            pSystem: parameters.pSystem,
            pEnvPurpose: parameters.pEnvPurpose,
            pSubnets: subnetIds.join(','),
            pHsmsPerSubnet: String(parameters.pHsmsPerSubnet),
            pUseExternalPkiProcess: 'false',
            pClientPkg: 'cloudhsm-cli',
        },
        resources: [
            notEmulated('rClientInstanceRole', 'AWS::IAM::Role'),
            notEmulated('rClientInstanceProfile', 'AWS::IAM::InstanceProfile'),
            { logicalId: 'rClientSecurityGroup', type: 'AWS::EC2::SecurityGroup', physicalId: client.securityGroupId, emulated: 'security-group', deletionPolicy: 'Delete', named: 'guess' },
            { logicalId: 'rClientInstance', type: 'AWS::EC2::Instance', physicalId: client.instanceId, emulated: 'instance', deletionPolicy: 'Delete', named: 'seeds' },
            notEmulated('rPrivateCa', 'AWS::ACMPCA::CertificateAuthority'),
            ...orchestration('rClientSsmDocument'),
            { logicalId: 'rCloudHsmCluster', type: 'Custom::CloudHsmCluster', emulated: 'custom-resource', deletionPolicy: 'Delete', named: 'seeds' },
        ],
        status: 'CREATE_COMPLETE',
    };
}

function keyStoreStackRecord(name: string, parameters: SampleParameters, clusterId: string, names: Record<SampleSecret, string>, clientInstanceId: string): SampleStack {
    return {
        name,
        template: 'cloudhsm-key-store.yml',
        parameters: {
            pSystem: parameters.pSystem,
            pEnvPurpose: parameters.pEnvPurpose,
            pKeyStoreName: parameters.pKeyStoreName,
            pDeleteKeyStoreUponStackDeletion: 'false',
            pCloudHsmClusterId: clusterId,
            pCloudHsmAdminPasswordSecretName: names.adminPassword,
            pCloudHsmCustCaCertSecretName: names.customerCaCert,
            pClientInstanceId: clientInstanceId,
        },
        resources: [
            ...orchestration('rKmsUserSsmDocument'),
            { logicalId: 'rKmsCloudHsmKeyStore', type: 'Custom::CloudHsmKeyStore', emulated: 'custom-resource', deletionPolicy: 'Delete', named: 'seeds' },
        ],
        status: 'CREATE_COMPLETE',
    };
}

/** Guide step 1: `DeletionPolicy: Retain` on the stack's custom resources (a stack update that changes nothing else). */
export function retainCustomResources(stack: SampleStack): void {
    for (const resource of stack.resources) if (resource.emulated === 'custom-resource') resource.deletionPolicy = 'Retain';
}

/**
 * Deletes a sample stack as CloudFormation does: its resources in reverse order, each through the emulator's
 * API with the caller's credentials, skipping retained ones. CloudFormation stops at the first resource it
 * cannot delete (DELETE_FAILED, with EC2's reason); deleting again goes on from there. A custom resource
 * without Retain is refused here: its delete state machine (which removes the HSMs, the cluster and three
 * secrets) is not simulated, and the guide never lets it run.
 */
export async function deleteSampleStack(aws: LocalAws, stack: SampleStack, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<SampleStack> {
    const ec2 = new EC2Client({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials, maxAttempts: 1 });
    try {
        for (const resource of [...stack.resources].reverse()) {
            if (resource.deleted || resource.deletionPolicy === 'Retain') continue;
            if (resource.emulated === 'custom-resource') {
                throw new Error(`${stack.name}: ${resource.logicalId} has no DeletionPolicy Retain; its delete state machine would remove ${resource.physicalId} (not simulated)`);
            }
            if (resource.emulated === 'instance') {
                await ec2.send(new TerminateInstancesCommand({ InstanceIds: [resource.physicalId!] }));
                // CloudFormation waits for the instance to be terminated before it deletes what the instance used.
                aws.clock.advance(aws.emulator.durations.instanceTerminateSeconds);
                aws.emulator.settle();
            }
            if (resource.emulated === 'security-group') {
                try {
                    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: resource.physicalId }));
                } catch (err) {
                    const error = err as Error;
                    stack.status = 'DELETE_FAILED';
                    stack.statusReason = `${resource.logicalId}: ${error.message} (Service: Ec2, Status Code: 400, Error Code: ${error.name})`;
                    return stack;
                }
            }
            resource.deleted = true;
        }
        stack.status = 'DELETE_COMPLETE';
        stack.statusReason = undefined;
        return stack;
    } finally {
        ec2.destroy();
    }
}
