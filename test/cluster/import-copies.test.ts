/**
 * The copies an imported cluster's first update makes of its owner's secrets (ImportedAdminSecretArn,
 * ImportedTrustAnchorSecretArn) under what CloudFormation and AWS do to a step: an answer lost after the work
 * was done, every event delivered twice, a callback context replayed after the update finished, and a secret
 * somebody planted at a copy's name before the type made it. Every time: exactly one copy of each, holding the
 * owner's value, recorded on the cluster once; a planted secret is never taken for a copy.
 */
import { randomUUID } from 'crypto';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FaultRule } from '../../local/emulator/faults';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { answeredCalls } from './mid-workflow';
import { consentTo, makeClusterAsTheSampleDoes, SampleCluster, tagAsClusters } from './sample-made-cluster';

const STACK = 'payments-hsm';

let aws: LocalAws | undefined;
afterEach(async () => {
    await aws?.stop();
    aws = undefined;
});

const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };

/** A sample-made cluster, imported into STACK with its owner's consent and its secrets tagged as the cluster's. */
async function importedSampleCluster() {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    const sample = await makeClusterAsTheSampleDoes(aws);
    await tagAsClusters(aws, sample.adminSecretArn, sample.clusterId);
    await tagAsClusters(aws, sample.trustAnchorSecretArn, sample.clusterId);
    await consentTo(aws, sample.clusterId, STACK);
    const driver = aws.driver(clusterType, { logicalResourceId: 'Cluster', stackName: STACK });
    const template = { ClusterId: sample.clusterId, SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], HsmsPerSubnet: 1 };
    expect(outcome(await driver.import(template))).toEqual({ status: 'SUCCESS' });
    // The update that names the secrets also grows the cluster, so that it waits (and is invoked again) after the copies.
    const desired = { ...template, HsmsPerSubnet: 2, ImportedAdminSecretArn: sample.adminSecretArn, ImportedTrustAnchorSecretArn: sample.trustAnchorSecretArn };
    return { aws, sample, driver, template, desired };
}

/** Each copy exactly once: one version, the owner's value, the type's tags; the cluster's record of them. */
function expectOneCopyOfEach(aws: LocalAws, sample: SampleCluster) {
    const copy = (kind: string) => [...aws.emulator.state.secrets.values()].filter((s) => s.name === `cloudhsm/${sample.clusterId}/${kind}` && s.deletedDate === undefined);
    const admin = copy('admin-credentials');
    const anchor = copy('trust-anchor');
    expect({ admin: admin.length, anchor: anchor.length }).toEqual({ admin: 1, anchor: 1 });
    expect(admin[0].versions.map((v) => JSON.parse(v.secretString!))).toEqual([{ username: 'admin', password: sample.adminPassword }]);
    expect(anchor[0].versions.map((v) => v.secretString)).toEqual([sample.trustAnchorPem]);
    expect(admin[0].tags).toEqual(expect.arrayContaining([{ Key: 'cloudhsm-type:admin-password-version', Value: '1' }]));
    expect(aws.emulator.state.clusters.get(sample.clusterId)!.tags['cloudhsm-type:imported-secrets']).toBe('admin-credentials trust-anchor');
}

const LOSSES: Array<{ service: string; action: string; lostAs: NonNullable<FaultRule['lostAs']> }> = [
    { service: 'secretsmanager', action: 'CreateSecret', lostAs: 'internal' },
    { service: 'secretsmanager', action: 'CreateSecret', lostAs: 'drop' },
    { service: 'cloudhsmv2', action: 'TagResource', lostAs: 'internal' },
    { service: 'cloudhsmv2', action: 'TagResource', lostAs: 'drop' },
];

it.each(LOSSES)('the answer to $service $action is lost ($lostAs) after the work was done; the update ends SUCCESS with one copy of each secret', async (loss) => {
    const { aws, sample, driver, template, desired } = await importedSampleCluster();
    aws.emulator.faults.add({ service: loss.service, action: loss.action, kind: 'lose-response', lostAs: loss.lostAs, times: 1 });

    const report = await driver.update(template, desired);

    expect(outcome(report)).toEqual({ status: 'SUCCESS' });
    expectOneCopyOfEach(aws, sample);
    expect(report.model).toMatchObject({ AdminPasswordVersion: 1, TrustAnchorCertificate: sample.trustAnchorPem, HsmsPerSubnet: 2 });
    const lost = aws.emulator.calls.filter((c) => c.responseLost);
    expect(lost.map((c) => `${c.service}:${c.action}:${c.responseLost}`)).toEqual([`${loss.service}:${loss.action}:${loss.lostAs}`]);
});

it('every event of the update delivered twice (each first response lost): one copy of each, and no delivery failed', async () => {
    const { aws, sample, driver, template, desired } = await importedSampleCluster();

    const report = await driver.update(template, desired, { deliverTwice: { retryAfterSeconds: 5 } });

    expect(outcome(report)).toEqual({ status: 'SUCCESS' });
    expect([...report.discardedEvents, ...report.events].filter((e) => e.status === 'FAILED')).toEqual([]);
    expectOneCopyOfEach(aws, sample);
});

it('replaying the callback context of the copy steps after the update finished copies nothing again', async () => {
    const { aws, sample, driver, template, desired } = await importedSampleCluster();
    const token = randomUUID();
    const finished = await driver.update(template, desired, { clientRequestToken: token });
    expect(outcome(finished)).toEqual({ status: 'SUCCESS' });
    const versions = () => [...aws.emulator.state.secrets.values()].reduce((n, s) => n + s.versions.length, 0);
    const before = { versions: versions(), calls: aws.emulator.calls.length };

    // The context CloudFormation held when it invoked the update at each copy step, the first one included.
    for (const step of ['copy-imported-trust-anchor', 'record-imported-trust-anchor', 'copy-imported-admin-credentials', 'record-imported-admin-credentials']) {
        const context = {
            workflow: 'update-cluster',
            step,
            startedAtMs: aws.clock.now(),
            invocations: 1,
            data: { clusterId: sample.clusterId, imported: { held: [], copying: ['admin-credentials', 'trust-anchor'] } },
        };
        const replayed = await driver.update(template, desired, { clientRequestToken: token, callbackContext: context });
        expect({ step, ...outcome(replayed) }).toEqual({ step, status: 'SUCCESS' });
    }

    expectOneCopyOfEach(aws, sample);
    // A CreateSecret repeated with the same request token and value answers the existing secret: no new version.
    expect(versions()).toBe(before.versions);
    expect(answeredCalls(aws, 'cloudhsmv2', 'TagResource', before.calls)).toBe(0);
});

it("a secret somebody created at the trust anchor copy's name before the type did is refused, never read back as the cluster's", async () => {
    const { aws, sample, driver, template, desired } = await importedSampleCluster();
    const planter = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: { accessKeyId: 'AKIDMALLORY', secretAccessKey: 'x' } });
    try {
        await planter.send(
            new CreateSecretCommand({
                Name: `cloudhsm/${sample.clusterId}/trust-anchor`,
                SecretString: sample.trustAnchorPem,
                Tags: [{ Key: 'cloudhsm-type:cluster-id', Value: sample.clusterId }],
            }),
        );
    } finally {
        planter.destroy();
    }

    // WHEN the stack names the owner's secrets
    const report = await driver.update(template, desired);

    // THEN the update stops before anything changes: no copy, nothing recorded, the cluster not grown
    expect({ status: report.status, errorCode: report.errorCode }).toEqual({ status: 'FAILED', errorCode: 'AlreadyExists' });
    expect(report.message).toContain(`cloudhsm/${sample.clusterId}/trust-anchor is in the way`);
    expect(Object.keys(report.calls).filter((call) => !/:(Describe|List|Get)/.test(call))).toEqual([]);
    expect(aws.emulator.state.clusters.get(sample.clusterId)!.tags['cloudhsm-type:imported-secrets']).toBeUndefined();
    // AND a read (drift detection, the rollback) does not take the planted secret for the cluster's trust anchor
    const read = await driver.read({ ClusterId: sample.clusterId });
    expect(read.model!.TrustAnchorSecretArn).toBeUndefined();
    expect(read.model!.TrustAnchorCertificate).toBeUndefined();
});
