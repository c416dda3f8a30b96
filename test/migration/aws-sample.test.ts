/**
 * The stand-in for the AWS sample (aws-sample.ts) leaves what its two stacks leave: without this, the
 * migration test would prove a migration from a state nobody has.
 */
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { AwsSample, deleteSampleStack, deployAwsSample, retainCustomResources } from './aws-sample';

let aws: LocalAws;
let sample: AwsSample;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    sample = await deployAwsSample(aws);
});
afterAll(() => aws?.stop());

const userCredentials = { accessKeyId: 'AKIAMIGRATINGUSER', secretAccessKey: 'user-secret' };

describe('GIVEN the AWS sample deployed with its defaults on two subnets', () => {
    it('THEN the cluster is ACTIVE with one HSM in each subnet, untagged, initialized with the sample CA', () => {
        const cluster = aws.emulator.state.clusters.get(sample.clusterId)!;
        expect(cluster.state).toBe('ACTIVE');
        expect(cluster.hsms.map((h) => [h.subnetId, h.state]).sort()).toEqual(sample.subnetIds.map((s) => [s, 'ACTIVE']).sort());
        expect(cluster.tags).toEqual({});
        expect(cluster.pki?.trustAnchorPem?.trim()).toBe(sample.customerCaPem.trim());
    });

    it("THEN the admin password is a plain string in the sample's secret, and admin and kmsuser are on every HSM; kmsuser's password is KMS's own", async () => {
        const secrets = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: userCredentials, maxAttempts: 1 });
        const password = (await secrets.send(new GetSecretValueCommand({ SecretId: sample.secrets.adminPassword.arn }))).SecretString!;
        const tags = (await secrets.send(new DescribeSecretCommand({ SecretId: sample.secrets.adminPassword.arn }))).Tags;
        secrets.destroy();
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(tags).toBeUndefined();
        const cluster = aws.emulator.state.clusters.get(sample.clusterId)!;
        const allHsms = cluster.hsms.map((h) => h.hsmId).sort();
        const user = (name: string) => cluster.users.find((u) => u.username === name)!;
        expect({ role: user('admin').role, password: user('admin').password, hsms: [...user('admin').hsmIds].sort() }).toEqual({ role: 'admin', password, hsms: allHsms });
        expect({ role: user('kmsuser').role, hsms: [...user('kmsuser').hsmIds].sort() }).toEqual({ role: 'crypto-user', hsms: allHsms });
        expect(user('kmsuser').password).toBe(aws.emulator.state.keyStores.get(sample.keyStoreId)!.kmsUserPassword);
        expect(user('kmsuser').password).not.toBe(password);
    });

    it('THEN the four secrets carry the sample names and values: CSR, cluster certificate and CA certificate', () => {
        const value = (name: string) => aws.emulator.state.secrets.get(name)!.versions.find((v) => v.stages.includes('AWSCURRENT'))!.secretString!;
        expect(Object.values(sample.secrets).map((s) => s.name)).toEqual([
            `cloudhsm-${sample.clusterId}-initial-co-password`,
            `cloudhsm-${sample.clusterId}-cluster-csr`,
            `cloudhsm-${sample.clusterId}-cluster-cert`,
            `cloudhsm-${sample.clusterId}-customer-ca-cert`,
        ]);
        expect(value(sample.secrets.clusterCsr.name)).toContain('BEGIN CERTIFICATE REQUEST');
        expect(value(sample.secrets.clusterCert.name).trim()).toBe(aws.emulator.state.clusters.get(sample.clusterId)!.pki!.clusterCertificatePem!.trim());
        expect(value(sample.secrets.customerCaCert.name)).toBe(sample.customerCaPem);
    });

    it("THEN the key store is CONNECTED under the sample's default name, and the EC2 client is let in on the cluster's group", () => {
        expect(aws.emulator.state.keyStores.get(sample.keyStoreId)).toMatchObject({ name: 'cloudhsm-key-store', clusterId: sample.clusterId, connectionState: 'CONNECTED' });
        expect(aws.emulator.state.securityGroups.get(sample.clusterSecurityGroupId)!.ingress).toContainEqual(
            expect.objectContaining({ protocol: 'tcp', fromPort: 2223, toPort: 2225, sourceGroupId: sample.clientSecurityGroupId }),
        );
        expect(aws.emulator.state.instances.get(sample.clientInstanceId)).toMatchObject({ state: 'running', ssmManaged: true });
    });

    it("THEN the sample's scripts passed the admin password on the CLI's command line (its known defect), never in the SSM command text", () => {
        const password = aws.emulator.state.secrets.get(sample.secrets.adminPassword.name)!.versions[0].secretString!;
        const sampleCalls = aws.instances.invocations.slice(sample.footprint.cliInvocations.from, sample.footprint.cliInvocations.to);
        expect(sampleCalls.filter((i) => i.argv.includes(password)).map((i) => `${i.argv[0]} ${i.argv[1]}`)).toEqual(['cluster activate', 'user create']);
        const commandTexts = sample.footprint.commandIds.flatMap((id) => aws.emulator.state.commands.get(id)!.map((c) => c.commands.join('\n')));
        expect(commandTexts.some((text) => text.includes(password))).toBe(false);
    });

    it("THEN the stacks name the sample's custom resources and the client; each stack's parameters are the seeds' names", () => {
        expect(sample.stacks.cluster.resources.filter((r) => r.emulated).map((r) => [r.logicalId, r.physicalId])).toEqual([
            ['rClientSecurityGroup', sample.clientSecurityGroupId],
            ['rClientInstance', sample.clientInstanceId],
            ['rCloudHsmCluster', sample.clusterId],
        ]);
        expect(sample.stacks.keyStore.resources.filter((r) => r.emulated).map((r) => [r.logicalId, r.physicalId])).toEqual([['rKmsCloudHsmKeyStore', sample.keyStoreId]]);
        expect(sample.stacks.keyStore.parameters).toMatchObject({
            pCloudHsmAdminPasswordSecretName: sample.secrets.adminPassword.name,
            pCloudHsmCustCaCertSecretName: sample.secrets.customerCaCert.name,
            pClientInstanceId: sample.clientInstanceId,
        });
    });

    it('WHEN a stack is deleted without Retain on its custom resource THEN the simulation refuses: the delete state machine is not simulated', async () => {
        const fresh = { ...sample.stacks.keyStore, resources: sample.stacks.keyStore.resources.map((r) => ({ ...r })) };
        await expect(deleteSampleStack(aws, fresh, userCredentials)).rejects.toThrow(/rKmsCloudHsmKeyStore has no DeletionPolicy Retain/);
    });

    it("WHEN the cluster stack is deleted with its custom resource retained but the cluster's rule still naming the client's group THEN it is DELETE_FAILED on the group, after the instance was terminated", async () => {
        const stack = { ...sample.stacks.cluster, resources: sample.stacks.cluster.resources.map((r) => ({ ...r })) };
        retainCustomResources(stack);

        const deleted = await deleteSampleStack(aws, stack, userCredentials);

        expect(deleted.status).toBe('DELETE_FAILED');
        expect(deleted.statusReason).toBe(
            `rClientSecurityGroup: resource ${sample.clientSecurityGroupId} has a dependent object (Service: Ec2, Status Code: 400, Error Code: DependencyViolation)`,
        );
        expect(aws.emulator.state.instances.get(sample.clientInstanceId)!.state).toBe('terminated');
        expect(aws.emulator.state.clusters.get(sample.clusterId)!.state).toBe('ACTIVE');
        expect(aws.emulator.state.keyStores.get(sample.keyStoreId)!.connectionState).toBe('CONNECTED');
    });
});
