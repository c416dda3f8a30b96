/**
 * The whole life of a cluster in each certificate-authority mode and from a backup, through the real
 * entrypoint, the driver and the emulator.
 */
import { X509Certificate } from 'crypto';
import { leftovers } from '../../local/leftovers';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, OpensslCa } from '../support';

let aws: LocalAws;
beforeAll(async () => (aws = await startLocalAws()));
afterAll(() => aws.stop());

const secretValue = (name: string) => {
    const secret = [...aws.emulator.state.secrets.values()].find((s) => s.name === name && !s.deletedDate);
    return secret?.versions.find((v) => v.stages.includes('AWSCURRENT'))?.secretString;
};
const adminPasswordOf = (clusterId: string) => JSON.parse(secretValue(`cloudhsm/${clusterId}/admin-credentials`)!).password as string;
const clusterOf = (clusterId: string) => aws.emulator.state.clusters.get(clusterId)!;

describe('SELF_SIGNED with a management instance', () => {
    let model: Record<string, any>;

    test('create ends with an ACTIVE cluster, its HSMs, a trusted certificate and an activated admin', async () => {
        const driver = aws.driver(clusterType);
        const created = await driver.create(clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }] }));

        expect(created.status).toBe('SUCCESS');
        model = created.model!;
        expect(model).toMatchObject({ State: 'ACTIVE', HsmsPerSubnet: 1, HsmType: 'hsm2m.medium', Mode: 'FIPS', BackupRetentionDays: 90, CertificateAuthority: 'SELF_SIGNED' });
        expect(model.Hsms).toHaveLength(2);
        expect(new Set(model.Hsms.map((h: any) => h.AvailabilityZone))).toEqual(new Set(['us-east-1a', 'us-east-1b']));
        expect(model.Hsms.every((h: any) => h.State === 'ACTIVE')).toBe(true);
        expect(model.ClusterCsr).toBeUndefined();
        expect(model.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
        for (const arn of [model.AdminSecretArn, model.TrustAnchorSecretArn]) expect(arn).toMatch(/^arn:aws:secretsmanager:/);
        // The root CA signed the cluster certificate; its key is gone once the cluster is initialized.
        expect(model.CaPrivateKeySecretArn).toBeUndefined();
        expect([...aws.emulator.state.secrets.keys()].filter((name) => name.startsWith(`cloudhsm/${model.ClusterId}/`)).sort()).toEqual([
            `cloudhsm/${model.ClusterId}/admin-credentials`,
            `cloudhsm/${model.ClusterId}/trust-anchor`,
        ]);

        const cluster = clusterOf(model.ClusterId);
        expect(cluster.state).toBe('ACTIVE');
        expect(cluster.mode).toBe('FIPS');
        const anchor = new X509Certificate(model.TrustAnchorCertificate);
        expect(cluster.pki!.trustAnchorPem!.trim()).toBe(model.TrustAnchorCertificate.trim());
        expect(new X509Certificate(cluster.pki!.clusterCertificatePem!).verify(anchor.publicKey)).toBe(true);
        const admin = cluster.users.find((u) => u.username === 'admin')!;
        expect(admin.role).toBe('admin');
        expect(admin.password).toBe(adminPasswordOf(model.ClusterId));
        const managementGroup = aws.network.managementSecurityGroupId;
        expect(aws.emulator.state.securityGroups.get(cluster.securityGroup)!.ingress).toContainEqual(
            expect.objectContaining({ protocol: 'tcp', fromPort: 2223, toPort: 2225, sourceGroupId: managementGroup }),
        );
    });

    test('read returns the same model as create', async () => {
        const read = await aws.driver(clusterType).read({ ClusterId: model.ClusterId });
        expect(read.status).toBe('SUCCESS');
        expect(read.model).toEqual(model);
    });

    test('delete removes HSMs, cluster, rule and CA key, and keeps only what restores need', async () => {
        const deleted = await aws.driver(clusterType).delete(model);
        expect(deleted.status).toBe('SUCCESS');
        const left = leftovers(aws.emulator.state);
        expect(left.clusters).toEqual([]);
        expect(left.hsms).toEqual([]);
        expect(left.rules).toEqual([]);
        expect(left.secrets.sort()).toEqual([`cloudhsm/${model.ClusterId}/admin-credentials`, `cloudhsm/${model.ClusterId}/trust-anchor`]);
        expect(left.backups.length).toBeGreaterThan(0);
    });

    test('read, update and delete of the deleted cluster answer NotFound', async () => {
        const driver = aws.driver(clusterType);
        expect((await driver.read({ ClusterId: model.ClusterId })).errorCode).toBe('NotFound');
        expect((await driver.delete({ ClusterId: model.ClusterId })).errorCode).toBe('NotFound');
        const properties = clusterProperties(aws, { ClusterId: model.ClusterId });
        expect((await driver.update(properties, { ...properties, HsmsPerSubnet: 2 })).errorCode).toBe('NotFound');
    });

    test('a cluster created from its backup, naming its secrets, is ACTIVE with copies of them, without certificate or activation', async () => {
        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        const backup = [...aws.emulator.state.backups.values()]
            .filter((b) => b.clusterId === model.ClusterId && b.state === 'READY')
            .sort((a, b) => b.createTimestamp - a.createTimestamp)[0];
        const driver = aws.driver(clusterType);

        const restored = await driver.create({
            SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.c],
            HsmsPerSubnet: 1,
            SourceBackupId: backup.backupId,
            SourceAdminSecretArn: model.AdminSecretArn,
            SourceTrustAnchorSecretArn: model.TrustAnchorSecretArn,
        });

        expect(restored.status).toBe("SUCCESS");
        expect(restored.model).toMatchObject({ State: 'ACTIVE', SourceBackupId: backup.backupId });
        expect(restored.model!.SourceAdminSecretArn).toBeUndefined();
        expect(restored.model!.AdminSecretArn).not.toBe(model.AdminSecretArn);
        expect(restored.model!.Hsms).toHaveLength(2);
        expect(restored.calls['cloudhsmv2:InitializeCluster']).toBeUndefined();
        expect(restored.calls['ssm:SendCommand']).toBeUndefined();
        expect(restored.model!.TrustAnchorCertificate).toBe(model.TrustAnchorCertificate);
        const restoredId = restored.model!.ClusterId as string;
        expect(adminPasswordOf(restoredId)).toBe(adminPasswordOf(model.ClusterId));
        expect(clusterOf(restoredId).users.find((u) => u.username === 'admin')?.password).toBe(adminPasswordOf(model.ClusterId));
        expect((await driver.read({ ClusterId: restoredId })).model).toEqual(restored.model);

        expect((await driver.delete(restored.model!)).status).toBe('SUCCESS');
    });
});

describe('with a customer KMS key for the secrets', () => {
    test('every secret the type creates is encrypted with it, and read returns it', async () => {
        const driver = aws.driver(clusterType);
        const created = await driver.create(clusterProperties(aws, { SecretsKmsKeyId: 'alias/cloudhsm-secrets', ManagementInstanceId: undefined, HsmsPerSubnet: 0 }));

        expect(created.status).toBe('SUCCESS');
        expect(created.model!.SecretsKmsKeyId).toBe('alias/cloudhsm-secrets');
        const secrets = [...aws.emulator.state.secrets.values()].filter((s) => s.name.startsWith(`cloudhsm/${created.model!.ClusterId}/`) && !s.deletedDate);
        // Admin credentials and trust anchor; the CA key was encrypted with it too, and is gone after initialization.
        expect(secrets).toHaveLength(2);
        expect(secrets.map((s) => s.kmsKeyId)).toEqual(['alias/cloudhsm-secrets', 'alias/cloudhsm-secrets']);
        expect((await driver.read({ ClusterId: created.model!.ClusterId })).model).toEqual(created.model);

        expect((await driver.delete(created.model!)).status).toBe('SUCCESS');
    });
});

describe('without a management instance', () => {
    test('create stops at INITIALIZED with every HSM; adding an instance later activates it', async () => {
        const driver = aws.driver(clusterType);
        const properties = clusterProperties(aws, { ManagementInstanceId: undefined });
        const created = await driver.create(properties);

        expect(created.status).toBe('SUCCESS');
        expect(created.model).toMatchObject({ State: 'INITIALIZED' });
        expect(created.model!.Hsms).toHaveLength(2);
        expect(created.calls['ssm:SendCommand']).toBeUndefined();
        const clusterId = created.model!.ClusterId as string;
        expect(clusterOf(clusterId).users.find((u) => u.username === 'admin')?.role).toBe('unactivated-admin');
        expect(adminPasswordOf(clusterId)).toHaveLength(32);

        const current = { ...properties, ClusterId: clusterId };
        const desired = { ...current, ManagementInstanceId: aws.network.managementInstanceId };
        const updated = await driver.update(current, desired);

        expect(updated.status).toBe('SUCCESS');
        expect(updated.model).toMatchObject({ State: 'ACTIVE', ManagementInstanceId: aws.network.managementInstanceId });
        expect(clusterOf(clusterId).users.find((u) => u.username === 'admin')?.password).toBe(adminPasswordOf(clusterId));

        expect((await driver.delete(updated.model!)).status).toBe('SUCCESS');
    });
});

describe('EXTERNAL certificate authority', () => {
    const customerCa = new OpensslCa('Customer Root CA');
    const otherCa = new OpensslCa('Customer Root CA');
    afterAll(() => {
        customerCa.dispose();
        otherCa.dispose();
    });
    let current: Record<string, unknown>;
    let csr: string;

    test('create ends UNINITIALIZED with one HSM and the CSR published', async () => {
        const properties = clusterProperties(aws, { CertificateAuthority: 'EXTERNAL' });
        const created = await aws.driver(clusterType).create(properties);

        expect(created.status).toBe('SUCCESS');
        expect(created.model).toMatchObject({ State: 'UNINITIALIZED', CertificateAuthority: 'EXTERNAL' });
        expect(created.model!.Hsms).toHaveLength(1);
        expect(created.model!.ClusterCsr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
        expect(created.model!.TrustAnchorCertificate).toBeUndefined();
        csr = created.model!.ClusterCsr as string;
        current = { ...properties, ClusterId: created.model!.ClusterId };
    });

    test.each([
        ['a certificate for another key', () => ({ ExternalClusterCertificate: customerCa.sign(customerCa.foreignCsr()), ExternalTrustAnchor: customerCa.anchorPem })],
        ['a trust anchor that did not issue the certificate', () => ({ ExternalClusterCertificate: otherCa.sign(csr), ExternalTrustAnchor: customerCa.anchorPem })],
        ['only one of the two certificates', () => ({ ExternalClusterCertificate: customerCa.sign(csr) })],
        ['text that is not PEM', () => ({ ExternalClusterCertificate: 'not a certificate', ExternalTrustAnchor: customerCa.anchorPem })],
    ])('an update with %s fails with InvalidRequest and leaves the cluster waiting', async (_case, certificates) => {
        const updated = await aws.driver(clusterType).update(current, { ...current, ...certificates() });

        expect(updated.status).toBe('FAILED');
        expect(updated.errorCode).toBe('InvalidRequest');
        expect(updated.message).toMatch(/ExternalClusterCertificate|ExternalTrustAnchor/);
        expect(clusterOf(current.ClusterId as string).state).toBe('UNINITIALIZED');
    });

    test('an update with the signed certificate and trust anchor initializes, activates and aligns', async () => {
        const desired = { ...current, ExternalClusterCertificate: customerCa.sign(csr), ExternalTrustAnchor: customerCa.anchorPem };
        const updated = await aws.driver(clusterType).update(current, desired);

        expect(updated.status).toBe('SUCCESS');
        expect(updated.model).toMatchObject({ State: 'ACTIVE' });
        expect(updated.model!.Hsms).toHaveLength(2);
        expect(updated.model!.TrustAnchorCertificate).toBe(customerCa.anchorPem);
        expect(updated.model!.ExternalClusterCertificate).toBeUndefined();
        expect(updated.model!.ExternalTrustAnchor).toBeUndefined();
        expect(updated.model!.ClusterCsr).toBeUndefined();
        current = desired;
    });

    test('a later update without the (write-only) certificates still does its work: the HSM count changes', async () => {
        const { ExternalClusterCertificate: _certificate, ExternalTrustAnchor: _anchor, ...withoutCertificates } = current;
        const desired = { ...withoutCertificates, HsmsPerSubnet: 2 };
        const updated = await aws.driver(clusterType).update(current, desired);

        expect(updated.status).toBe('SUCCESS');
        expect(updated.model).toMatchObject({ State: 'ACTIVE', HsmsPerSubnet: 2 });
        expect(updated.model!.Hsms).toHaveLength(4);

        expect((await aws.driver(clusterType).delete(updated.model!)).status).toBe('SUCCESS');
    });
});
