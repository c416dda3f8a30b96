/**
 * AdminPasswordVersion rotates the cluster admin's password: a new random password is written as the admin
 * secret's AWSPENDING version, typed at the prompts of `cloudhsm-cli user change-password` on the management
 * instance, and only then made AWSCURRENT. Checked in what a user would look at: the password the HSMs hold
 * against the secret's current value, the secret's versions and labels, the scripts and CLI calls on the
 * instance, and that a failure at any point leaves a password that works.
 */
import { OperationReport } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { Secret } from '../../local/emulator/state';
import { clusterProperties, clusterType, keyStoreType, QUICK_SERVICE_DURATIONS } from '../support';
import { keyStoreProperties } from '../keystore/key-store-support';
import { answeredCalls } from './mid-workflow';
import { everyText, exposures, SecretHarvest } from './secret-scan';

let aws: LocalAws;

const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };
const adminSecretOf = (clusterId: unknown): Secret => [...aws.emulator.state.secrets.values()].find((s) => s.name === `cloudhsm/${clusterId}/admin-credentials`)!;
const passwordAt = (secret: Secret, stage: string) => JSON.parse(secret.versions.find((v) => v.stages.includes(stage))!.secretString!).password as string;
const hsmAdmin = (clusterId: unknown) => aws.emulator.state.clusters.get(clusterId as string)!.users.find((u) => u.username === 'admin')!;
const changePasswordCalls = (from = 0) =>
    aws.instances.invocations.slice(from).filter((i) => i.tool === 'cloudhsm-cli' && i.argv.slice(0, 2).join(' ') === 'user change-password');
const scriptsSent = () => [...aws.emulator.state.commands.values()].flat().filter((c) => c.comment?.startsWith('Admin password'));
/** The admin can log in with the secret's current password: what every script of the type relies on. */
const expectSecretMatchesHsms = (clusterId: unknown) => {
    expect(hsmAdmin(clusterId).password).toBe(passwordAt(adminSecretOf(clusterId), 'AWSCURRENT'));
    expect(hsmAdmin(clusterId)).toMatchObject({ locked: false, failedLogins: 0 });
};

async function activeCluster(overrides: Record<string, unknown> = {}) {
    const properties = clusterProperties(aws, overrides);
    const created = await aws.driver(clusterType).create(properties);
    expect(outcome(created)).toEqual({ status: 'SUCCESS' });
    return { ...properties, ClusterId: created.model!.ClusterId } as Record<string, unknown>;
}

describe('GIVEN an ACTIVE cluster with its management instance and a KMS key store', () => {
    let current: Record<string, unknown>;
    let report: OperationReport;
    let before: { password: string; kmsUserPassword: string; versions: number };
    let cliFrom: number;

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType, { logicalResourceId: 'Cluster' });
        current = await activeCluster();
        const read = await driver.read({ ClusterId: current.ClusterId });
        expect(read.model!.AdminPasswordVersion).toBe(1);
        const store = await aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' }).create(keyStoreProperties(aws, read.model!));
        expect(outcome(store)).toEqual({ status: 'SUCCESS' });
        const cluster = aws.emulator.state.clusters.get(current.ClusterId as string)!;
        before = {
            password: passwordAt(adminSecretOf(current.ClusterId), 'AWSCURRENT'),
            kmsUserPassword: cluster.users.find((u) => u.username === 'kmsuser')!.password!,
            versions: adminSecretOf(current.ClusterId).versions.length,
        };
        cliFrom = aws.instances.invocations.length;

        // WHEN AdminPasswordVersion changes
        report = await driver.update(current, { ...current, AdminPasswordVersion: 2 });
    });
    afterAll(() => aws.stop());

    it('THEN the HSMs and the secret agree on a new password, which is the current version; the old one is AWSPREVIOUS', () => {
        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.model!.AdminPasswordVersion).toBe(2);
        const secret = adminSecretOf(current.ClusterId);
        expect(secret.versions).toHaveLength(before.versions + 1);
        expect(passwordAt(secret, 'AWSPREVIOUS')).toBe(before.password);
        expect(passwordAt(secret, 'AWSCURRENT')).not.toBe(before.password);
        expectSecretMatchesHsms(current.ClusterId);
        expect(secret.tags).toContainEqual({ Key: 'cloudhsm-type:admin-password-version', Value: '2' });
        expect(report.calls['secretsmanager:UpdateSecretVersionStage']).toBe(1);
    });

    it('THEN the new password was typed at the prompts of user change-password, logged in with the old one, and never in argv', () => {
        const calls = changePasswordCalls(cliFrom);
        expect(calls).toHaveLength(1);
        const newPassword = passwordAt(adminSecretOf(current.ClusterId), 'AWSCURRENT');
        expect(calls[0]).toMatchObject({ exitCode: 0, passwordFrom: 'terminal', typedAtPrompts: [newPassword, newPassword], stdin: '' });
        expect(calls[0].argv).toEqual(['user', 'change-password', '--username', 'admin', '--role', 'admin']);
        expect(calls[0].env).toMatchObject({ CLOUDHSM_ROLE: 'admin', CLOUDHSM_PIN: `admin:${before.password}` });
    });

    it("THEN the key store's kmsuser keeps its password and the store stays connected", () => {
        const cluster = aws.emulator.state.clusters.get(current.ClusterId as string)!;
        expect(cluster.users.find((u) => u.username === 'kmsuser')!.password).toBe(before.kmsUserPassword);
        expect([...aws.emulator.state.keyStores.values()].map((s) => s.connectionState)).toEqual(['CONNECTED']);
    });

    it('THEN an update that changes nothing afterwards rotates nothing, and a read tells version 2', async () => {
        const next = { ...current, AdminPasswordVersion: 2 };
        const again = await aws.driver(clusterType).update(next, next);
        expect(outcome(again)).toEqual({ status: 'SUCCESS' });
        expect(again.calls['secretsmanager:PutSecretValue']).toBeUndefined();
        expect(again.calls['ssm:SendCommand']).toBeUndefined();
        expect((await aws.driver(clusterType).read({ ClusterId: current.ClusterId })).model!.AdminPasswordVersion).toBe(2);
    });
});

describe('a failure at any point leaves a password that works, and the next update finishes the rotation', () => {
    beforeEach(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    });
    afterEach(() => aws.stop());

    it('WHEN the script stops before changing anything (the CLI is too old) THEN AWSCURRENT still logs in; the rollback update converges', async () => {
        const current = await activeCluster();
        const oldPassword = passwordAt(adminSecretOf(current.ClusterId), 'AWSCURRENT');
        const instance = aws.emulator.state.instances.get(aws.network.managementInstanceId)!;
        instance.cli.clientVersion = '5.8.0';
        const desired = { ...current, AdminPasswordVersion: 2 };

        const failed = await aws.driver(clusterType).update(current, desired);

        expect(failed.status).toBe('FAILED');
        expect(failed.errorCode).toBe('InvalidRequest');
        expect(failed.message).toMatch(/^ManagementInstanceId: .*Client SDK 5\.9\.0/);
        expect(hsmAdmin(current.ClusterId).password).toBe(oldPassword);
        expectSecretMatchesHsms(current.ClusterId);
        expect(adminSecretOf(current.ClusterId).versions.filter((v) => v.stages.includes('AWSPENDING'))).toHaveLength(1);

        // WHEN the instance is fixed and CloudFormation rolls the stack back
        instance.cli.clientVersion = undefined;
        const rollback = await aws.driver(clusterType).update(desired, current);

        expect(outcome(rollback)).toEqual({ status: 'SUCCESS' });
        expect(rollback.model!.AdminPasswordVersion).toBe(1);
        // The pending password of the failed attempt is the one set, not a third.
        expect(rollback.calls['secretsmanager:PutSecretValue']).toBeUndefined();
        expect(hsmAdmin(current.ClusterId).password).not.toBe(oldPassword);
        expectSecretMatchesHsms(current.ClusterId);
    });

    it('WHEN promoting fails after the HSMs have the new password THEN the pending version holds it, and the rollback update logs in with it and promotes it', async () => {
        const current = await activeCluster();
        const oldPassword = passwordAt(adminSecretOf(current.ClusterId), 'AWSCURRENT');
        aws.emulator.faults.add({ service: 'secretsmanager', action: 'UpdateSecretVersionStage', kind: 'internal', times: 100 });
        const desired = { ...current, AdminPasswordVersion: 2 };

        const failed = await aws.driver(clusterType).update(current, desired);

        expect(failed.status).toBe('FAILED');
        const pending = passwordAt(adminSecretOf(current.ClusterId), 'AWSPENDING');
        expect(hsmAdmin(current.ClusterId).password).toBe(pending);
        expect(passwordAt(adminSecretOf(current.ClusterId), 'AWSCURRENT')).toBe(oldPassword);

        aws.emulator.faults.clear();
        const cliFrom = aws.instances.invocations.length;
        const rollback = await aws.driver(clusterType).update(desired, current);

        expect(outcome(rollback)).toEqual({ status: 'SUCCESS' });
        expect(passwordAt(adminSecretOf(current.ClusterId), 'AWSCURRENT')).toBe(pending);
        expectSecretMatchesHsms(current.ClusterId);
        // The first try (with the old password) failed to log in; the second (with the pending one) reset the count.
        expect(changePasswordCalls(cliFrom).map((i) => i.exitCode)).toEqual([1, 0]);
    });
});

describe('bad input is refused before anything changes', () => {
    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        aws.cloudhsm.quotas.clustersPerRegion = 10;
        aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
    });
    afterAll(() => aws.stop());

    it('AdminPasswordVersion 0 at create: InvalidRequest naming it, nothing created', async () => {
        const report = await aws.driver(clusterType).create(clusterProperties(aws, { AdminPasswordVersion: 0 }));
        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toContain('AdminPasswordVersion must be a whole number from 1 (got 0)');
        expect(Object.keys(report.calls)).toEqual([]);
    });

    it('a rotation without a management instance, or on a restored cluster without an admin secret: InvalidRequest naming AdminPasswordVersion, nothing changed', async () => {
        const current = await activeCluster({ ManagementInstanceId: undefined });
        const noInstance = await aws.driver(clusterType).update(current, { ...current, AdminPasswordVersion: 2 });
        expect(noInstance.errorCode).toBe('InvalidRequest');
        expect(noInstance.message).toMatch(/^AdminPasswordVersion: .*set ManagementInstanceId/);
        expect(Object.keys(noInstance.calls).filter((k) => !/:(Describe|List|Get)/.test(k))).toEqual([]);

        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        aws.emulator.settle();
        const backup = [...aws.emulator.state.backups.values()].find((b) => b.clusterId === current.ClusterId && b.state === 'READY')!;
        const restored = await activeCluster({ SourceBackupId: backup.backupId });
        const noSecret = await aws.driver(clusterType).update(restored, { ...restored, AdminPasswordVersion: 2 });
        expect(noSecret.errorCode).toBe('InvalidRequest');
        expect(noSecret.message).toMatch(/^AdminPasswordVersion: .*has no admin secret/);
        expect(Object.keys(noSecret.calls).filter((k) => !/:(Describe|List|Get)/.test(k))).toEqual([]);
    });
});

describe('idempotency of the rotation steps', () => {
    afterEach(() => aws.stop());

    it('WHEN every event of the rotation is delivered twice THEN one pending version, one script, one promotion', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const current = await activeCluster();
        const versions = adminSecretOf(current.ClusterId).versions.length;
        const from = aws.emulator.calls.length;

        const report = await aws.driver(clusterType).update(current, { ...current, AdminPasswordVersion: 2 }, { deliverTwice: { retryAfterSeconds: 5 } });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
        expect(adminSecretOf(current.ClusterId).versions).toHaveLength(versions + 1);
        expect(scriptsSent()).toHaveLength(1);
        expect(answeredCalls(aws, 'secretsmanager', 'UpdateSecretVersionStage', from)).toBe(1);
        expectSecretMatchesHsms(current.ClusterId);
    });

    it.each([
        ['secretsmanager', 'PutSecretValue', 'internal'],
        ['secretsmanager', 'PutSecretValue', 'drop'],
        ['ssm', 'SendCommand', 'drop'],
        ['secretsmanager', 'UpdateSecretVersionStage', 'internal'],
        ['secretsmanager', 'UpdateSecretVersionStage', 'drop'],
        ['secretsmanager', 'TagResource', 'drop'],
    ] as const)('WHEN the answer to %s %s is lost (%s) after the work was done THEN the rotation ends SUCCESS with one of everything', async (service, action, lostAs) => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const current = await activeCluster();
        const versions = adminSecretOf(current.ClusterId).versions.length;
        aws.emulator.faults.add({ service, action, kind: 'lose-response', lostAs, times: 1 });
        const from = aws.emulator.calls.length;

        const report = await aws.driver(clusterType).update(current, { ...current, AdminPasswordVersion: 2 });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(aws.emulator.calls.slice(from).filter((c) => c.responseLost).map((c) => `${c.service}:${c.action}:${c.responseLost}`)).toEqual([`${service}:${action}:${lostAs}`]);
        expect(adminSecretOf(current.ClusterId).versions).toHaveLength(versions + 1);
        expect(scriptsSent()).toHaveLength(1);
        expectSecretMatchesHsms(current.ClusterId);
        expect(adminSecretOf(current.ClusterId).tags).toContainEqual({ Key: 'cloudhsm-type:admin-password-version', Value: '2' });
    });
});

describe('the secret scan over rotations, a failed one included', () => {
    it('THEN no piece of any admin password is in any event, model, log, SSM command or output, argv or stdin, and the only environment holding one is CLOUDHSM_PIN of the change-password calls', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        try {
            const harvest = new SecretHarvest();
            const driver = aws.driver(clusterType);
            const reports: OperationReport[] = [];
            const current = await activeCluster();
            harvest.collect(aws.emulator.state);
            reports.push(await driver.update(current, { ...current, AdminPasswordVersion: 2 }));
            harvest.collect(aws.emulator.state);
            aws.emulator.faults.add({ service: 'secretsmanager', action: 'UpdateSecretVersionStage', kind: 'internal', times: 100 });
            reports.push(await driver.update({ ...current, AdminPasswordVersion: 2 }, { ...current, AdminPasswordVersion: 3 }));
            aws.emulator.faults.clear();
            harvest.collect(aws.emulator.state);
            reports.push(await driver.update({ ...current, AdminPasswordVersion: 3 }, { ...current, AdminPasswordVersion: 2 }));
            harvest.collect(aws.emulator.state);
            expect(reports.map((r) => r.status)).toEqual(['SUCCESS', 'FAILED', 'SUCCESS']);
            // The activation's password and the two rotations' ones.
            expect(harvest.passwords.size).toBe(3);

            const texts = everyText(aws, driver.consoleLines, driver.invocationEvents, reports);
            const pinHolders = (t: { where: string }) => t.where.startsWith('environment of cloudhsm-cli');
            expect(exposures(texts.filter((t) => !pinHolders(t)), harvest.fragments())).toEqual([]);
            const logins = aws.instances.invocations.filter((i) => i.env.CLOUDHSM_PIN !== undefined);
            expect(logins.length).toBeGreaterThan(0);
            expect(logins.every((i) => i.tool === 'cloudhsm-cli' && i.argv.slice(0, 2).join(' ') === 'user change-password')).toBe(true);
            const environments = aws.instances.invocations.map((i) => ({ where: `environment of ${i.tool}`, text: Object.entries(i.env).filter(([k]) => k !== 'CLOUDHSM_PIN').map(([k, v]) => `${k}=${v}`).join('\n') }));
            expect(exposures(environments, harvest.fragments())).toEqual([]);
        } finally {
            await aws.stop();
        }
    });
});
