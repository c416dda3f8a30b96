/**
 * The management instance goes away during a create: stopped before a script is sent, or while one runs.
 * Either way the create fails with a message that says what happened and what to do, and the rollback
 * (CloudFormation's delete) still removes everything.
 */
import { randomUUID } from 'crypto';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { SCHEDULES } from '../../shared/engine/polling';
import { clusterProperties, clusterType } from '../support';
import { clusterIdOf, createUntilStep, expectOnlyDocumentedLeftovers, resumeCreate } from './mid-workflow';

let aws: LocalAws;
beforeEach(async () => {
    aws = await startLocalAws();
});
afterEach(() => aws.stop());

const managementInstance = () => aws.emulator.state.instances.get(aws.network.managementInstanceId)!;

async function rollBack(properties: Record<string, unknown>, clusterId: string) {
    managementInstance().state = 'running';
    managementInstance().ssmManaged = true;
    const deleted = await aws.driver(clusterType).delete({ ...properties, ClusterId: clusterId });
    expect(deleted.status).toBe('SUCCESS');
    expectOnlyDocumentedLeftovers(aws, clusterId);
}

test('the instance is stopped after the cluster is created, before activation: FAILED naming the instance and what to do', async () => {
    // GIVEN a create waiting for initialization, and then the management instance is stopped
    const driver = aws.driver(clusterType);
    const token = randomUUID();
    const properties = clusterProperties(aws);
    const waiting = await createUntilStep(aws, driver, properties, 'await-initialized', token);
    managementInstance().state = 'stopped';

    // WHEN CloudFormation comes back and the activation script is to be sent
    const failed = await resumeCreate(aws, driver, waiting[waiting.length - 1], token);

    // THEN
    expect(failed.status).toBe('FAILED');
    expect(failed.errorCode).toBe('InvalidRequest');
    expect(failed.message).toContain(`management instance ${aws.network.managementInstanceId} cannot take commands now`);
    expect(failed.message).toMatch(/Start the instance.*SSM agent.*AmazonSSMManagedInstanceCore/);
    await rollBack(properties, clusterIdOf([...waiting, ...failed.events]));
});

/** SSM reports the lost invocation only when the command expires (14 min): some 280 polls, each a real invocation. */
const UNTIL_THE_COMMAND_EXPIRES_MS = 480_000;

test('the instance is stopped while the activation script runs: FAILED with SSM\'s DeliveryTimedOut and what to do, before the wait gives up', async () => {
    // GIVEN a create waiting for the activation script, and then the instance goes offline
    const driver = aws.driver(clusterType);
    const token = randomUUID();
    const properties = clusterProperties(aws);
    const waiting = await createUntilStep(aws, driver, properties, 'await-activation', token);
    managementInstance().state = 'stopped';

    // WHEN CloudFormation comes back
    const failed = await resumeCreate(aws, driver, waiting[waiting.length - 1], token);

    // THEN the create fails with SSM's answer for a lost invocation, not with the wait's own deadline
    expect(failed.status).toBe('FAILED');
    expect(failed.errorCode).toBe('NotStabilized');
    expect(failed.message).toMatch(/activate script .* ended TimedOut \(DeliveryTimedOut\)/);
    expect(failed.message).toMatch(/never reported back.*may have run only in part.*Start the instance/);
    expect(failed.message).not.toMatch(/still not done/);
    expect(failed.emulatedSeconds).toBeLessThan(SCHEDULES.command.timeoutSeconds);
    await rollBack(properties, clusterIdOf([...waiting, ...failed.events]));
}, UNTIL_THE_COMMAND_EXPIRES_MS);
