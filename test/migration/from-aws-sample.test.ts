/**
 * The README's migration guide from the AWS sample, step by step, through the real entrypoints and the driver:
 * the sample's two stacks (aws-sample.ts) hand their cluster and key store over to a stack of ours built from
 * examples/cloudhsm-import-from-aws-sample.yaml, the sample's stacks go, and the stack then manages both:
 * HSM count, both password rotations, a KMS key in the store, and at last its own delete. Each step checks
 * what it leaves, as a user would look at it; the last test searches everything readable for any secret.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { CloudHSMV2Client, TagResourceCommand as TagClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DeleteSecurityGroupCommand, EC2Client, RevokeSecurityGroupIngressCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteSecretCommand, DescribeSecretCommand, SecretsManagerClient, TagResourceCommand as TagSecretCommand } from '@aws-sdk/client-secrets-manager';
import { OperationReport } from '../../local/driver/driver';
import { addManagementInstance, ManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { parseTemplate } from '../../tools/check-template/cfn-yaml';
import { everyText, exposures, SecretHarvest } from '../cluster/secret-scan';
import { advanceSeconds, expectSuccess, liveSecret, mutatingCallSequence, passwordIn } from '../keystore/key-store-support';
import { clusterType, keyStoreType, kmsKeyType, QUICK_SERVICE_DURATIONS } from '../support';
import { AwsSample, deleteSampleStack, deployAwsSample, retainCustomResources } from './aws-sample';
import { declaredProperties, TemplateValues } from './template-values';

/** Our stack: the name its owner puts in the cluster's consent tag. */
const STACK = 'cloudhsm-migrated';
const CONSENT_TAG = 'cloudhsm-type:import-into';
const SECRET_CLUSTER_TAG = 'cloudhsm-type:cluster-id';
const template = parseTemplate(readFileSync(join(__dirname, '..', '..', 'examples', 'cloudhsm-import-from-aws-sample.yaml'), 'utf8')) as Record<string, any>;
/** The person doing the migration: an IAM user of the account, not the types' execution role. */
const userCredentials = { accessKeyId: 'AKIAMIGRATINGUSER', secretAccessKey: 'user-secret' };
const DATA = 'ledger entry 7: sealed before the migration';

let aws: LocalAws;
let sample: AwsSample;
let clientSettings: { endpoint: string; region: string; credentials: typeof userCredentials; maxAttempts: number };
const reports: OperationReport[] = [];
const harvest = new SecretHarvest();

const drivers = () => ({
    clusters: aws.driver(clusterType, { logicalResourceId: 'Cluster', stackName: STACK }),
    keyStores: aws.driver(keyStoreType, { logicalResourceId: 'KeyStore', stackName: STACK }),
    keys: aws.driver(kmsKeyType, { logicalResourceId: 'Key', stackName: STACK }),
});
let our: ReturnType<typeof drivers>;

/** What CloudFormation holds for our stack: template parameters, each resource's state and last model. */
const stack: TemplateValues & { state: Record<string, Record<string, unknown>> } = { parameters: {}, refs: {}, attributes: {}, state: {} };
let ourInstance: ManagementInstance;

/** An operation of our stack that must succeed; its report is kept for the secret scan. */
async function succeeded(operation: Promise<OperationReport>): Promise<OperationReport> {
    const report = await operation;
    reports.push(report);
    expectSuccess(report);
    return report;
}

const declared = (logicalId: string, omit: string[] = []) => declaredProperties(template, logicalId, stack, omit);
const clusterNow = () => aws.emulator.state.clusters.get(sample.clusterId)!;
const storeNow = () => aws.emulator.state.keyStores.get(sample.keyStoreId)!;
const hsmUser = (username: string) => clusterNow().users.find((u) => u.username === username)!;
const activeHsmsBySubnet = () => {
    const counts: Record<string, number> = {};
    for (const hsm of clusterNow().hsms.filter((h) => h.state === 'ACTIVE')) counts[hsm.subnetId] = (counts[hsm.subnetId] ?? 0) + 1;
    return counts;
};
const secretValue = (name: string) => liveSecret(aws, name)?.versions.find((v) => v.stages.includes('AWSCURRENT'))?.secretString;
/** Every HSM user's password and the one KMS holds for kmsuser, now: passwords no secret of ours holds (the sample's bare string, KMS's own). */
const harvestHsmPasswords = () => {
    for (const user of clusterNow()?.users ?? []) if (user.password) harvest.passwords.add(user.password);
    const kmsHeld = aws.emulator.state.keyStores.get(sample.keyStoreId)?.kmsUserPassword;
    if (kmsHeld) harvest.passwords.add(kmsHeld);
};

async function withKms<T>(use: (kms: KMSClient) => Promise<T>): Promise<T> {
    const kms = new KMSClient(clientSettings);
    try {
        return await use(kms);
    } finally {
        kms.destroy();
    }
}
const decrypted = (ciphertext: Uint8Array) => withKms(async (kms) => Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: ciphertext }))).Plaintext!).toString());

let userKeyId: string;
let adminPasswordAfterRotation: string;
let sealedBeforeMigration: Uint8Array;

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    clientSettings = { endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: userCredentials, maxAttempts: 1 };
    sample = await deployAwsSample(aws);
    harvestHsmPasswords();
    // The team's own KMS key in the sample's store, and data sealed with it: what the migration must not break.
    await withKms(async (kms) => {
        userKeyId = (await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: sample.keyStoreId, Description: 'made on the sample' }))).KeyMetadata!.KeyId!;
        sealedBeforeMigration = (await kms.send(new EncryptCommand({ KeyId: userKeyId, Plaintext: Buffer.from(DATA) }))).CiphertextBlob!;
    });
    our = drivers();
    stack.parameters = {
        SubnetIds: sample.subnetIds,
        HsmsPerSubnet: 1,
        SampleAdminPasswordSecretArn: sample.secrets.adminPassword.arn,
        SampleCustomerCaCertSecretArn: sample.secrets.customerCaCert.arn,
        VpcId: aws.network.vpcId,
        ManagementSubnetId: aws.network.subnetIds.a,
        KeyStoreName: sample.keyStoreName,
        AdminPasswordVersion: 1,
        KmsUserPasswordVersion: 1,
    };
});
afterAll(() => aws?.stop());

describe('Migrating from the AWS sample (README: "Migrating from the AWS sample")', () => {
    test('1. DeletionPolicy Retain on the sample\'s custom resources: an update of each sample stack that changes nothing else', () => {
        retainCustomResources(sample.stacks.cluster);
        retainCustomResources(sample.stacks.keyStore);

        const policies = (s: AwsSample['stacks']['cluster']) => s.resources.filter((r) => r.emulated === 'custom-resource').map((r) => [r.logicalId, r.deletionPolicy]);
        expect(policies(sample.stacks.cluster)).toEqual([['rCloudHsmCluster', 'Retain']]);
        expect(policies(sample.stacks.keyStore)).toEqual([['rKmsCloudHsmKeyStore', 'Retain']]);
        // The sample's custom resources do nothing on an update that changes no parameter.
        expect(clusterNow().state).toBe('ACTIVE');
        expect(storeNow().connectionState).toBe('CONNECTED');
    });

    test("2. The owner's consent on the cluster, and the cluster tag on the sample's admin and CA secrets, with the user's own credentials", async () => {
        const cloudhsm = new CloudHSMV2Client(clientSettings);
        const secrets = new SecretsManagerClient(clientSettings);
        await cloudhsm.send(new TagClusterCommand({ ResourceId: sample.clusterId, TagList: [{ Key: CONSENT_TAG, Value: STACK }] }));
        for (const secret of [sample.secrets.adminPassword, sample.secrets.customerCaCert]) {
            await secrets.send(new TagSecretCommand({ SecretId: secret.arn, Tags: [{ Key: SECRET_CLUSTER_TAG, Value: sample.clusterId }] }));
        }
        const tagsOf = async (arn: string) => (await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).Tags;
        const adminTags = await tagsOf(sample.secrets.adminPassword.arn);
        const caTags = await tagsOf(sample.secrets.customerCaCert.arn);
        cloudhsm.destroy();
        secrets.destroy();

        expect(clusterNow().tags).toEqual({ [CONSENT_TAG]: STACK });
        expect(adminTags).toEqual([{ Key: SECRET_CLUSTER_TAG, Value: sample.clusterId }]);
        expect(caTags).toEqual([{ Key: SECRET_CLUSTER_TAG, Value: sample.clusterId }]);
    });

    test("3. Import the cluster (a new stack from an IMPORT change set): READ shows the cluster as CloudHSM has it, and nothing changes", async () => {
        // Not yet ManagementInstanceId (the instance is not in the stack) nor AdminPasswordVersion, which READ
        // cannot tell before the cluster has an admin secret of the type's: drift detection stays clean.
        const properties = declared('Cluster', ['ManagementInstanceId', 'AdminPasswordVersion']);
        const from = aws.emulator.calls.length;

        const imported = await succeeded(our.clusters.import({ ...properties, ClusterId: sample.clusterId }));

        expect(imported.model).toMatchObject({
            ClusterId: sample.clusterId,
            State: 'ACTIVE',
            HsmType: 'hsm2m.medium',
            HsmsPerSubnet: 1,
            BackupRetentionDays: 90,
            VpcId: aws.network.vpcId,
            SecurityGroupId: sample.clusterSecurityGroupId,
        });
        expect([...(imported.model!.SubnetIds as string[])].sort()).toEqual([...sample.subnetIds].sort());
        expect((imported.model!.Hsms as Array<{ State: string }>).map((h) => h.State)).toEqual(['ACTIVE', 'ACTIVE']);
        // What the type has not been given yet, it does not claim to know.
        expect(imported.model).not.toHaveProperty('AdminSecretArn');
        expect(imported.model).not.toHaveProperty('TrustAnchorSecretArn');
        expect(imported.model).not.toHaveProperty('AdminPasswordVersion');
        // Drift detection compares the template with READ (write-only properties aside): they agree.
        expect(imported.model).toMatchObject({ HsmsPerSubnet: properties.HsmsPerSubnet });
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        // CloudFormation keeps the template's properties as the resource's state.
        stack.state.Cluster = { ...properties, ClusterId: sample.clusterId };
        stack.refs.Cluster = sample.clusterId;
        stack.attributes.Cluster = imported.model!;
    });

    test("4. Update: our management instance; the cluster copies the sample's password and CA certificate into its own secrets and configures the instance", async () => {
        ourInstance = addManagementInstance(aws.emulator.state, aws.network.subnetIds.a); // CloudFormation creates ManagementInstance
        stack.refs.ManagementInstance = ourInstance.instanceId;
        const samplePassword = secretValue(sample.secrets.adminPassword.name)!;
        const sampleSecretVersions = Object.values(sample.secrets).map((s) => liveSecret(aws, s.arn)!.versions.map((v) => v.versionId));
        const hsmsBefore = clusterNow().hsms.map((h) => h.hsmId).sort();
        const desired = { ...declared('Cluster'), ClusterId: sample.clusterId };

        const updated = await succeeded(our.clusters.update(stack.state.Cluster, desired));

        const adminSecretArn = updated.model!.AdminSecretArn as string;
        expect(liveSecret(aws, adminSecretArn)!.name).toBe(`cloudhsm/${sample.clusterId}/admin-credentials`);
        expect(JSON.parse(secretValue(`cloudhsm/${sample.clusterId}/admin-credentials`)!)).toEqual({ username: 'admin', password: samplePassword });
        expect(updated.model!.TrustAnchorCertificate).toBe(sample.customerCaPem);
        expect(secretValue(`cloudhsm/${sample.clusterId}/trust-anchor`)).toBe(sample.customerCaPem);
        // The new instance can reach the HSMs and trusts them; the sample's rule is the sample's to remove.
        const ingress = aws.emulator.state.securityGroups.get(sample.clusterSecurityGroupId)!.ingress.map((r) => r.sourceGroupId);
        expect(ingress).toEqual(expect.arrayContaining([ourInstance.securityGroupId, sample.clientSecurityGroupId]));
        expect(aws.emulator.state.instances.get(ourInstance.instanceId)!.cli).toMatchObject({ caCertificatePem: sample.customerCaPem });
        // Nothing else moved: the HSMs, the admin's password, the key store, the sample's secrets.
        expect(clusterNow().hsms.map((h) => h.hsmId).sort()).toEqual(hsmsBefore);
        expect(hsmUser('admin').password).toBe(samplePassword);
        expect(storeNow().connectionState).toBe('CONNECTED');
        expect(Object.values(sample.secrets).map((s) => liveSecret(aws, s.arn)!.versions.map((v) => v.versionId))).toEqual(sampleSecretVersions);
        expect(await decrypted(sealedBeforeMigration)).toBe(DATA);
        stack.state.Cluster = desired;
        stack.attributes.Cluster = updated.model!;
    });

    test("5. Import the key store, declared from the cluster's attributes: READ shows it CONNECTED on the cluster, and nothing changes", async () => {
        const properties = declared('KeyStore');
        const kmsUserBefore = hsmUser('kmsuser').password;
        const from = aws.emulator.calls.length;

        const imported = await succeeded(our.keyStores.import({ ...properties, KeyStoreId: sample.keyStoreId }));

        expect(properties).toMatchObject({ AdminSecretArn: stack.attributes.Cluster.AdminSecretArn, TrustAnchorCertificate: sample.customerCaPem, ManagementInstanceId: ourInstance.instanceId });
        expect(imported.model).toMatchObject({
            KeyStoreId: sample.keyStoreId,
            KeyStoreName: 'cloudhsm-key-store',
            ClusterId: sample.clusterId,
            ConnectionState: 'CONNECTED',
            DesiredConnectionState: 'CONNECTED',
        });
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        expect(hsmUser('kmsuser').password).toBe(kmsUserBefore);
        stack.state.KeyStore = { ...properties, KeyStoreId: sample.keyStoreId };
        stack.refs.KeyStore = sample.keyStoreId;
        stack.attributes.KeyStore = imported.model!;
    });

    test("6. Delete the sample's stacks (the sample client's rule revoked first), then its secrets: the cluster, the store and the team's key keep working", async () => {
        const ec2 = new EC2Client(clientSettings);
        const secrets = new SecretsManagerClient(clientSettings);
        const keyStoreStack = await deleteSampleStack(aws, sample.stacks.keyStore, userCredentials);
        // Without this the cluster stack's delete fails on rClientSecurityGroup (DependencyViolation): the sample's
        // Lambda added the rule, so CloudFormation does not know it.
        await ec2.send(
            new RevokeSecurityGroupIngressCommand({
                GroupId: sample.clusterSecurityGroupId,
                IpPermissions: [{ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: sample.clientSecurityGroupId }] }],
            }),
        );
        const clusterStack = await deleteSampleStack(aws, sample.stacks.cluster, userCredentials);
        // The secrets were the sample's Lambdas', not CloudFormation's: they outlive both stacks until deleted.
        const leftBySample = Object.values(sample.secrets).filter((s) => liveSecret(aws, s.arn)).map((s) => s.name);
        for (const secret of Object.values(sample.secrets)) await secrets.send(new DeleteSecretCommand({ SecretId: secret.arn, RecoveryWindowInDays: 7 }));
        ec2.destroy();
        secrets.destroy();

        expect([keyStoreStack.status, clusterStack.status]).toEqual(['DELETE_COMPLETE', 'DELETE_COMPLETE']);
        expect(leftBySample).toEqual(Object.values(sample.secrets).map((s) => s.name));
        expect(aws.emulator.state.instances.get(sample.clientInstanceId)!.state).toBe('terminated');
        expect(aws.emulator.state.securityGroups.has(sample.clientSecurityGroupId)).toBe(false);
        expect(Object.values(sample.secrets).map((s) => liveSecret(aws, s.arn))).toEqual([undefined, undefined, undefined, undefined]);
        // What was retained works, without anything of the sample's.
        expect(clusterNow().state).toBe('ACTIVE');
        expect(activeHsmsBySubnet()).toEqual(Object.fromEntries(sample.subnetIds.map((s) => [s, 1])));
        expect(storeNow().connectionState).toBe('CONNECTED');
        expect(await decrypted(sealedBeforeMigration)).toBe(DATA);
        const read = await succeeded(our.clusters.read({ ClusterId: sample.clusterId }));
        expect(read.model).toMatchObject({ State: 'ACTIVE', AdminSecretArn: stack.attributes.Cluster.AdminSecretArn, TrustAnchorCertificate: sample.customerCaPem });
        expect((await succeeded(our.keyStores.read({ KeyStoreId: sample.keyStoreId }))).model).toMatchObject({ ConnectionState: 'CONNECTED' });
    });

    test("7a. Rotate the admin password first: the password the sample passed on its instance's command line stops working", async () => {
        const samplePassword = hsmUser('admin').password!;
        stack.parameters.AdminPasswordVersion = 2;
        const desired = { ...declared('Cluster'), ClusterId: sample.clusterId };

        const rotated = await succeeded(our.clusters.update(stack.state.Cluster, desired));

        expect(rotated.model!.AdminPasswordVersion).toBe(2);
        const newPassword = passwordIn(aws, stack.attributes.Cluster.AdminSecretArn as string);
        adminPasswordAfterRotation = newPassword;
        expect(hsmUser('admin')).toMatchObject({ password: newPassword, locked: false });
        expect(newPassword).not.toBe(samplePassword);
        expect(storeNow().connectionState).toBe('CONNECTED');
        harvestHsmPasswords();
        stack.state.Cluster = desired;
        stack.attributes.Cluster = rotated.model!;
    });

    test('7b. Grow to two HSMs per subnet: admin and kmsuser reach the new HSMs, and the store stays CONNECTED', async () => {
        stack.parameters.HsmsPerSubnet = 2;
        const desired = { ...declared('Cluster'), ClusterId: sample.clusterId };

        const grown = await succeeded(our.clusters.update(stack.state.Cluster, desired));

        expect(grown.model!.HsmsPerSubnet).toBe(2);
        expect(activeHsmsBySubnet()).toEqual(Object.fromEntries(sample.subnetIds.map((s) => [s, 2])));
        const allHsms = clusterNow().hsms.map((h) => h.hsmId).sort();
        expect([...hsmUser('admin').hsmIds].sort()).toEqual(allHsms);
        expect([...hsmUser('kmsuser').hsmIds].sort()).toEqual(allHsms);
        expect(storeNow().connectionState).toBe('CONNECTED');
        stack.state.Cluster = desired;
        stack.attributes.Cluster = grown.model!;
    });

    test('7c. Rotate kmsuser: the store reconnects with a password the type set, and the sealed data still decrypts', async () => {
        harvestHsmPasswords();
        stack.parameters.KmsUserPasswordVersion = 2;
        const desired = { ...declared('KeyStore'), KeyStoreId: sample.keyStoreId };

        const rotated = await succeeded(our.keyStores.update(stack.state.KeyStore, desired));

        expect(rotated.model).toMatchObject({ KmsUserPasswordVersion: 2, ConnectionState: 'CONNECTED' });
        expect(liveSecret(aws, rotated.model!.KmsUserSecretArn as string)).toBeDefined();
        expect(storeNow().connectionState).toBe('CONNECTED');
        expect(await decrypted(sealedBeforeMigration)).toBe(DATA);
        harvestHsmPasswords();
        stack.state.KeyStore = desired;
        stack.attributes.KeyStore = rotated.model!;
    });

    test('7d. Add a Community::CloudHsm::KmsKey to the store: it encrypts and decrypts', async () => {
        const properties = declared('Key');

        const created = await succeeded(our.keys.create(properties));

        const keyId = created.model!.KeyId as string;
        expect(aws.emulator.state.kmsKeys.get(keyId)).toMatchObject({ customKeyStoreId: sample.keyStoreId, origin: 'AWS_CLOUDHSM', enabled: true, keyMaterialClusterId: sample.clusterId });
        const sealed = await withKms(async (kms) => (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('after the migration') }))).CiphertextBlob!);
        expect(await decrypted(sealed)).toBe('after the migration');
        stack.state.Key = { ...properties, KeyId: keyId };
        stack.refs.Key = keyId;
    });

    test("7e. Delete the whole stack in CloudFormation's order (key, key store, cluster, instance): what stays is what README lists", async () => {
        // The team's own key was never the stack's: its deletion is scheduled by hand, or the store cannot go.
        await withKms((kms) => kms.send(new ScheduleKeyDeletionCommand({ KeyId: userKeyId, PendingWindowInDays: 7 })));
        // DeletionPolicy Retain → Delete on Cluster and KeyStore: a stack update that calls no handler.

        await succeeded(our.keys.delete(stack.state.Key));
        await succeeded(our.keyStores.delete(stack.state.KeyStore));
        await succeeded(our.clusters.delete(stack.state.Cluster));
        const ec2 = new EC2Client(clientSettings);
        await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ourInstance.instanceId] }));
        advanceSeconds(aws, aws.emulator.durations.instanceTerminateSeconds);
        await ec2.send(new DeleteSecurityGroupCommand({ GroupId: ourInstance.securityGroupId }));
        ec2.destroy();
        harvest.collect(aws.emulator.state);

        expect(['DELETED', undefined]).toContain(aws.emulator.state.clusters.get(sample.clusterId)?.state);
        // Both keys pending deletion, in the retired, disconnected store (README: "Deleting a whole stack").
        const store = storeNow();
        expect(store).toMatchObject({ name: `retired/${sample.keyStoreId}/cloudhsm-key-store`, connectionState: 'DISCONNECTED' });
        expect([userKeyId, stack.refs.Key].map((id) => aws.emulator.state.kmsKeys.get(id)!.deletionDate !== undefined)).toEqual([true, true]);
        expect(liveSecret(aws, stack.attributes.KeyStore.KmsUserSecretArn as string)).toBeUndefined();
        // The cluster's backups, and its admin and trust anchor secrets for a restore from them: the newest
        // backup was taken after the rotation, so only the type's secret holds the admin password it has.
        const backups = [...aws.emulator.state.backups.values()].filter((b) => b.clusterId === sample.clusterId && b.state === 'READY');
        const newest = backups.sort((a, b) => b.createTimestamp - a.createTimestamp)[0];
        expect(newest.users.find((u) => u.username === 'admin')!.password).toBe(adminPasswordAfterRotation);
        expect([`cloudhsm/${sample.clusterId}/admin-credentials`, `cloudhsm/${sample.clusterId}/trust-anchor`].map((name) => !!liveSecret(aws, name))).toEqual([true, true]);
        expect(passwordIn(aws, `cloudhsm/${sample.clusterId}/admin-credentials`)).toBe(adminPasswordAfterRotation);
        // Nothing of the sample's is left but what CloudHSM keeps (backups) and the secrets in their recovery window.
        expect(Object.values(sample.secrets).map((s) => aws.emulator.state.secrets.get(s.name)?.deletedDate !== undefined)).toEqual([true, true, true, true]);
    });

    test('8. No secret is in any progress event, returned model, log line, SSM command, command line or environment of ours', () => {
        const sampleCommands = new Set(sample.footprint.commandIds);
        const sampleCalls = sample.footprint.cliInvocations;
        const isTheSamples = (where: string) => {
            const command = /^SSM command (\S+)$/.exec(where);
            if (command) return sampleCommands.has(command[1]);
            const call = / call (\d+)$/.exec(where);
            return !!call && Number(call[1]) >= sampleCalls.from && Number(call[1]) < sampleCalls.to;
        };
        const ours = [our.clusters, our.keyStores, our.keys];
        // CLOUDHSM_PIN is how the CloudHSM CLI logs in without a prompt: the one place a password must be (checked below).
        const texts = everyText(aws, ours.flatMap((d) => d.consoleLines), ours.flatMap((d) => d.invocationEvents), reports).filter((t) => !t.where.startsWith('environment of '));
        aws.instances.invocations.forEach((call, n) =>
            texts.push({ where: `environment of ${call.tool} call ${n}`, text: Object.entries(call.env).filter(([k]) => k !== 'CLOUDHSM_PIN').map(([k, v]) => `${k}=${v}`).join('\n') }),
        );
        const ourLogins = aws.instances.invocations.slice(sample.footprint.cliInvocations.to).filter((call) => call.env.CLOUDHSM_PIN !== undefined);
        harvest.add(secretValue(`cloudhsm/${sample.clusterId}/admin-credentials`));
        const fragments = harvest.fragments();

        expect(harvest.passwords.size).toBeGreaterThanOrEqual(4);
        expect(exposures(texts.filter((t) => !isTheSamples(t.where)), fragments)).toEqual([]);
        expect(ourLogins.length).toBeGreaterThan(0);
        expect(ourLogins.every((call) => call.tool === 'cloudhsm-cli' && call.env.CLOUDHSM_PIN.startsWith('admin:'))).toBe(true);
        // The scan finds what is there: the sample's own command lines hold its admin password.
        expect(exposures(texts.filter((t) => isTheSamples(t.where)), fragments).map((e) => e.where)).toEqual(
            expect.arrayContaining([expect.stringMatching(/^argv of cloudhsm-cli call \d+$/)]),
        );
    });
});
