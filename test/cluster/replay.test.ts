/**
 * Every step is idempotent under re-invocation. CloudFormation invokes the same event again when it loses a
 * response or an invocation times out, and a callback context can be replayed long after it was issued:
 * neither may create a second cluster, HSM, secret or activation, nor fail an operation that is going well.
 */
import { randomUUID } from 'crypto';
import { DeleteSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { OperationReport, ProgressEventJson } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';
import { answeredCalls, createUntilStep, expectOnlyDocumentedLeftovers, liveClusters, liveHsms, resumeCreate, secretsOf } from './mid-workflow';

/** CloudFormation retries a lost invocation after a timeout; SSM needs a second before a sent command is listed. */
const RETRY_AFTER_SECONDS = 5;
const deliverTwice = { retryAfterSeconds: RETRY_AFTER_SECONDS };

let aws: LocalAws;

const activations = () => aws.instances.invocations.filter((i) => i.tool === 'cloudhsm-cli' && i.argv.slice(0, 2).join(' ') === 'cluster activate');
const commandsSent = () => [...aws.emulator.state.commands.values()].flat().length;
/** What the user reads of an operation: its status, and for anything but a success its code and message. */
const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };
const failedDeliveries = (events: ProgressEventJson[]) => events.filter((e) => e.status === 'FAILED').map((e) => `${e.errorCode}: ${e.message}`);

describe('CloudFormation delivers every event twice (each first response lost)', () => {
    afterEach(() => aws.stop());

    it('a create whose every event is delivered twice builds one cluster, its two HSMs, two secrets and one activation', async () => {
        // GIVEN CloudFormation loses every response of the create and delivers the same event again
        aws = await startLocalAws();
        const driver = aws.driver(clusterType);

        // WHEN
        const created = await driver.create(clusterProperties(aws), { deliverTwice });

        // THEN the answer that counts is a success, and no lost answer was a failure either
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        expect(created.discardedEvents).toHaveLength(created.events.length);
        expect(failedDeliveries(created.discardedEvents)).toEqual([]);
        const clusterId = created.model!.ClusterId as string;
        expect(liveClusters(aws).map((c) => c.clusterId)).toEqual([clusterId]);
        expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('ACTIVE');
        expect(liveHsms(aws, clusterId).map((h) => h.availabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1b']);
        // The CA key was destroyed once the cluster was initialized.
        expect(secretsOf(aws, clusterId)).toEqual([`cloudhsm/${clusterId}/admin-credentials`, `cloudhsm/${clusterId}/trust-anchor`]);
        expect(created.calls['cloudhsmv2:CreateCluster']).toBe(1);
        expect(created.calls['cloudhsmv2:InitializeCluster']).toBe(1);
        expect(created.calls['ssm:SendCommand']).toBe(1);
        expect(commandsSent()).toBe(1);
        expect(activations()).toHaveLength(1);
        // AND the returned model is what a READ sees
        const read = await driver.read({ ClusterId: clusterId });
        expect(created.model).toEqual(read.model);
    });

    it('a delete of a cluster without HSMs (a create cut short), every event delivered twice, ends clean', async () => {
        // GIVEN a create that stopped while the cluster was being created, which CloudFormation then rolls back
        aws = await startLocalAws();
        const driver = aws.driver(clusterType);
        const [started] = await createUntilStep(aws, driver, clusterProperties(aws), 'await-cluster-created', randomUUID());
        const clusterId = started.resourceModel!.ClusterId as string;
        aws.clock.advance(aws.emulator.durations.clusterCreateSeconds);

        // WHEN the delete has every event delivered twice
        const deleted = await driver.delete(started.resourceModel!, { deliverTwice });

        // THEN the second delivery of the event that already deleted the cluster does not fail the delete
        expect(failedDeliveries([...deleted.discardedEvents, ...deleted.events])).toEqual([]);
        expect(outcome(deleted)).toEqual({ status: 'SUCCESS' });
        expect(deleted.calls['cloudhsmv2:DeleteCluster']).toBe(1);
        expectOnlyDocumentedLeftovers(aws, clusterId);
    });
});

describe('a created cluster, invoked again', () => {
    const token = randomUUID();
    let properties: Record<string, unknown>;
    let created: OperationReport;
    let clusterId: string;
    let grownModel: Record<string, unknown>;
    beforeAll(async () => {
        aws = await startLocalAws();
        properties = clusterProperties(aws);
        created = await aws.driver(clusterType).create(properties, { clientRequestToken: token });
        expect(created.status).toBe('SUCCESS');
        clusterId = created.model!.ClusterId as string;
    });
    afterAll(() => aws.stop());

    it('replaying the callback context of every waiting step after the create finished creates nothing new', async () => {
        // GIVEN every callback context CloudFormation held on the way to the finished create
        const driver = aws.driver(clusterType);
        const firstAtEachStep = new Map<string, ProgressEventJson>();
        for (const event of created.events) {
            const step = event.callbackContext?.step as string | undefined;
            if (event.status === 'IN_PROGRESS' && step && !firstAtEachStep.has(step)) firstAtEachStep.set(step, event);
        }
        expect([...firstAtEachStep.keys()]).toEqual(
            expect.arrayContaining(['await-cluster-created', 'await-first-hsm', 'await-initialized', 'await-activation', 'await-hsms-aligned']),
        );
        const callsBefore = aws.emulator.calls.length;
        const secretVersions = () => [...aws.emulator.state.secrets.values()].reduce((n, s) => n + s.versions.length, 0);
        const versionsBefore = secretVersions();
        const expected = (await driver.read({ ClusterId: clusterId })).model;

        // WHEN CloudFormation delivers the first event again, then resumes from each step's context
        const replays = [await driver.create(properties, { clientRequestToken: token })];
        for (const event of firstAtEachStep.values()) {
            replays.push(await driver.create(event.resourceModel!, { clientRequestToken: token, callbackContext: event.callbackContext, stringify: false }));
        }

        // THEN each replay answers the same finished cluster
        for (const [index, replay] of replays.entries()) {
            const from = index === 0 ? 'the first event' : [...firstAtEachStep.keys()][index - 1];
            expect({ from, ...outcome(replay), model: replay.model }).toEqual({ from, status: 'SUCCESS', model: expected });
        }
        // AND nothing was created, initialized, sent or allowed again
        for (const [service, action] of [
            ['cloudhsmv2', 'CreateCluster'],
            ['cloudhsmv2', 'CreateHsm'],
            ['cloudhsmv2', 'InitializeCluster'],
            ['ssm', 'SendCommand'],
            ['ec2', 'AuthorizeSecurityGroupIngress'],
        ]) {
            expect({ call: `${service}:${action}`, answered: answeredCalls(aws, service, action, callsBefore) }).toEqual({ call: `${service}:${action}`, answered: 0 });
        }
        expect(liveClusters(aws)).toHaveLength(1);
        expect(liveHsms(aws, clusterId)).toHaveLength(2);
        // No replayed step made a new CA (or anything else) once the cluster was initialized.
        expect(secretsOf(aws, clusterId)).toHaveLength(2);
        // A CreateSecret repeated with the same request token and value answers the existing secret.
        expect(secretVersions()).toBe(versionsBefore);
        expect(commandsSent()).toBe(1);
        expect(activations()).toHaveLength(1);
    });

    it('an update growing 2 → 4 HSMs with every event delivered twice adds exactly two HSMs', async () => {
        // GIVEN the cluster with one HSM in each of two subnets
        const driver = aws.driver(clusterType);
        const current = { ...properties, ClusterId: clusterId };

        // WHEN the update to two HSMs per subnet has every event delivered twice
        const grown = { ...current, HsmsPerSubnet: 2 };
        const updated = await driver.update(current, grown, { deliverTwice });

        // THEN four HSMs, two per subnet, from exactly two CreateHsm calls
        expect(outcome(updated)).toEqual({ status: 'SUCCESS' });
        expect(failedDeliveries(updated.discardedEvents)).toEqual([]);
        const azs = liveHsms(aws, clusterId).map((h) => h.availabilityZone).sort();
        expect(azs).toEqual(['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1b']);
        expect(liveHsms(aws, clusterId).every((h) => h.state === 'ACTIVE')).toBe(true);
        expect(updated.calls['cloudhsmv2:CreateHsm']).toBe(2);
        expect(updated.calls['cloudhsmv2:DeleteHsm']).toBeUndefined();
        expect((updated.model!.Hsms as unknown[]).length).toBe(4);
        expect(updated.model).toEqual((await driver.read({ ClusterId: clusterId })).model);
        grownModel = updated.model!;
    });

    it('a delete with every event delivered twice deletes each HSM and the cluster once and keeps only the documented secrets', async () => {
        // GIVEN the grown cluster
        const driver = aws.driver(clusterType);

        // WHEN the delete has every event delivered twice
        const deleted = await driver.delete(grownModel, { deliverTwice });

        // THEN it succeeds with each HSM and the cluster deleted once, and only the documented secrets remain
        expect(outcome(deleted)).toEqual({ status: 'SUCCESS' });
        expect(failedDeliveries(deleted.discardedEvents)).toEqual([]);
        expect(deleted.calls['cloudhsmv2:DeleteHsm']).toBe(4);
        expect(deleted.calls['cloudhsmv2:DeleteCluster']).toBe(1);
        expectOnlyDocumentedLeftovers(aws, clusterId);
    });
});

describe('a step cut short and run again', () => {
    afterEach(() => aws.stop());

    it('a certificate step retried after storing the CA but not its trust anchor stores the trust anchor of that CA', async () => {
        // GIVEN the step that stores the CA ran, but the trust anchor's CreateSecret did not happen (as when it is
        // throttled past the SDK's retries and the engine runs the step again)
        aws = await startLocalAws();
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const events = await createUntilStep(aws, driver, clusterProperties(aws), 'await-first-hsm', token);
        const beforeCertificateStep = events[events.length - 2];
        expect(beforeCertificateStep.callbackContext?.step).toBe('await-cluster-created');
        const clusterId = beforeCertificateStep.resourceModel!.ClusterId as string;
        const secrets = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
        await secrets.send(new DeleteSecretCommand({ SecretId: `cloudhsm/${clusterId}/trust-anchor`, ForceDeleteWithoutRecovery: true }));
        const ca = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: `cloudhsm/${clusterId}/ca-private-key` }))).SecretString!);

        // WHEN the step runs again from the same callback context, and the create carries on
        const finished = await resumeCreate(aws, driver, { ...beforeCertificateStep, callbackDelaySeconds: 0 }, token);

        // THEN the trust anchor is the certificate of the CA that signed the cluster, and activation worked with it
        const anchor = (await secrets.send(new GetSecretValueCommand({ SecretId: `cloudhsm/${clusterId}/trust-anchor` }))).SecretString!;
        expect(anchor).toBe(ca.certificatePem);
        expect(aws.emulator.state.clusters.get(clusterId)!.pki?.trustAnchorPem).toBe(ca.certificatePem);
        expect(outcome(finished)).toEqual({ status: 'SUCCESS' });
        expect(finished.model!.TrustAnchorCertificate).toBe(ca.certificatePem);
    });
});
