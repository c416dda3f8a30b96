/**
 * handlers.*.permissions lists exactly the API actions each handler calls: nothing missing (the handler would
 * fail with AccessDenied under the role `cfn generate` builds from them) and nothing unused (least privilege).
 *
 * Scenarios that together take every path of every handler run through the driver; each emulator call is
 * attributed to the handler action being driven, turned into its IAM action, and compared with the schema.
 */
import clusterSchema from '../../cluster-resource/schema.json';
import { OperationReport } from '../../local/driver/driver';
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, keyStoreType, kmsKeyType, OpensslCa, QUICK_SERVICE_DURATIONS, HANDLER_ACTIONS, HandlerAction, iamActionsOf, permissionDifference } from '../support';
import { consentTo, makeClusterAsTheSampleDoes, tagAsClusters } from './sample-made-cluster';



/**
 * IAM actions a call needs besides its own name, where the product always meets the condition: it tags every
 * secret on CreateSecret and every cluster on CreateCluster, and tagging on create needs the TagResource
 * permission (Secrets Manager API reference, CreateSecret "Required permissions"; Service Authorization
 * Reference for CloudHSM, CreateCluster).
 */
const CLOUDHSM_NETWORK_ACTIONS = [
    'ec2:AuthorizeSecurityGroupEgress',
    'ec2:AuthorizeSecurityGroupIngress',
    'ec2:CreateNetworkInterface',
    'ec2:CreateSecurityGroup',
    'ec2:DeleteNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:RevokeSecurityGroupEgress',
];
const IMPLIED_PERMISSIONS: Record<string, string[]> = {
    'secretsmanager:CreateSecret': ['secretsmanager:TagResource', 'kms:GenerateDataKey'],
    'secretsmanager:GetSecretValue': ['kms:Decrypt'],
    // The AWS Service Authorization Reference lists what CloudHSM does in the caller's name.
    'cloudhsm:CreateCluster': ['cloudhsm:TagResource', 'iam:CreateServiceLinkedRole', ...CLOUDHSM_NETWORK_ACTIONS],
    'cloudhsm:CreateHsm': CLOUDHSM_NETWORK_ACTIONS,
    'cloudhsm:DeleteHsm': ['ec2:DeleteNetworkInterface'],
    'cloudhsm:DeleteCluster': ['ec2:DeleteSecurityGroup'],
};


const schemaHandlers = clusterSchema.handlers as Record<HandlerAction, { permissions: string[] }>;


describe('GIVEN every path of every handler, driven through the local runtime', () => {
    let aws: LocalAws;
    let ca: OpensslCa | undefined;
    let mtlsRoot: OpensslCa | undefined;
    const observed = Object.fromEntries(HANDLER_ACTIONS.map((a) => [a, new Set<string>()])) as Record<HandlerAction, Set<string>>;
    const phases: string[] = [];

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType, { logicalResourceId: 'Cluster' });
        const succeed = async (phase: string, operation: Promise<OperationReport>) => {
            const report = await operation;
            if (report.status !== 'SUCCESS') throw new Error(`${phase} ended ${report.status} ${report.errorCode}: ${report.message}`);
            iamActionsOf(report.calls, IMPLIED_PERMISSIONS).forEach((action) => observed[report.action.toLowerCase() as HandlerAction].add(action));
            phases.push(phase);
            return report;
        };

        // Self-signed with a management instance, then every kind of update.
        const initial = clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'env', Value: 'test' }] });
        const created = await succeed('create self-signed with instance', driver.create(initial));
        let current: Record<string, unknown> = { ...initial, ClusterId: created.model!.ClusterId };
        await succeed('read', driver.read({ ClusterId: current.ClusterId }));
        await succeed('list', driver.list());
        const replacement = addManagementInstance(aws.emulator.state, aws.network.subnetIds.b);
        const updates: Array<[string, Record<string, unknown>]> = [
            ['update retention', { BackupRetentionDays: 30 }],
            ['update tags', { Tags: [{ Key: 'team', Value: 'security' }, { Key: 'owner', Value: 'alice' }] }],
            ['update management instance', { ManagementInstanceId: replacement.instanceId }],
            ['update HSMs 1→0', { HsmsPerSubnet: 0 }],
            ['update HSMs 0→1', { HsmsPerSubnet: 1 }],
            ['update admin password', { AdminPasswordVersion: 2 }],
            ['update mTLS trust anchors', { MtlsTrustAnchors: [(mtlsRoot = new OpensslCa('mTLS client root')).anchorPem] }],
            ['update HSM type hsm1.medium → hsm2m.medium', { HsmType: 'hsm2m.medium' }],
        ];
        for (const [phase, change] of updates) {
            // A cluster made before hsm1.medium's end of support, as its stack declared it.
            if (change.HsmType) {
                aws.emulator.state.clusters.get(current.ClusterId as string)!.hsmType = 'hsm1.medium';
                current = { ...current, HsmType: 'hsm1.medium' };
            }
            const desired = { ...current, ...change };
            await succeed(phase, driver.update(current, desired));
            current = desired;
        }
        // A key store on the cluster, retired by its delete because its key is pending deletion: the cluster's delete
        // checks that store's keys before letting it go.
        const keyStoreProperties = {
            KeyStoreName: 'retired-by-its-delete',
            ClusterId: current.ClusterId,
            TrustAnchorCertificate: created.model!.TrustAnchorCertificate,
            AdminSecretArn: created.model!.AdminSecretArn,
            ManagementInstanceId: replacement.instanceId,
        };
        const keyStore = await aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' }).create(keyStoreProperties);
        if (keyStore.status !== 'SUCCESS') throw new Error(`key store: ${keyStore.errorCode} ${keyStore.message}`);
        const key = await aws.driver(kmsKeyType, { logicalResourceId: 'Key' }).create({ CustomKeyStoreId: keyStore.model!.KeyStoreId });
        if (key.status !== 'SUCCESS') throw new Error(`key: ${key.errorCode} ${key.message}`);
        await aws.driver(kmsKeyType, { logicalResourceId: 'Key' }).delete({ CustomKeyStoreId: keyStore.model!.KeyStoreId, KeyId: key.model!.KeyId });
        const retired = await aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' }).delete({ ...keyStoreProperties, KeyStoreId: keyStore.model!.KeyStoreId });
        if (retired.status !== 'SUCCESS') throw new Error(`key store delete: ${retired.errorCode} ${retired.message}`);
        await succeed('delete self-signed, past a retired key store', driver.delete(current));
        // Backups CloudHSM was still taking finish, so that one can be restored.
        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        aws.emulator.settle();
        const backupId = [...aws.emulator.state.backups.values()].find((b) => b.clusterId === current.ClusterId && b.state === 'READY')?.backupId;
        if (!backupId) throw new Error(`No READY backup of ${current.ClusterId} to restore`);

        // EXTERNAL: create stops with a CSR; an update with the certificates finishes the work.
        const external = { SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, CertificateAuthority: 'EXTERNAL', ManagementInstanceId: aws.network.managementInstanceId };
        const waiting = await succeed('create EXTERNAL', driver.create(external));
        if (waiting.model?.State !== 'UNINITIALIZED' || typeof waiting.model.ClusterCsr !== 'string') throw new Error(`EXTERNAL create left ${JSON.stringify(waiting.model)}`);
        ca = new OpensslCa();
        const withCertificates = {
            ...external,
            ClusterId: waiting.model.ClusterId,
            ExternalClusterCertificate: ca.sign(waiting.model.ClusterCsr),
            ExternalTrustAnchor: ca.anchorPem,
        };
        const completed = await succeed('update EXTERNAL with certificates', driver.update({ ...external, ClusterId: waiting.model.ClusterId }, withCertificates));
        if (completed.model?.State !== 'ACTIVE') throw new Error(`EXTERNAL update left the cluster ${completed.model?.State}`);
        await succeed('delete EXTERNAL', driver.delete(withCertificates));

        // A restore from the first cluster's backup, copying its secrets.
        const restored = {
            SubnetIds: [aws.network.subnetIds.a],
            HsmsPerSubnet: 1,
            SourceBackupId: backupId,
            SourceAdminSecretArn: created.model!.AdminSecretArn,
            SourceTrustAnchorSecretArn: created.model!.TrustAnchorSecretArn,
        };
        const restoredReport = await succeed('create from backup', driver.create(restored));
        await succeed('delete restored', driver.delete({ ...restored, ClusterId: restoredReport.model!.ClusterId }));

        // A cluster the AWS sample made, imported with its owner's consent: read by its ID alone, given its secrets
        // with a management instance and a rotation at once, then deleted.
        const sample = await makeClusterAsTheSampleDoes(aws);
        await tagAsClusters(aws, sample.adminSecretArn, sample.clusterId);
        await tagAsClusters(aws, sample.trustAnchorSecretArn, sample.clusterId);
        await consentTo(aws, sample.clusterId, 'imported');
        const importing = aws.driver(clusterType, { logicalResourceId: 'Imported', stackName: 'imported' });
        const imported = { ClusterId: sample.clusterId, SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], HsmsPerSubnet: 1 };
        await succeed('import (read by ID)', importing.import(imported));
        const adopted = {
            ...imported,
            ManagementInstanceId: replacement.instanceId,
            ImportedAdminSecretArn: sample.adminSecretArn,
            ImportedTrustAnchorSecretArn: sample.trustAnchorSecretArn,
            AdminPasswordVersion: 2,
        };
        await succeed('update imported: its secrets, an instance, a rotation', importing.update(imported, adopted));
        await succeed('delete imported', importing.delete(adopted));
    });

    afterAll(async () => {
        ca?.dispose();
        mtlsRoot?.dispose();
        await aws?.stop();
    });

    it('WHEN the scenarios run THEN every operation succeeds', () => {
        expect(phases.filter((p) => p.startsWith('update'))).toHaveLength(10);
        expect(phases).toHaveLength(20);
        expect(phases).toContain('delete self-signed, past a retired key store');
        expect(phases).toContain('delete restored');
        expect(phases.at(-1)).toBe('delete imported');
    });

    it.each(HANDLER_ACTIONS)('THEN the %s handler calls exactly the permissions the schema declares for it', (action) => {
        const used = observed[action];
        const difference = permissionDifference(schemaHandlers[action].permissions, used);

        expect(used.size).toBeGreaterThan(0);
        expect(difference).toEqual({ calledButNotDeclared: [], declaredButNeverCalled: [] });
    });

    it('THEN every tagging permission is used by some handler', () => {
        const usedAnywhere = new Set(HANDLER_ACTIONS.flatMap((a) => [...observed[a]]));

        const unused = clusterSchema.tagging.permissions.filter((p) => !usedAnywhere.has(p));

        expect(clusterSchema.tagging.permissions.length).toBeGreaterThan(0);
        expect(unused).toEqual([]);
    });
});
