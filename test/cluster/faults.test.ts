/**
 * Faults during create: throttling and 5xx answers, operations the service never finishes, and states it
 * will not leave (a DEGRADED HSM, an activation script that fails). Transient faults end in success with one
 * cluster; everything else ends FAILED with the right code and a message a person can act on, in a bounded
 * number of invocations; and a delete afterwards leaves only what the type documents it keeps.
 */
import { randomUUID } from 'crypto';
import { EC2Client, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { OperationReport, ProgressEventJson } from '../../local/driver/driver';
import { LocalAws, LocalAwsOptions, startLocalAws } from '../../local/runtime';
import { SCHEDULES } from '../../shared/engine/polling';
import { clusterProperties, clusterType } from '../support';
import { clusterIdOf, createUntilStep, expectOnlyDocumentedLeftovers, liveClusters, liveHsms, resumeCreate, secretsOf } from './mid-workflow';

let aws: LocalAws | undefined;
afterEach(async () => {
    await aws?.stop();
    aws = undefined;
});
async function start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    aws = await startLocalAws(options);
    return aws;
}

const outcome = (report: Pick<OperationReport, 'status' | 'errorCode' | 'message'>) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };
const retries = (events: ProgressEventJson[]) => events.filter((e) => e.status === 'IN_PROGRESS' && /retrying/i.test(e.message ?? ''));
const credentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET' };

/** The SDK makes 3 attempts per call (shared/aws/clients.ts); more failures than that reach the engine. */
const BEYOND_SDK_RETRIES = 5;

/** Deletes the cluster a failed create left, as CloudFormation's rollback does, with the faults gone. */
async function rollBack(aws: LocalAws, failed: OperationReport, properties: Record<string, unknown>, earlier: ProgressEventJson[] = []) {
    aws.emulator.faults.clear();
    const clusterId = clusterIdOf([...earlier, ...failed.events]);
    const deleted = await aws.driver(clusterType).delete({ ...properties, ClusterId: clusterId });
    expect(outcome(deleted)).toEqual({ status: 'SUCCESS' });
    expectOnlyDocumentedLeftovers(aws, clusterId);
    return clusterId;
}

describe('transient faults', () => {
    it('throttling and 5xx on Secrets Manager, CloudHSM and SSM beyond the SDK retries: the create comes back later and succeeds with one cluster', async () => {
        // GIVEN each service fails a create-time call more often than the SDK retries it
        const aws = await start();
        aws.emulator.faults.add({ service: 'secretsmanager', action: 'CreateSecret', kind: 'internal', times: BEYOND_SDK_RETRIES });
        aws.emulator.faults.add({ service: 'cloudhsmv2', action: 'CreateHsm', kind: 'throttle', times: BEYOND_SDK_RETRIES });
        aws.emulator.faults.add({ service: 'ssm', action: 'SendCommand', kind: 'throttle', times: BEYOND_SDK_RETRIES });

        // WHEN
        const created = await aws.driver(clusterType).create(clusterProperties(aws));

        // THEN the create succeeds with exactly one cluster and nothing twice
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        const clusterId = created.model!.ClusterId as string;
        expect(liveClusters(aws).map((c) => c.clusterId)).toEqual([clusterId]);
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('ACTIVE');
        expect(liveHsms(aws, clusterId)).toHaveLength(2);
        // Admin credentials and trust anchor; the CA key is gone once the cluster is initialized.
        expect(secretsOf(aws, clusterId)).toHaveLength(2);
        expect([...aws.emulator.state.commands.values()].flat()).toHaveLength(1);
        // AND each failing call was retried by coming back after a backoff, with a message that says so
        const retried = retries(created.events);
        for (const call of ['CreateSecret', 'CreateHsm', 'SendCommand']) {
            expect({ call, retried: retried.some((e) => e.message!.includes(call)) }).toEqual({ call, retried: true });
        }
        expect(retried.every((e) => (e.callbackDelaySeconds ?? 0) > 0)).toBe(true);
    });

    it('throttling of CreateCluster beyond the SDK retries: the create still succeeds with one cluster', async () => {
        // GIVEN the very first call that creates something is throttled, before the cluster has an ID
        const aws = await start();
        aws.emulator.faults.add({ service: 'cloudhsmv2', action: 'CreateCluster', kind: 'throttle', times: BEYOND_SDK_RETRIES });

        // WHEN (every IN_PROGRESS event must carry the ClusterId: the driver holds the handler to that)
        const created = await aws.driver(clusterType).create(clusterProperties(aws));

        // THEN
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        expect(liveClusters(aws)).toHaveLength(1);
    });
});

describe('persistent faults', () => {
    it.each([
        { service: 'secretsmanager', action: 'CreateSecret', kind: 'throttle' as const, errorCode: 'Throttling' },
        { service: 'cloudhsmv2', action: 'CreateHsm', kind: 'internal' as const, errorCode: 'ServiceInternalError' },
    ])('$kind on $service $action that never ends: FAILED $errorCode after a bounded number of retries; the delete cleans up', async ({ service, action, kind, errorCode }) => {
        // GIVEN
        const aws = await start();
        aws.emulator.faults.add({ service, action, kind });
        const properties = clusterProperties(aws);

        // WHEN
        const created = await aws.driver(clusterType).create(properties);

        // THEN it gives up with the fault's code, naming the call, after a few retries and minutes
        expect(created.status).toBe('FAILED');
        expect(created.errorCode).toBe(errorCode);
        expect(created.message).toContain(action);
        expect(retries(created.events).length).toBeGreaterThan(0);
        expect(retries(created.events).length).toBeLessThanOrEqual(10);
        expect(created.emulatedSeconds).toBeLessThan(30 * 60);
        // AND the rollback leaves nothing (the cluster never had keys, so it has no backups)
        await rollBack(aws, created, properties);
        expect(aws.emulator.state.backups.size).toBe(0);
    });
});

describe('operations the service never finishes', () => {
    it('a cluster that takes longer than the schedule: FAILED NotStabilized naming the wait after about 60 minutes; the delete waits for it to settle and cleans up', async () => {
        // GIVEN CloudHSM takes 63 minutes to create the cluster, past the 60 minutes the create waits for it,
        // and a create that has been looking for 59 of them (the looks in between only describe the cluster)
        const aws = await start({ durations: { clusterCreateSeconds: 63 * 60 } });
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const properties = clusterProperties(aws);
        const startedAtMs = aws.clock.now();
        const waiting = await createUntilStep(aws, driver, properties, 'await-cluster-created', token);
        const clusterId = clusterIdOf(waiting);
        aws.clock.advance(59 * 60 - (aws.clock.now() - startedAtMs) / 1000);

        // WHEN CloudFormation keeps coming back
        const created = await resumeCreate(aws, driver, { ...waiting[0], callbackDelaySeconds: 0 }, token);

        // THEN the create gives up at the end of the schedule, saying what it waited for
        expect(created.status).toBe('FAILED');
        expect(created.errorCode).toBe('NotStabilized');
        expect(created.message).toContain(`Cluster ${clusterId} is being created`);
        expect(created.message).toContain('60 min');
        const limitSeconds = SCHEDULES.clusterCreate.timeoutSeconds;
        const waitedSeconds = (aws.clock.now() - startedAtMs) / 1000;
        expect(waitedSeconds).toBeGreaterThanOrEqual(limitSeconds);
        expect(waitedSeconds).toBeLessThan(limitSeconds + 2 * SCHEDULES.clusterCreate.intervalSeconds);
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('CREATE_IN_PROGRESS');
        // AND the rollback waits for the cluster to leave CREATE_IN_PROGRESS, then removes it
        await rollBack(aws, created, properties, waiting);
    });
});

describe('states the service will not leave', () => {
    it('the first HSM goes DEGRADED while the create waits for it: FAILED NotStabilized at once with the service\'s message', async () => {
        // GIVEN a create waiting for its first HSM, which then fails and is not replaced
        const aws = await start();
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const properties = clusterProperties(aws);
        const waiting = await createUntilStep(aws, driver, properties, 'await-first-hsm', token);
        const clusterId = clusterIdOf(waiting);
        const [hsm] = liveHsms(aws, clusterId);
        aws.cloudhsm.failHsm(clusterId, hsm.hsmId, { replace: false });
        const serviceMessage = hsm.stateMessage;

        // WHEN CloudFormation comes back
        const failed = await resumeCreate(aws, driver, waiting[waiting.length - 1], token);

        // THEN it fails on the first look, not after the HSM wait's hour
        expect(failed.status).toBe('FAILED');
        expect(failed.errorCode).toBe('NotStabilized');
        expect(failed.message).toContain(hsm.hsmId);
        expect(failed.message).toContain('DEGRADED');
        expect(failed.message).toContain(serviceMessage);
        expect(failed.invocations).toBe(1);
        expect(failed.emulatedSeconds).toBeLessThan(SCHEDULES.hsmCreate.timeoutSeconds / 4);
        // AND the rollback removes the DEGRADED HSM with the rest
        await rollBack(aws, failed, properties, waiting);
    });

    it('activation fails because the instance can no longer reach the HSMs: FAILED with the script\'s error; the delete keeps only the documented secrets', async () => {
        // GIVEN a create past the step that allowed the instance in, and then the rule is revoked (say by another stack)
        const aws = await start();
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const properties = clusterProperties(aws);
        const waiting = await createUntilStep(aws, driver, properties, 'await-initialized', token);
        const clusterId = clusterIdOf(waiting);
        const clusterGroupId = aws.emulator.state.clusters.get(clusterId)!.securityGroup;
        const ec2 = new EC2Client({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials });
        await ec2.send(
            new RevokeSecurityGroupIngressCommand({
                GroupId: clusterGroupId,
                IpPermissions: [{ IpProtocol: 'tcp', FromPort: 2223, ToPort: 2225, UserIdGroupPairs: [{ GroupId: aws.network.managementSecurityGroupId }] }],
            }),
        );

        // WHEN CloudFormation comes back
        const failed = await resumeCreate(aws, driver, waiting[waiting.length - 1], token);

        // THEN the create fails with what the CloudHSM CLI said on the instance
        expect(failed.status).toBe('FAILED');
        expect(failed.errorCode).toBe('NotStabilized');
        expect(failed.message).toContain('activate script');
        expect(failed.message).toContain('connection timed out');
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('INITIALIZED');
        // AND the rollback removes everything but the admin credentials and trust anchor, which its backups need
        await rollBack(aws, failed, properties, waiting);
        expect([...aws.emulator.state.backups.values()].some((b) => b.clusterId === clusterId)).toBe(true);
        expect(secretsOf(aws, clusterId)).toEqual([`cloudhsm/${clusterId}/admin-credentials`, `cloudhsm/${clusterId}/trust-anchor`]);
    });
});

describe('a management instance the cluster cannot use', () => {
    it('a CloudHSM CLI older than 5.9.0 for an hsm2m.medium cluster: FAILED InvalidRequest naming the version needed, before the cluster is activated', async () => {
        // GIVEN the management instance has Client SDK 5.8.0, and the cluster is hsm2m.medium (the default)
        const aws = await start();
        aws.emulator.state.instances.get(aws.network.managementInstanceId)!.cli.clientVersion = '5.8.0';
        const properties = clusterProperties(aws);

        // WHEN
        const failed = await aws.driver(clusterType).create(properties);

        // THEN the create fails with InvalidRequest, naming the property, the version found and the version needed
        expect(failed.status).toBe('FAILED');
        expect(failed.errorCode).toBe('InvalidRequest');
        expect(failed.message).toMatch(/^ManagementInstanceId: /);
        expect(failed.message).toContain("reports 'cloudhsm-cli 5.8.0'; hsm2m.medium HSMs need Client SDK 5.9.0 or newer");
        // AND nothing irreversible happened: the activation script stopped before configuring or activating
        const clusterId = clusterIdOf(failed.events);
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('INITIALIZED');
        expect(aws.instances.invocations.map((i) => `${i.tool} ${i.argv.join(' ')}`)).toEqual(['cloudhsm-cli --version']);
        await rollBack(aws, failed, properties);
    });
});
