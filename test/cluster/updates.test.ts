/** Every update path of an ACTIVE cluster, each checked in the returned model and in the emulated account. */
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';

let aws: LocalAws;
let current: Record<string, unknown>;
let clusterId: string;

beforeAll(async () => {
    aws = await startLocalAws();
    const properties = clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'cost-center', Value: '42' }] });
    const created = await aws.driver(clusterType).create(properties);
    expect(created.status).toBe('SUCCESS');
    clusterId = created.model!.ClusterId as string;
    current = { ...properties, ClusterId: clusterId };
});
afterAll(() => aws.stop());

const cluster = () => aws.emulator.state.clusters.get(clusterId)!;
const mutatingCalls = (calls: Record<string, number>) => Object.keys(calls).filter((k) => !/:(Describe|List|Get)/.test(k));

async function update(changes: Record<string, unknown>) {
    const desired = { ...current, ...changes };
    const report = await aws.driver(clusterType).update(current, desired);
    expect({ status: report.status, message: report.message }).toEqual({ status: 'SUCCESS', message: expect.any(String) });
    current = desired;
    return report;
}

test('an update that changes nothing calls nothing that changes anything', async () => {
    const report = await update({});
    expect(mutatingCalls(report.calls)).toEqual([]);
    expect(report.invocations).toBe(1);
});

test('backup retention changes in place', async () => {
    const report = await update({ BackupRetentionDays: 30 });
    expect(report.calls['cloudhsmv2:ModifyCluster']).toBe(1);
    expect(report.model!.BackupRetentionDays).toBe(30);
    expect(cluster().backupRetentionDays).toBe(30);
});

test('tags are added, changed and removed on the cluster and on its admin and trust anchor secrets, and the type keeps its own', async () => {
    const report = await update({ Tags: [{ Key: 'team', Value: 'security' }, { Key: 'env', Value: 'prod' }] });
    expect(report.model!.Tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'security' }, { Key: 'env', Value: 'prod' }]));
    expect(report.model!.Tags).toHaveLength(2);
    expect(cluster().tags).toMatchObject({ team: 'security', env: 'prod' });
    expect(cluster().tags['cost-center']).toBeUndefined();
    expect(Object.keys(cluster().tags).some((k) => k.startsWith('cloudhsm-type:'))).toBe(true);
    const secrets = [...aws.emulator.state.secrets.values()].filter((s) => s.name.startsWith(`cloudhsm/${clusterId}/`));
    // The CA key was destroyed at initialization: a tag update does not bring it back.
    expect(secrets.map((s) => s.name).sort()).toEqual([`cloudhsm/${clusterId}/admin-credentials`, `cloudhsm/${clusterId}/trust-anchor`]);
    for (const secret of secrets) {
        expect(secret.tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'security' }, { Key: 'env', Value: 'prod' }]));
        expect(secret.tags.find((t) => t.Key === 'cost-center')).toBeUndefined();
    }
});

test('a replacement management instance gets access and a configured CLI; the old one loses access', async () => {
    const replacement = addManagementInstance(aws.emulator.state, aws.network.subnetIds.b);
    const before = aws.instances.invocations.length;

    const report = await update({ ManagementInstanceId: replacement.instanceId });

    expect(report.model!.ManagementInstanceId).toBe(replacement.instanceId);
    const rules = aws.emulator.state.securityGroups.get(cluster().securityGroup)!.ingress.map((r) => r.sourceGroupId);
    expect(rules).toContain(replacement.securityGroupId);
    expect(rules).not.toContain(aws.network.managementSecurityGroupId);
    const configured = aws.instances.invocations.slice(before).filter((i) => i.instanceId === replacement.instanceId && i.tool === 'configure-cli');
    expect(configured).toHaveLength(1);
    expect(configured[0].exitCode).toBe(0);
    expect(aws.emulator.state.instances.get(replacement.instanceId)!.cli.caCertificatePem?.trim()).toBe(cluster().pki!.trustAnchorPem!.trim());
});

test('removing the management instance removes its access', async () => {
    const report = await update({ ManagementInstanceId: undefined });
    expect(report.model!.ManagementInstanceId).toBeUndefined();
    const rules = aws.emulator.state.securityGroups.get(cluster().securityGroup)!.ingress.filter((r) => r.sourceGroupId !== cluster().securityGroup);
    expect(rules).toEqual([]);
});

test('growing adds HSMs in every subnet', async () => {
    const report = await update({ HsmsPerSubnet: 2 });
    expect(report.calls['cloudhsmv2:CreateHsm']).toBe(2);
    expect(report.model!.Hsms).toHaveLength(4);
    expect(cluster().hsms.filter((h) => h.state === 'ACTIVE')).toHaveLength(4);
});

test('shrinking to 0 keeps the cluster and its backups and removes every HSM', async () => {
    const report = await update({ HsmsPerSubnet: 0 });
    expect(report.calls['cloudhsmv2:DeleteHsm']).toBe(4);
    expect(report.model!.Hsms).toEqual([]);
    expect(report.model!.HsmsPerSubnet).toBe(0);
    expect(cluster().state).toBe('ACTIVE');
    expect([...aws.emulator.state.backups.values()].some((b) => b.clusterId === clusterId && b.state === 'READY')).toBe(true);
});

test('growing from 0 restores the HSMs, with their users, from the latest backup', async () => {
    const report = await update({ HsmsPerSubnet: 1 });
    expect(report.model!.Hsms).toHaveLength(2);
    const admin = cluster().users.find((u) => u.username === 'admin')!;
    expect(admin.role).toBe('admin');
    expect(new Set(admin.hsmIds)).toEqual(new Set(cluster().hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId)));
});

test.each([
    ['HsmType', { HsmType: 'hsm1.medium' }],
    ['HsmType', { HsmType: 'hsm2m.large' }],
    ['SubnetIds', { SubnetIds: ['subnet-0123456789abcdef0'] }],
])('changing %s in an update answers NotUpdatable: a create-only property, or a change of HSM type other than the hsm1 → hsm2m migration (%j)', async (property, change) => {
    const report = await aws.driver(clusterType).update(current, { ...current, ...change });
    expect(report.status).toBe('FAILED');
    expect(report.errorCode).toBe('NotUpdatable');
    expect(report.message).toContain(property);
});

test('a create-only property cannot change in an update', async () => {
    const report = await aws.driver(clusterType).update(current, { ...current, Mode: 'NON_FIPS' });
    expect(report.status).toBe('FAILED');
    expect(report.errorCode).toBe('NotUpdatable');
    expect(report.message).toMatch(/Mode/);
});
