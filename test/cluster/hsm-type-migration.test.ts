/**
 * HsmType hsm1.medium → hsm2m.medium is an update, not a replacement: one ModifyCluster, then a wait through
 * the migration (MODIFY_IN_PROGRESS, one HSM at a time, ~30 minutes each) to ACTIVE. A cluster of hsm1.medium
 * can no longer be created (end of support), so each scenario turns a cluster the type made into one that was
 * made before the end of support, in the emulated account; the model says hsm1.medium as its stack did.
 */
import { Driver } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, keyStoreType, QUICK_SERVICE_DURATIONS } from '../support';
import { keyStoreProperties } from '../keystore/key-store-support';
import { answeredCalls } from './mid-workflow';

const HSM1 = 'hsm1.medium';
const HSM2 = 'hsm2m.medium';
const RETRY_AFTER_SECONDS = 5;

let aws: LocalAws;

/** An ACTIVE cluster with one HSM per subnet, as if created with hsm1.medium before the end of support. */
async function hsm1Cluster(driver: Driver, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const properties = clusterProperties(aws, overrides);
    const created = await driver.create(properties);
    expect(created.status).toBe('SUCCESS');
    const clusterId = created.model!.ClusterId as string;
    aws.emulator.state.clusters.get(clusterId)!.hsmType = HSM1;
    return { ...properties, ClusterId: clusterId, HsmType: HSM1 };
}

const clusterOf = (model: Record<string, unknown>) => aws.emulator.state.clusters.get(model.ClusterId as string)!;
const addresses = (model: Record<string, unknown>) => clusterOf(model).hsms.map((h) => `${h.availabilityZone} ${h.eniIp}`).sort();
const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };

describe('GIVEN an ACTIVE hsm1.medium cluster with an HSM in each of two subnets', () => {
    afterEach(() => aws.stop());

    it('WHEN HsmType changes to hsm2m.medium THEN the cluster is migrated in place: same cluster, same HSM addresses, hsm2m.medium HSMs', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType);
        const current = await hsm1Cluster(driver);
        const before = addresses(current);
        const startedAt = aws.clock.now();

        const report = await driver.update(current, { ...current, HsmType: HSM2 });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.calls['cloudhsmv2:ModifyCluster']).toBe(1);
        expect(report.model).toMatchObject({ ClusterId: current.ClusterId, HsmType: HSM2, State: 'ACTIVE' });
        expect(clusterOf(current)).toMatchObject({ state: 'ACTIVE', hsmType: HSM2 });
        expect(addresses(current)).toEqual(before);
        expect(clusterOf(current).hsms.every((h) => h.state === 'ACTIVE' && h.hsmType === undefined)).toBe(true);
        // Two HSMs, one after the other, about 30 minutes each: the update waited that long, in few invocations.
        expect(aws.clock.now() - startedAt).toBeGreaterThanOrEqual(2 * aws.emulator.durations.hsmTypeMigrationSecondsPerHsm * 1000);
        expect(report.invocations).toBeLessThan(20);
        // The admin still logs in: the users came along with the HSMs.
        const admin = clusterOf(current).users.find((u) => u.username === 'admin')!;
        expect(new Set(admin.hsmIds)).toEqual(new Set(clusterOf(current).hsms.map((h) => h.hsmId)));

        // AND an update that changes nothing afterwards calls nothing that changes anything
        const again = await driver.update({ ...current, HsmType: HSM2 }, { ...current, HsmType: HSM2 });
        expect(outcome(again)).toEqual({ status: 'SUCCESS' });
        expect(again.calls['cloudhsmv2:ModifyCluster']).toBeUndefined();
    });

    it('WHEN other settings change and HsmType stays hsm1.medium THEN the update works (the cluster predates the end of support)', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType);
        const current = await hsm1Cluster(driver);

        const report = await driver.update(current, { ...current, BackupRetentionDays: 30 });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.model).toMatchObject({ HsmType: HSM1, BackupRetentionDays: 30 });
        expect(clusterOf(current).hsmType).toBe(HSM1);
    });

    it('WHEN the migration fails its validation THEN AWS rolls it back, the update fails with the reason, and the stack rollback finds the cluster as it was', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType);
        const current = await hsm1Cluster(driver);
        const desired = { ...current, HsmType: HSM2 };
        aws.cloudhsm.failHsmTypeMigration(current.ClusterId as string, 'the error rate rose during the migration');

        const report = await driver.update(current, desired);

        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('NotStabilized');
        expect(report.message).toContain('the error rate rose during the migration');
        expect(report.message).toContain('HsmType');
        expect(clusterOf(current)).toMatchObject({ state: 'ACTIVE', hsmType: HSM1 });

        const rollback = await driver.update(desired, current);
        expect(outcome(rollback)).toEqual({ status: 'SUCCESS' });
        expect(rollback.calls['cloudhsmv2:ModifyCluster']).toBeUndefined();
    });

    it('WHEN every event of the migration is delivered twice THEN the migration is started once and the update succeeds', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType);
        const current = await hsm1Cluster(driver);
        const from = aws.emulator.calls.length;

        const report = await driver.update(current, { ...current, HsmType: HSM2 }, { deliverTwice: { retryAfterSeconds: RETRY_AFTER_SECONDS } });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
        expect(answeredCalls(aws, 'cloudhsmv2', 'ModifyCluster', from)).toBe(1);
        expect(clusterOf(current).hsmType).toBe(HSM2);
    });

    it.each(['internal', 'drop'] as const)('WHEN the answer to ModifyCluster is lost (%s) after AWS started the migration THEN it is not started again and the update succeeds', async (lostAs) => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType);
        const current = await hsm1Cluster(driver);
        aws.emulator.faults.add({ service: 'cloudhsmv2', action: 'ModifyCluster', kind: 'lose-response', lostAs, times: 1 });
        const from = aws.emulator.calls.length;

        const report = await driver.update(current, { ...current, HsmType: HSM2 });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(aws.emulator.calls.slice(from).filter((c) => c.action === 'ModifyCluster').map((c) => c.responseLost ?? 'answered')).toEqual([lostAs]);
        expect(clusterOf(current).hsmType).toBe(HSM2);
    });
});

describe('GIVEN a cluster restored from a backup of an hsm1.medium cluster, without the source cluster secrets', () => {
    afterEach(() => aws.stop());

    it('WHEN HsmType changes to hsm2m.medium THEN it migrates like any other: nothing needs its admin password, and it keeps its backup lineage', async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const driver = aws.driver(clusterType);
        const source = await hsm1Cluster(driver);
        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        aws.emulator.settle();
        const backup = [...aws.emulator.state.backups.values()].find((b) => b.clusterId === source.ClusterId && b.state === 'READY')!;
        // Restored while hsm1.medium could still be restored: today CreateCluster refuses hsm1.medium.
        const restoredProperties = clusterProperties(aws, { SourceBackupId: backup.backupId, ManagementInstanceId: undefined });
        const restored = await driver.create(restoredProperties);
        expect(restored.status).toBe('SUCCESS');
        const current = { ...restoredProperties, ClusterId: restored.model!.ClusterId, HsmType: HSM1 };
        clusterOf(current).hsmType = HSM1;

        const report = await driver.update(current, { ...current, HsmType: HSM2 });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.model).toMatchObject({ HsmType: HSM2, SourceBackupId: backup.backupId, State: 'ACTIVE' });
        expect(report.model!.AdminSecretArn).toBeUndefined();
        expect(clusterOf(current).lineage).toBe(source.ClusterId);
        expect(clusterOf(current).users.map((u) => `${u.username} ${u.role}`)).toEqual(['admin admin']);
    });
});

describe('changes of HsmType that CloudHSM cannot make, refused before anything changes', () => {
    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    });
    afterAll(() => aws.stop());

    it('hsm2m.medium → hsm1.medium answers NotUpdatable with the reason', async () => {
        const driver = aws.driver(clusterType);
        const properties = clusterProperties(aws);
        const created = await driver.create(properties);
        const current = { ...properties, ClusterId: created.model!.ClusterId };

        const report = await driver.update(current, { ...current, HsmType: HSM1 });

        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('NotUpdatable');
        expect(report.message).toMatch(/HsmType cannot change from hsm2m.medium to hsm1.medium: CloudHSM migrates a cluster in place only from hsm1.medium to hsm2m.medium/);
        expect(Object.keys(report.calls).filter((k) => !/:(Describe|List|Get)/.test(k))).toEqual([]);
    });

    it('a migration while a KMS key store is connected to the cluster answers ResourceConflict and changes nothing', async () => {
        const clusterDriver = aws.driver(clusterType, { logicalResourceId: 'Cluster' });
        aws.cloudhsm.quotas.clustersPerRegion = 10;
        aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
        const current = await hsm1Cluster(clusterDriver);
        const model = (await clusterDriver.read({ ClusterId: current.ClusterId })).model!;
        const store = await aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' }).create(keyStoreProperties(aws, model));
        expect(store.status).toBe('SUCCESS');

        const report = await clusterDriver.update(current, { ...current, HsmType: HSM2 });

        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('ResourceConflict');
        expect(report.message).toMatch(/HsmType: KMS key store .* is connected .* disconnect the key store/);
        expect(report.calls['cloudhsmv2:ModifyCluster']).toBeUndefined();
        expect(clusterOf(current).hsmType).toBe(HSM1);
    });
});
