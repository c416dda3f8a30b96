/**
 * Delete works from any point of a create, as when CloudFormation rolls back or a stack is deleted while its
 * cluster is still being built: afterwards no cluster, HSM, rule or secret remains (but for the admin
 * credentials and trust anchor when backups exist, which restores need).
 */
import { leftovers } from '../../local/leftovers';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';

let aws: LocalAws;
beforeAll(async () => (aws = await startLocalAws()));
afterAll(() => aws.stop());

/** What may stay after a delete: the two secrets a restore needs, only if the cluster had backups. */
function expectNothingLeftBut(clusterId: string) {
    const left = leftovers(aws.emulator.state);
    expect(left.clusters).toEqual([]);
    expect(left.hsms).toEqual([]);
    expect(left.rules).toEqual([]);
    const hadBackups = [...aws.emulator.state.backups.values()].some((b) => b.clusterId === clusterId);
    const kept = hadBackups ? [`cloudhsm/${clusterId}/admin-credentials`, `cloudhsm/${clusterId}/trust-anchor`] : [];
    expect(left.secrets.filter((name) => name.includes(clusterId)).sort()).toEqual(kept);
}

/** The step each IN_PROGRESS event of a normal create stopped at, to stop a create there. */
let stepsOfCreate: Array<{ invocation: number; step: string }> = [];

beforeAll(async () => {
    const driver = aws.driver(clusterType);
    const created = await driver.create(clusterProperties(aws));
    expect(created.status).toBe('SUCCESS');
    stepsOfCreate = created.events
        .map((event, index) => ({ invocation: index + 1, step: String(event.callbackContext?.step ?? 'done') }))
        .filter((entry, index, all) => index === 0 || all[index - 1].step !== entry.step);
    expect((await driver.delete(created.model!)).status).toBe('SUCCESS');
});

/** The steps a create waits at, in order: a delete is tried from the first invocation that stopped at each. */
const WAITING_STEPS = ['await-cluster-created', 'await-first-hsm', 'await-initialized', 'await-activation', 'await-hsms-aligned'];

test('the create waits at exactly these steps, so the tests below cover every one', () => {
    expect(stepsOfCreate.map((s) => s.step)).toEqual([...WAITING_STEPS, 'done']);
});

// One test per step, each with its own time budget (a create and a delete each).
test.each(WAITING_STEPS)('a delete from %s of a create leaves nothing behind', async (step) => {
    const invocation = stepsOfCreate.find((s) => s.step === step)!.invocation;
    const driver = aws.driver(clusterType);
    const partial = await driver.create(clusterProperties(aws), { maxInvocations: invocation });
    expect({ step, status: partial.last.status }).toEqual({ step, status: 'IN_PROGRESS' });
    const clusterId = partial.last.resourceModel!.ClusterId as string;

    const deleted = await driver.delete(partial.last.resourceModel!);

    expect({ step, status: deleted.status, problem: deleted.errorCode && deleted.message }).toEqual({ step, status: 'SUCCESS', problem: undefined });
    expectNothingLeftBut(clusterId);
});

test('a delete after a failed create (the rollback) leaves nothing behind', async () => {
    const driver = aws.driver(clusterType);
    const stuck = await driver.create(clusterProperties(aws), { maxInvocations: 2 });
    // The management instance stops before activation: SendCommand is refused and the create fails.
    aws.emulator.state.instances.get(aws.network.managementInstanceId)!.state = 'stopped';
    try {
        const failed = await driver.create(stuck.last.resourceModel!, { callbackContext: stuck.last.callbackContext, stringify: false });
        expect(failed.status).toBe('FAILED');
        expect(failed.message).toMatch(/ManagementInstanceId|instance/i);
        // The FAILED event names the cluster, so CloudFormation's rollback can delete it.
        const clusterId = failed.model!.ClusterId as string;
        expect(clusterId).toBe(stuck.last.resourceModel!.ClusterId);

        const deleted = await driver.delete(failed.model!);

        expect(deleted.status).toBe('SUCCESS');
        expectNothingLeftBut(clusterId);
    } finally {
        aws.emulator.state.instances.get(aws.network.managementInstanceId)!.state = 'running';
    }
});

test('a delete of a cluster that is already being deleted answers NotFound', async () => {
    const driver = aws.driver(clusterType);
    const created = await driver.create(clusterProperties(aws, { HsmsPerSubnet: 0, ManagementInstanceId: undefined }), { maxInvocations: 3 });
    const first = await driver.delete(created.last.resourceModel!, { maxInvocations: 1 });
    expect(first.last.status).toBe('IN_PROGRESS');
    // Let the first delete finish, then a second one finds nothing.
    await driver.delete(first.last.resourceModel!, { callbackContext: first.last.callbackContext });
    expect((await driver.delete(created.last.resourceModel!)).errorCode).toBe('NotFound');
});
