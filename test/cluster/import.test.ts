/**
 * Resource import of a cluster this type did not create: one the AWS sample made (sample-made-cluster.ts),
 * with the sample's secrets (the admin password as the bare secret string, the CA certificate as PEM).
 * CloudFormation's import is a READ with the ClusterId alone; the template's properties become the stored
 * state, and the next update's previous state. Checked in what its owner would look at: the returned model,
 * the cluster, its HSMs and tags, the secrets (the owner's and the type's copies), the instance's CLI, and that
 * every refusal left all of it as it was.
 */
import { createHash } from 'crypto';
import { OperationReport } from '../../local/driver/driver';
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterType, OpensslCa, QUICK_SERVICE_DURATIONS } from '../support';
import { consentTo, makeClusterAsTheSampleDoes, SampleCluster, tagAsClusters } from './sample-made-cluster';
import { everyText, exposures, SecretHarvest } from './secret-scan';

const STACK = 'payments-hsm';
const SAMPLE_TAGS = [
    { Key: 'cost-center', Value: '4711' },
    { Key: 'sample', Value: 'cloudhsm-1' },
];

let aws: LocalAws;
let sample: SampleCluster;
let clusterId: string;
const harvest = new SecretHarvest();
const reports: OperationReport[] = [];
let consoleLines: string[] = [];
let progressEvents: unknown[] = [];
/** The stack's state: the template at import, then each successful update's properties. */
let current: Record<string, unknown>;
let driver: ReturnType<LocalAws['driver']>;

const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };
const cluster = () => aws.emulator.state.clusters.get(clusterId)!;
const secretNamed = (name: string) => [...aws.emulator.state.secrets.values()].find((s) => s.name === name && s.deletedDate === undefined);
const secretByArn = (arn: string) => [...aws.emulator.state.secrets.values()].find((s) => s.arn === arn)!;
const copyOf = (kind: 'admin-credentials' | 'trust-anchor') => secretNamed(`cloudhsm/${clusterId}/${kind}`);
const digest = (text: string | undefined) => createHash('sha256').update(text ?? '').digest('hex').slice(0, 12);
const mutatingCalls = (report: OperationReport) => Object.keys(report.calls).filter((call) => !/:(Describe|List|Get)/.test(call));
const userTagsOnCluster = () => Object.fromEntries(Object.entries(cluster().tags).filter(([key]) => !key.startsWith('cloudhsm-type:')));

/** Everything an operation could have changed, to compare before and after a refusal. */
function account() {
    const state = aws.emulator.state;
    const c = cluster();
    return {
        cluster: { state: c.state, hsmType: c.hsmType, retention: c.backupRetentionDays, tags: { ...c.tags }, hsms: c.hsms.map((h) => `${h.hsmId} ${h.state} ${h.eniIp}`).sort() },
        users: c.users.map((u) => `${u.username} ${digest(u.password)}`),
        mtlsTrustAnchors: (c.mtlsTrustAnchors ?? []).length,
        ingress: state.securityGroups.get(c.securityGroup)!.ingress.map((r) => `${r.protocol} ${r.fromPort}-${r.toPort} ${r.sourceGroupId}`).sort(),
        secrets: [...state.secrets.values()].map((s) => `${s.name} ${s.deletedDate ?? ''} ${s.versions.map((v) => `${v.versionId}:${v.stages.join('+')}:${digest(v.secretString)}`).join(',')} ${JSON.stringify(s.tags)}`).sort(),
        commands: state.commands.size,
    };
}

async function run(operation: Promise<OperationReport>): Promise<OperationReport> {
    const report = await operation;
    reports.push(report);
    harvest.collect(aws.emulator.state);
    return report;
}

async function update(change: Record<string, unknown>): Promise<OperationReport> {
    const desired = { ...current, ...change };
    const report = await run(driver.update(current, desired));
    if (report.status === 'SUCCESS') current = desired;
    return report;
}

/** Refused before anything changed: InvalidRequest whose message matches, no mutating call, the account as it was. */
async function expectRefused(change: Record<string, unknown>, message: RegExp, code = 'InvalidRequest') {
    const before = account();
    const report = await update(change);
    expect({ status: report.status, errorCode: report.errorCode }).toEqual({ status: 'FAILED', errorCode: code });
    expect(report.message).toMatch(message);
    expect(mutatingCalls(report)).toEqual([]);
    expect(account()).toEqual(before);
    return report;
}

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    sample = await makeClusterAsTheSampleDoes(aws, { tags: SAMPLE_TAGS });
    clusterId = sample.clusterId;
    // The sample keeps the bare password, which the harvest (reading JSON) would not take for one.
    harvest.passwords.add(sample.adminPassword);
    const observedType = {
        schema: clusterType.schema,
        entrypoint: async (event: unknown, context: unknown) => {
            try {
                return await clusterType.entrypoint(event, context);
            } finally {
                harvest.collect(aws.emulator.state);
            }
        },
    };
    driver = aws.driver(observedType, { logicalResourceId: 'Cluster', stackName: STACK });
    consoleLines = driver.consoleLines;
    progressEvents = driver.invocationEvents;
    current = {
        ClusterId: clusterId,
        SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
        HsmType: 'hsm2m.medium',
        HsmsPerSubnet: 1,
        BackupRetentionDays: 90,
        Tags: [{ Key: 'cost-center', Value: '4711' }],
    };
});
afterAll(() => aws?.stop());

describe('GIVEN a cluster the AWS sample made, with its admin password and CA certificate in secrets as the sample keeps them', () => {
    it('WHEN it is imported THEN READ, given the ClusterId alone, returns the cluster as it is, its own tags included, and nothing the type cannot know', async () => {
        const before = account();

        const imported = await run(driver.import(current));

        expect(outcome(imported)).toEqual({ status: 'SUCCESS' });
        expect(imported.invocations).toBe(1);
        const c = cluster();
        expect(imported.model).toEqual({
            ClusterId: clusterId,
            SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
            HsmType: 'hsm2m.medium',
            Mode: 'FIPS',
            NetworkType: 'IPV4',
            HsmsPerSubnet: 1,
            BackupRetentionDays: 90,
            Tags: expect.arrayContaining(SAMPLE_TAGS),
            State: 'ACTIVE',
            VpcId: aws.network.vpcId,
            SecurityGroupId: c.securityGroup,
            Hsms: c.hsms.map((h) => ({ HsmId: h.hsmId, AvailabilityZone: h.availabilityZone, SubnetId: h.subnetId, EniIp: h.eniIp, State: 'ACTIVE' })),
        });
        expect(imported.model!.Tags).toHaveLength(SAMPLE_TAGS.length);
        // Not read, not guessed: who signed the certificate, the admin password's version, the secrets, the instance.
        for (const unknown of ['CertificateAuthority', 'AdminPasswordVersion', 'ManagementInstanceId', 'AdminSecretArn', 'TrustAnchorSecretArn', 'TrustAnchorCertificate', 'SecretsKmsKeyId']) {
            expect({ [unknown]: imported.model![unknown] }).toEqual({ [unknown]: undefined });
        }
        // A read looks only: the cluster, and no secret (the type has none of this cluster's).
        expect(imported.calls).toEqual({ 'cloudhsmv2:DescribeClusters': 1 });
        expect(account()).toEqual(before);
    });

    it('WHEN a cluster that does not exist is imported THEN the import fails NotFound', async () => {
        const missing = await run(driver.import({ ...current, ClusterId: 'cluster-aaaaaaaaaaa' }));

        expect({ status: missing.status, errorCode: missing.errorCode }).toEqual({ status: 'FAILED', errorCode: 'NotFound' });
    });

    it("WHEN the stack updates it without its owner's consent THEN the update is refused with the command that gives consent, and nothing changed", async () => {
        const refused = await expectRefused({ HsmsPerSubnet: 2, BackupRetentionDays: 30 }, /was not created by this type/);

        expect(refused.message).toContain(`aws cloudhsmv2 tag-resource --resource-id ${clusterId} --tag-list Key=cloudhsm-type:import-into,Value=${STACK}`);
    });

    it('WHEN the consent names another stack THEN the update is refused naming both stacks, and nothing changed', async () => {
        await consentTo(aws, clusterId, 'someone-elses-stack');

        const refused = await expectRefused({ HsmsPerSubnet: 2 }, /names stack someone-elses-stack, not payments-hsm/);

        expect(refused.message).toContain(`Value=${STACK}`);
    });

    it("WHEN the stack deletes it without its owner's consent THEN the delete is refused, saying how to keep it instead, and nothing was removed", async () => {
        const before = account();

        const refused = await run(driver.delete(current));

        expect({ status: refused.status, errorCode: refused.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(refused.message).toContain('DeletionPolicy: Retain');
        expect(mutatingCalls(refused)).toEqual([]);
        expect(account()).toEqual(before);
    });
});

describe("GIVEN the owner's consent (cloudhsm-type:import-into = the stack's name)", () => {
    beforeAll(() => consentTo(aws, clusterId, STACK));

    it('WHEN an update grows the HSMs, sets the retention and the tags, before any secret is given THEN all of it is done at once', async () => {
        const report = await update({ HsmsPerSubnet: 2, BackupRetentionDays: 30, Tags: [{ Key: 'cost-center', Value: '4711' }, { Key: 'team', Value: 'payments' }] });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(cluster().hsms.filter((h) => h.state === 'ACTIVE')).toHaveLength(4);
        expect(cluster().backupRetentionDays).toBe(30);
        // Tags is the whole set, as for a cluster the type made: the sample's own tag went, the consent stays.
        expect(userTagsOnCluster()).toEqual({ 'cost-center': '4711', team: 'payments' });
        expect(cluster().tags['cloudhsm-type:import-into']).toBe(STACK);
        expect(report.model).toMatchObject({ HsmsPerSubnet: 2, BackupRetentionDays: 30, Tags: expect.arrayContaining([{ Key: 'team', Value: 'payments' }]) });
        expect(report.model!.Tags).toHaveLength(2);
        expect(report.model!.AdminSecretArn).toBeUndefined();
        // Nothing of the secrets was touched: the update needed none.
        expect(report.calls['secretsmanager:GetSecretValue']).toBeUndefined();
        expect(report.calls['secretsmanager:CreateSecret']).toBeUndefined();
    });

    it('WHEN it shrinks to 0 HSMs and grows back THEN the cluster stays and its HSMs come back at their former addresses', async () => {
        const addresses = () => cluster().hsms.filter((h) => h.state !== 'DELETED').map((h) => h.eniIp).sort();
        const before = addresses();

        const parked = await update({ HsmsPerSubnet: 0 });
        expect(outcome(parked)).toEqual({ status: 'SUCCESS' });
        expect(addresses()).toEqual([]);
        expect(cluster().state).toBe('ACTIVE');

        const grown = await update({ HsmsPerSubnet: 2 });
        expect(outcome(grown)).toEqual({ status: 'SUCCESS' });
        expect(addresses()).toEqual(before);
        // The admin still logs in on every HSM: the grow-back restored the cluster's latest backup.
        expect(new Set(cluster().users.find((u) => u.username === 'admin')!.hsmIds)).toEqual(new Set(cluster().hsms.map((h) => h.hsmId)));
    });

    describe('WHEN an operation needs what the type was never given', () => {
        let replacement: { instanceId: string; securityGroupId: string };
        beforeAll(() => {
            replacement = addManagementInstance(aws.emulator.state, aws.network.subnetIds.b);
        });

        it('THEN a management instance is refused naming ImportedTrustAnchorSecretArn, and nothing changed', async () => {
            const refused = await expectRefused({ ManagementInstanceId: replacement.instanceId }, /^ManagementInstanceId: .*ImportedTrustAnchorSecretArn/);

            expect(refused.message).not.toContain('ImportedAdminSecretArn');
            expect(refused.message).toContain(`Key=cloudhsm-type:cluster-id,Value=${clusterId}`);
        });

        it('THEN an admin password rotation is refused naming ImportedAdminSecretArn and ImportedTrustAnchorSecretArn, and nothing changed', async () => {
            await expectRefused({ ManagementInstanceId: aws.network.managementInstanceId, AdminPasswordVersion: 2 }, /AdminPasswordVersion: .*ImportedAdminSecretArn .*and ImportedTrustAnchorSecretArn/);
        });

        it('THEN mTLS trust anchors are refused naming ImportedAdminSecretArn, and nothing changed', async () => {
            const anchor = new OpensslCa('Client Root', 2048);
            try {
                await expectRefused({ ManagementInstanceId: aws.network.managementInstanceId, MtlsTrustAnchors: [anchor.anchorPem] }, /MtlsTrustAnchors: .*ImportedAdminSecretArn/);
            } finally {
                anchor.dispose();
            }
        });

        it("THEN the owner's secrets are refused while they are not tagged as the cluster's, naming the property and the tag command, and nothing is copied", async () => {
            const refused = await expectRefused(
                { ManagementInstanceId: replacement.instanceId, ImportedTrustAnchorSecretArn: sample.trustAnchorSecretArn },
                /^ImportedTrustAnchorSecretArn: secret .* is not tagged as a secret of cluster .*its cloudhsm-type:cluster-id tag is absent/,
            );
            expect(refused.message).toContain(`aws secretsmanager tag-resource --secret-id ${sample.trustAnchorSecretArn} --tags Key=cloudhsm-type:cluster-id,Value=${clusterId}`);
        });

        it('THEN a secret holding another CA, a secret of another user, and a malformed ARN are refused naming the property, and nothing is copied', async () => {
            const otherCa = new OpensslCa('Not The Cluster CA');
            const { CreateSecretCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
            const secrets = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } });
            try {
                const tagged = [{ Key: 'cloudhsm-type:cluster-id', Value: clusterId }];
                const wrongCa = await secrets.send(new CreateSecretCommand({ Name: 'wrong-ca', SecretString: otherCa.anchorPem, Tags: tagged }));
                const cryptoUser = await secrets.send(new CreateSecretCommand({ Name: 'crypto-user', SecretString: JSON.stringify({ username: 'app', password: 'App-pa55word' }), Tags: tagged }));
                await expectRefused(
                    { ManagementInstanceId: replacement.instanceId, ImportedTrustAnchorSecretArn: wrongCa.ARN },
                    /^ImportedTrustAnchorSecretArn: the certificate in secret .*wrong-ca.* is not the trust anchor of cluster/,
                );
                await expectRefused(
                    { ManagementInstanceId: aws.network.managementInstanceId, AdminPasswordVersion: 2, ImportedAdminSecretArn: cryptoUser.ARN, ImportedTrustAnchorSecretArn: sample.trustAnchorSecretArn },
                    /^ImportedAdminSecretArn: secret .*crypto-user.* does not hold the admin's password/,
                );
                await expectRefused({ ImportedAdminSecretArn: 'initial-co-password' }, /ImportedAdminSecretArn "initial-co-password" is not a Secrets Manager secret ARN/);
            } finally {
                otherCa.dispose();
                secrets.destroy();
            }
        });
    });

    describe('WHEN the owner tags the secrets as the cluster\'s and names them', () => {
        let replacement: { instanceId: string; securityGroupId: string };
        beforeAll(async () => {
            replacement = addManagementInstance(aws.emulator.state, aws.network.subnetIds.a);
            await tagAsClusters(aws, sample.trustAnchorSecretArn, clusterId);
            await tagAsClusters(aws, sample.adminSecretArn, clusterId);
        });

        it('THEN with ImportedTrustAnchorSecretArn a management instance is set up: let into the HSMs, its CLI configured with the copy, which reads back', async () => {
            const ownersBefore = account().secrets.filter((s) => s.startsWith('/cloudhsm/'));

            const report = await update({ ManagementInstanceId: replacement.instanceId, ImportedTrustAnchorSecretArn: sample.trustAnchorSecretArn });

            expect(outcome(report)).toEqual({ status: 'SUCCESS' });
            const copy = copyOf('trust-anchor')!;
            expect(copy.versions.map((v) => v.secretString)).toEqual([sample.trustAnchorPem]);
            // The type's tag alone on the copy: a user tag can grant access to whoever may set it.
            expect(copy.tags).toEqual([{ Key: 'cloudhsm-type:cluster-id', Value: clusterId }]);
            expect(cluster().tags['cloudhsm-type:imported-secrets']).toBe('trust-anchor');
            const cli = aws.emulator.state.instances.get(replacement.instanceId)!.cli;
            expect({ cluster: cli.configuredClusterId, customerCa: cli.caCertificatePem?.trim() }).toEqual({ cluster: clusterId, customerCa: sample.trustAnchorPem.trim() });
            expect(account().ingress).toContain(`tcp 2223-2225 ${replacement.securityGroupId}`);
            expect(report.model).toMatchObject({ ManagementInstanceId: replacement.instanceId, TrustAnchorSecretArn: copy.arn, TrustAnchorCertificate: sample.trustAnchorPem });
            expect(report.model!.AdminSecretArn).toBeUndefined();
            expect(report.model!.ImportedTrustAnchorSecretArn).toBeUndefined();
            // The owner's secrets are as they were (the tag aside, which the owner set).
            expect(account().secrets.filter((s) => s.startsWith('/cloudhsm/'))).toEqual(ownersBefore);

            // AND a read, as drift detection does, says the same
            const read = await run(driver.read({ ClusterId: clusterId }));
            expect(read.model).toEqual(report.model);
        });

        it("THEN with ImportedAdminSecretArn (the sample's bare password) and AdminPasswordVersion 2 the admin's password is copied as version 1 and rotated", async () => {
            const ownersSecret = secretByArn(sample.adminSecretArn);
            const ownersVersions = JSON.stringify(ownersSecret.versions);
            const changePasswordsBefore = aws.instances.invocations.filter((i) => i.argv.slice(0, 2).join(' ') === 'user change-password').length;

            const report = await update({ ImportedAdminSecretArn: sample.adminSecretArn, AdminPasswordVersion: 2 });

            expect(outcome(report)).toEqual({ status: 'SUCCESS' });
            const copy = copyOf('admin-credentials')!;
            const passwordAt = (stage: string) => JSON.parse(copy.versions.find((v) => v.stages.includes(stage))!.secretString!) as { username: string; password: string };
            // The copy first held the sample's password, as JSON; the rotation made a new one current.
            expect(passwordAt('AWSPREVIOUS')).toEqual({ username: 'admin', password: sample.adminPassword });
            expect(passwordAt('AWSCURRENT').username).toBe('admin');
            expect(passwordAt('AWSCURRENT').password).not.toBe(sample.adminPassword);
            const admin = cluster().users.find((u) => u.username === 'admin')!;
            expect(admin).toMatchObject({ password: passwordAt('AWSCURRENT').password, locked: false, failedLogins: 0 });
            expect(copy.tags).toEqual(expect.arrayContaining([{ Key: 'cloudhsm-type:cluster-id', Value: clusterId }, { Key: 'cloudhsm-type:admin-password-version', Value: '2' }]));
            expect(copy.tags).toHaveLength(2);
            expect(cluster().tags['cloudhsm-type:imported-secrets']).toBe('admin-credentials trust-anchor');
            expect(aws.instances.invocations.filter((i) => i.argv.slice(0, 2).join(' ') === 'user change-password')).toHaveLength(changePasswordsBefore + 1);
            // The owner's secret was read, never written: it still holds the password the HSMs had before.
            expect(JSON.stringify(secretByArn(sample.adminSecretArn).versions)).toBe(ownersVersions);
            expect(report.model).toMatchObject({ AdminSecretArn: copy.arn, AdminPasswordVersion: 2 });
        });

        it('THEN a later rotation uses the copy alone, and the owner may drop ImportedAdminSecretArn from the template', async () => {
            const { ImportedAdminSecretArn: _dropped, ...withoutIt } = current;
            current = withoutIt;

            const report = await update({ AdminPasswordVersion: 3 });

            expect(outcome(report)).toEqual({ status: 'SUCCESS' });
            expect(report.model).toMatchObject({ AdminPasswordVersion: 3 });
            const copy = copyOf('admin-credentials')!;
            const current3 = JSON.parse(copy.versions.find((v) => v.stages.includes('AWSCURRENT'))!.secretString!).password;
            expect(cluster().users.find((u) => u.username === 'admin')!.password).toBe(current3);
            expect(report.calls['secretsmanager:CreateSecret']).toBeUndefined();
        });

        it('THEN mTLS trust anchors are registered as admin from the management instance', async () => {
            const anchor = new OpensslCa('Client Root', 2048);
            try {
                const report = await update({ MtlsTrustAnchors: [anchor.anchorPem] });

                expect(outcome(report)).toEqual({ status: 'SUCCESS' });
                expect(cluster().mtlsTrustAnchors).toHaveLength(1);
            } finally {
                anchor.dispose();
            }
        });
    });

    it('THEN no piece of any password is in any event, model, log, SSM command or output, argv or stdin; only the CLI logins hold one, in CLOUDHSM_PIN', () => {
        // The sample's password, the two rotations' ones and the refused crypto user's (positive control: the harvest has them).
        expect(harvest.passwords.size).toBe(4);
        const texts = everyText(aws, consoleLines, progressEvents, reports);
        const pinHolders = (t: { where: string }) => t.where.startsWith('environment of cloudhsm-cli');
        expect(exposures(texts.filter((t) => !pinHolders(t)), harvest.fragments())).toEqual([]);
        const environments = aws.instances.invocations.map((i) => ({
            where: `environment of ${i.tool}`,
            text: Object.entries(i.env).filter(([k]) => k !== 'CLOUDHSM_PIN').map(([k, v]) => `${k}=${v}`).join('\n'),
        }));
        expect(exposures(environments, harvest.fragments())).toEqual([]);
    });

    it("WHEN the stack deletes it THEN the HSMs and the cluster go; the type's copies stay for a restore from its backups, and the owner's secrets stay as they were", async () => {
        const owners = () => [sample.adminSecretArn, sample.trustAnchorSecretArn].map((arn) => secretByArn(arn)).map((s) => ({ name: s.name, deleted: s.deletedDate, versions: JSON.stringify(s.versions) }));
        const ownersBefore = owners();
        expect(ownersBefore.every((s) => s.deleted === undefined)).toBe(true);

        const deleted = await run(driver.delete(current));

        expect(outcome(deleted)).toEqual({ status: 'SUCCESS' });
        expect(aws.emulator.state.clusters.get(clusterId)?.state ?? 'DELETED').toBe('DELETED');
        // The HSMs' removals made backups; they hold the rotated admin password only the copy knows.
        expect([...aws.emulator.state.backups.values()].some((b) => b.clusterId === clusterId)).toBe(true);
        expect(copyOf('admin-credentials')).toBeDefined();
        expect(copyOf('trust-anchor')).toBeDefined();
        expect(owners()).toEqual(ownersBefore);
        // The instance's rule the type added went with it (the sample's own rule went with the cluster's group).
        expect(deleted.calls['ec2:RevokeSecurityGroupIngress']).toBe(1);
    });
});
