/**
 * What an import cannot make the type do. A cluster the sample left UNINITIALIZED (its stack failed before
 * the certificate) is not initialized by the type, whose CA never signed anything for it: its updates are
 * refused, and its delete (with consent) takes it down. A cluster the type made itself has its own secrets:
 * Imported* properties are refused there.
 */
import { CloudHSMV2Client, CreateClusterCommand, CreateHsmCommand } from '@aws-sdk/client-cloudhsm-v2';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { consentTo } from './sample-made-cluster';

const STACK = 'payments-hsm';
let aws: LocalAws;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
});
afterAll(() => aws?.stop());

const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };

describe('GIVEN an imported cluster the sample left UNINITIALIZED with its first HSM, and its owner\'s consent', () => {
    let clusterId: string;
    let template: Record<string, unknown>;
    let driver: ReturnType<LocalAws['driver']>;

    beforeAll(async () => {
        const cloudhsm = new CloudHSMV2Client({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' }, maxAttempts: 1 });
        try {
            // Whatever tags it has: the team's, and some that look like the type's own records.
            const tags = [
                { Key: 'team', Value: 'payments' },
                { Key: 'cloudhsm-type:certificate-authority', Value: 'EXTERNAL' },
                { Key: 'cloudhsm-type:secrets-kms-key', Value: 'alias/somebody' },
            ];
            clusterId = (await cloudhsm.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [aws.network.subnetIds.a], TagList: tags }))).Cluster!.ClusterId!;
            aws.clock.advance(aws.emulator.durations.clusterCreateSeconds);
            aws.emulator.settle();
            await cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: aws.emulator.state.subnets.get(aws.network.subnetIds.a)!.availabilityZone }));
            aws.clock.advance(aws.emulator.durations.hsmCreateSeconds);
            aws.emulator.settle();
        } finally {
            cloudhsm.destroy();
        }
        await consentTo(aws, clusterId, STACK);
        driver = aws.driver(clusterType, { logicalResourceId: 'Cluster', stackName: STACK });
        template = { ClusterId: clusterId, SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1 };
        const imported = await driver.import(template);
        expect(outcome(imported)).toEqual({ status: 'SUCCESS' });
        // Its CSR is public, as for a cluster of the type's own; who will sign it, and which key encrypts secrets
        // the type never made, are not the type's to say, whatever the tags claim.
        expect(imported.model).toMatchObject({ State: 'UNINITIALIZED', ClusterCsr: expect.stringContaining('BEGIN CERTIFICATE REQUEST'), Tags: [{ Key: 'team', Value: 'payments' }] });
        expect(imported.model!.CertificateAuthority).toBeUndefined();
        expect(imported.model!.SecretsKmsKeyId).toBeUndefined();
    });

    it('WHEN the stack updates it THEN the update is refused, saying to initialize and activate it first, and nothing changed', async () => {
        const hsmsBefore = aws.emulator.state.clusters.get(clusterId)!.hsms.map((h) => h.hsmId);

        const report = await driver.update(template, { ...template, HsmsPerSubnet: 2, CertificateAuthority: 'SELF_SIGNED' });

        expect({ status: report.status, errorCode: report.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(report.message).toMatch(/is UNINITIALIZED: this type initializes and activates only the clusters it creates/);
        expect(Object.keys(report.calls).filter((call) => !/:(Describe|List|Get)/.test(call))).toEqual([]);
        expect(aws.emulator.state.clusters.get(clusterId)!.hsms.map((h) => h.hsmId)).toEqual(hsmsBefore);
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('UNINITIALIZED');
    });

    it('WHEN the stack deletes it THEN its HSM and the cluster go', async () => {
        const report = await driver.delete(template);

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(aws.emulator.state.clusters.get(clusterId)?.state ?? 'DELETED').toBe('DELETED');
    });
});

describe('GIVEN a cluster the type made', () => {
    it('WHEN an update names ImportedAdminSecretArn or ImportedTrustAnchorSecretArn THEN it is refused naming them, before anything changes', async () => {
        const driver = aws.driver(clusterType, { logicalResourceId: 'Cluster', stackName: STACK });
        const properties = clusterProperties(aws, { HsmsPerSubnet: 1 });
        const created = await driver.create(properties);
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        const current = { ...properties, ClusterId: created.model!.ClusterId };
        const arn = (name: string) => `arn:aws:secretsmanager:${aws.emulator.state.region}:${aws.emulator.state.accountId}:secret:${name}-AbCdEf`;

        const report = await driver.update(current, { ...current, HsmsPerSubnet: 2, ImportedAdminSecretArn: arn('admin'), ImportedTrustAnchorSecretArn: arn('ca') });

        expect({ status: report.status, errorCode: report.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(report.message).toMatch(/ImportedAdminSecretArn is only for a cluster imported into the stack .*created by this type/);
        expect(report.message).toMatch(/ImportedTrustAnchorSecretArn is only for a cluster imported/);
        expect(report.calls['cloudhsmv2:CreateHsm']).toBeUndefined();
    });
});
