/**
 * EXTERNAL mode when the cluster's first HSM is replaced while the cluster waits for its certificate: the new
 * HSM makes a new key, so the cluster's CSR changes. ClusterCsr always shows the current CSR; an update that
 * brings a certificate for the older CSR is refused before anything changes, saying so and what to do; a
 * certificate for the current CSR completes the cluster.
 */
import { DeleteHsmCommand, CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterType, OpensslCa } from '../support';
import { liveHsms } from './mid-workflow';

let aws: LocalAws;
let ca: OpensslCa;
beforeAll(async () => {
    aws = await startLocalAws();
    ca = new OpensslCa();
});
afterAll(async () => {
    ca.dispose();
    await aws.stop();
});

const mutatingCalls = (from: number) =>
    aws.emulator.calls.slice(from).filter((c) => !/^(Describe|List|Get|Put(LogEvents|MetricData)|Create(LogGroup|LogStream))/.test(c.action));

async function waitingExternalCluster() {
    const properties = { SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, CertificateAuthority: 'EXTERNAL', ManagementInstanceId: aws.network.managementInstanceId };
    const created = await aws.driver(clusterType).create(properties);
    expect({ status: created.status, state: created.model!.State }).toEqual({ status: 'SUCCESS', state: 'UNINITIALIZED' });
    return { properties: { ...properties, ClusterId: created.model!.ClusterId as string }, csr: created.model!.ClusterCsr as string };
}

test('after AWS replaced the first HSM, ClusterCsr shows the new CSR, a certificate for the old one is refused, and one for the new one completes the cluster', async () => {
    // GIVEN an EXTERNAL cluster waiting for its certificate, whose CSR the user had signed
    const { properties, csr: oldCsr } = await waitingExternalCluster();
    const clusterId = properties.ClusterId;
    const oldCertificate = ca.sign(oldCsr);

    // WHEN its HSM fails and AWS replaces it
    aws.cloudhsm.failHsm(clusterId, liveHsms(aws, clusterId)[0].hsmId);
    aws.clock.advance(aws.emulator.durations.hsmCreateSeconds);
    aws.emulator.settle();

    // THEN ClusterCsr, read fresh, is the new CSR the cluster now publishes
    const read = await aws.driver(clusterType).read({ ClusterId: clusterId });
    const newCsr = read.model!.ClusterCsr as string;
    expect(newCsr).toBe(aws.emulator.state.clusters.get(clusterId)!.pki!.csrPem);
    expect(newCsr).not.toBe(oldCsr);

    // WHEN the user brings the certificate for the old CSR
    const from = aws.emulator.calls.length;
    const withOldCertificate = { ...properties, ExternalClusterCertificate: oldCertificate, ExternalTrustAnchor: ca.anchorPem };
    const refused = await aws.driver(clusterType).update(properties, withOldCertificate);

    // THEN it is refused at once, saying exactly that and what to do, and nothing changed
    expect({ status: refused.status, errorCode: refused.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(refused.message).toContain(`ExternalClusterCertificate was issued for an older CSR of cluster ${clusterId}: the cluster's first HSM was replaced`);
    expect(refused.message).toContain(`Sign its current CSR (aws cloudhsmv2 describe-clusters --filters clusterIds=${clusterId}`);
    expect(refused.invocations).toBe(1);
    expect(mutatingCalls(from)).toEqual([]);
    expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('UNINITIALIZED');

    // WHEN CloudFormation rolls that update back, then the user brings a certificate for the new CSR
    const rolledBack = await aws.driver(clusterType).update(withOldCertificate, properties);
    expect({ status: rolledBack.status, csr: rolledBack.model!.ClusterCsr }).toEqual({ status: 'SUCCESS', csr: newCsr });
    const completed = await aws.driver(clusterType).update(properties, { ...properties, ExternalClusterCertificate: ca.sign(newCsr), ExternalTrustAnchor: ca.anchorPem }, {
        deliverTwice: { retryAfterSeconds: 5 },
    });

    // THEN the cluster is initialized once and activated, with the user's CA as its trust anchor
    expect(completed.status).toBe('SUCCESS');
    expect(completed.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
    expect(completed.model!.State).toBe('ACTIVE');
    expect(completed.model!.ClusterCsr).toBeUndefined();
    expect(completed.calls['cloudhsmv2:InitializeCluster']).toBe(1);
    expect(aws.emulator.state.clusters.get(clusterId)!.pki!.trustAnchorPem!.trim()).toBe(ca.anchorPem.trim());
});

test('when the only HSM was deleted, an update recreates it and shows the new CSR; the certificate for the old CSR is refused', async () => {
    // GIVEN an EXTERNAL cluster waiting for its certificate, whose one HSM someone deleted
    const { properties, csr: oldCsr } = await waitingExternalCluster();
    const clusterId = properties.ClusterId;
    const cloudhsm = new CloudHSMV2Client({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    await cloudhsm.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: liveHsms(aws, clusterId)[0].hsmId }));
    aws.clock.advance(aws.emulator.durations.hsmDeleteSeconds);
    aws.emulator.settle();
    expect(liveHsms(aws, clusterId)).toEqual([]);

    // WHEN the certificate for the old CSR arrives while the cluster has no HSM
    const withOldCertificate = { ...properties, ExternalClusterCertificate: ca.sign(oldCsr), ExternalTrustAnchor: ca.anchorPem };
    const refused = await aws.driver(clusterType).update(properties, withOldCertificate);

    // THEN it is refused, saying that the cluster has no CSR now and what comes next
    expect({ status: refused.status, errorCode: refused.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
    expect(refused.message).toMatch(/older CSR .* The cluster has no CSR now .* once it shows a CSR again, sign that CSR/);
    expect(refused.calls['cloudhsmv2:CreateHsm']).toBeUndefined();

    // WHEN CloudFormation rolls back (an update without certificates)
    const rolledBack = await aws.driver(clusterType).update(withOldCertificate, properties, { deliverTwice: { retryAfterSeconds: 5 } });

    // THEN the cluster has one new HSM, and ClusterCsr is its new CSR
    expect({ status: rolledBack.status, failure: rolledBack.errorCode && `${rolledBack.errorCode}: ${rolledBack.message}` }).toEqual({ status: 'SUCCESS', failure: undefined });
    expect(rolledBack.calls['cloudhsmv2:CreateHsm']).toBe(1);
    expect(liveHsms(aws, clusterId)).toHaveLength(1);
    expect(rolledBack.model!.ClusterCsr).toBe(aws.emulator.state.clusters.get(clusterId)!.pki!.csrPem);
    expect(rolledBack.model!.ClusterCsr).not.toBe(oldCsr);
    cloudhsm.destroy();
});
