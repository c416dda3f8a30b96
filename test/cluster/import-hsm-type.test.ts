/**
 * The AWS sample's HSM type was hsm1.medium: an imported cluster of that type migrates to hsm2m.medium in
 * place when the stack asks for it, with no secret given (the migration needs neither the admin password nor
 * the trust anchor). A template that never named HsmType (hsm2m.medium, the default) does not start the
 * migration by the way: the update is refused, saying to declare the type the cluster has.
 */
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { consentTo, makeClusterAsTheSampleDoes } from './sample-made-cluster';

const STACK = 'payments-hsm';
let aws: LocalAws;
afterAll(() => aws?.stop());

const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };

describe('GIVEN an imported hsm1.medium cluster, made by the sample before the end of support, with its owner\'s consent', () => {
    let clusterId: string;
    let template: Record<string, unknown>;
    let driver: ReturnType<LocalAws['driver']>;
    const cluster = () => aws.emulator.state.clusters.get(clusterId)!;
    const addresses = () => cluster().hsms.map((h) => `${h.availabilityZone} ${h.eniIp}`).sort();

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        clusterId = (await makeClusterAsTheSampleDoes(aws)).clusterId;
        cluster().hsmType = 'hsm1.medium';
        await consentTo(aws, clusterId, STACK);
        driver = aws.driver(clusterType, { logicalResourceId: 'Cluster', stackName: STACK });
        // The template at import names no HsmType.
        template = { ClusterId: clusterId, SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], HsmsPerSubnet: 1 };
        const imported = await driver.import(template);
        expect(outcome(imported)).toEqual({ status: 'SUCCESS' });
        expect(imported.model!.HsmType).toBe('hsm1.medium');
    });

    it('WHEN an update leaves HsmType out, as the template did at import THEN it is refused naming HsmType, before the migration starts', async () => {
        const report = await driver.update(template, { ...template, HsmsPerSubnet: 2 });

        expect({ status: report.status, errorCode: report.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(report.message).toMatch(/^HsmType: .*hsm1\.medium.*hsm2m\.medium \(the default\).*Declare HsmType: hsm1\.medium/);
        expect(report.calls['cloudhsmv2:ModifyCluster']).toBeUndefined();
        expect(report.calls['cloudhsmv2:CreateHsm']).toBeUndefined();
        expect(cluster()).toMatchObject({ hsmType: 'hsm1.medium', state: 'ACTIVE' });
    });

    it('WHEN the template declares hsm1.medium THEN other changes work at once, and the type stays', async () => {
        const declared = { ...template, HsmType: 'hsm1.medium', BackupRetentionDays: 30 };

        const report = await driver.update(template, declared);

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(cluster()).toMatchObject({ hsmType: 'hsm1.medium', backupRetentionDays: 30 });
        template = declared;
    });

    it('WHEN HsmType changes to hsm2m.medium THEN the cluster is migrated in place, keeping its HSM addresses, with no secret given', async () => {
        const before = addresses();

        const report = await driver.update(template, { ...template, HsmType: 'hsm2m.medium' });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.calls['cloudhsmv2:ModifyCluster']).toBe(1);
        expect(cluster()).toMatchObject({ hsmType: 'hsm2m.medium', state: 'ACTIVE' });
        expect(addresses()).toEqual(before);
        expect(report.model).toMatchObject({ HsmType: 'hsm2m.medium', State: 'ACTIVE' });
        expect(report.calls['secretsmanager:CreateSecret']).toBeUndefined();
    });
});
