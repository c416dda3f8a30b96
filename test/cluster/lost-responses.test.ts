/**
 * A response lost after the work was done: CloudHSM, EC2, Secrets Manager or SSM does what it was asked,
 * then the answer is lost (a 500 with the service's internal error, or a connection closed without any
 * answer). For every mutating call the cluster type makes, one such loss on that call, in the phase of the
 * cluster's life that makes it (each scenario goes only as far as that phase): every operation ends SUCCESS
 * with exactly one of everything (one cluster, the HSMs asked for, one activation, one CLI configuration,
 * one rule for the management instance), and a delete leaves only what the type documents it keeps.
 */
import type { FaultRule } from '../../local/emulator/faults';
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { expectOnlyDocumentedLeftovers, liveClusters, liveHsms, secretsOf } from './mid-workflow';

type Phase = 'create' | 'grow and move' | 'shrink' | 'delete';
interface Loss {
    phase: Phase;
    service: string;
    action: string;
    lostAs: NonNullable<FaultRule['lostAs']>;
}

/**
 * Every mutating call of the cluster type, in the phase that makes it first. Each is lost one way (a 500 with
 * the service's internal error, or a connection closed without an answer); the two ways alternate.
 */
const LOSSES: Loss[] = [
    { phase: 'create', service: 'cloudhsmv2', action: 'CreateCluster', lostAs: 'internal' },
    { phase: 'create', service: 'cloudhsmv2', action: 'CreateCluster', lostAs: 'drop' },
    { phase: 'create', service: 'secretsmanager', action: 'CreateSecret', lostAs: 'drop' },
    { phase: 'create', service: 'cloudhsmv2', action: 'CreateHsm', lostAs: 'internal' },
    { phase: 'create', service: 'ec2', action: 'AuthorizeSecurityGroupIngress', lostAs: 'drop' },
    { phase: 'create', service: 'cloudhsmv2', action: 'TagResource', lostAs: 'internal' },
    { phase: 'create', service: 'cloudhsmv2', action: 'InitializeCluster', lostAs: 'drop' },
    { phase: 'create', service: 'ssm', action: 'SendCommand', lostAs: 'internal' },
    { phase: 'create', service: 'ssm', action: 'SendCommand', lostAs: 'drop' },
    { phase: 'grow and move', service: 'cloudhsmv2', action: 'ModifyCluster', lostAs: 'internal' },
    { phase: 'grow and move', service: 'cloudhsmv2', action: 'UntagResource', lostAs: 'drop' },
    { phase: 'grow and move', service: 'cloudhsmv2', action: 'TagResource', lostAs: 'internal' },
    { phase: 'grow and move', service: 'secretsmanager', action: 'UntagResource', lostAs: 'drop' },
    { phase: 'grow and move', service: 'secretsmanager', action: 'TagResource', lostAs: 'internal' },
    { phase: 'grow and move', service: 'ec2', action: 'RevokeSecurityGroupIngress', lostAs: 'drop' },
    { phase: 'grow and move', service: 'ec2', action: 'AuthorizeSecurityGroupIngress', lostAs: 'internal' },
    { phase: 'grow and move', service: 'ssm', action: 'SendCommand', lostAs: 'drop' },
    { phase: 'grow and move', service: 'cloudhsmv2', action: 'CreateHsm', lostAs: 'internal' },
    { phase: 'shrink', service: 'cloudhsmv2', action: 'DeleteHsm', lostAs: 'drop' },
    { phase: 'delete', service: 'cloudhsmv2', action: 'DeleteHsm', lostAs: 'internal' },
    { phase: 'delete', service: 'ec2', action: 'RevokeSecurityGroupIngress', lostAs: 'drop' },
    { phase: 'delete', service: 'secretsmanager', action: 'DeleteSecret', lostAs: 'internal' },
    { phase: 'delete', service: 'cloudhsmv2', action: 'DeleteCluster', lostAs: 'drop' },
];

let aws: LocalAws | undefined;
afterEach(async () => {
    await aws?.stop();
    aws = undefined;
});

const expectSuccess = (phase: Phase, report: { status: string; errorCode?: string; message?: string }) =>
    expect({ phase, status: report.status, failure: report.status === 'SUCCESS' ? undefined : `${report.errorCode}: ${report.message}` }).toEqual({
        phase,
        status: 'SUCCESS',
        failure: undefined,
    });

/** Scripts sent to an instance, by the purpose in their comment (Activate, Configure CLI). */
const scriptsSent = (aws: LocalAws, purpose: string) => [...aws.emulator.state.commands.values()].flat().filter((c) => c.comment?.startsWith(purpose));
/** Groups allowed into the cluster's security group, other than its own (CloudHSM lets the HSMs reach each other). */
function ruleSources(aws: LocalAws, clusterId: string) {
    const groupId = aws.emulator.state.clusters.get(clusterId)!.securityGroup;
    return aws.emulator.state.securityGroups.get(groupId)!.ingress.map((r) => r.sourceGroupId).filter((source) => source !== groupId);
}

it.each(LOSSES)('$phase: the answer to $service $action is lost ($lostAs) after the work was done; the operations end SUCCESS with one of everything', async (loss) => {
    // GIVEN an account with room for a second cluster, were one made by mistake, and a replacement instance
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
    const replacement = addManagementInstance(aws.emulator.state, aws.network.subnetIds.b);
    const driver = aws.driver(clusterType);
    const armFor = (phase: Phase) => {
        if (phase === loss.phase) aws!.emulator.faults.add({ service: loss.service, action: loss.action, kind: 'lose-response', lostAs: loss.lostAs, times: 1 });
    };

    // WHEN the cluster lives its whole life, with one answer lost in one phase
    armFor('create');
    const properties = clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }] });
    const created = await driver.create(properties);
    expectSuccess('create', created);
    const clusterId = created.model!.ClusterId as string;

    // THEN the create made one cluster, two HSMs, three secrets, and activated once
    expect(liveClusters(aws).map((c) => c.clusterId)).toEqual([clusterId]);
    expect(aws.emulator.state.clusters.get(clusterId)!.state).toBe('ACTIVE');
    expect(liveHsms(aws, clusterId)).toHaveLength(2);
    // admin credentials and trust anchor; the CA key is destroyed once the cluster is initialized
    expect(secretsOf(aws, clusterId)).toHaveLength(2);
    expect(scriptsSent(aws, 'Activate')).toHaveLength(1);
    expect(ruleSources(aws, clusterId)).toEqual([aws.network.managementSecurityGroupId]);

    // Each scenario goes on only as far as the phase of its loss.
    const current = { ...properties, ClusterId: clusterId } as Record<string, unknown>;
    if (loss.phase === 'grow and move' || loss.phase === 'shrink') await growMoveAndShrink(aws, current, replacement, armFor, loss.phase);
    if (loss.phase === 'delete') {
        // WHEN it is deleted
        armFor('delete');
        expectSuccess('delete', await driver.delete(current));
        // THEN nothing is left but what the type documents
        expectOnlyDocumentedLeftovers(aws, clusterId);
    }

    // AND the answer was indeed lost, once
    const lost = aws.emulator.calls.filter((c) => c.responseLost);
    expect(lost.map((c) => `${c.service}:${c.action}:${c.responseLost}`)).toEqual([`${loss.service}:${loss.action}:${loss.lostAs}`]);
});

async function growMoveAndShrink(aws: LocalAws, properties: Record<string, unknown>, replacement: { instanceId: string; securityGroupId: string }, armFor: (phase: Phase) => void, last: Phase) {
    const driver = aws.driver(clusterType);
    const clusterId = properties.ClusterId as string;

    // WHEN it grows to two HSMs per subnet, changes its settings and tags, and moves to another instance
    armFor('grow and move');
    const grown = { ...properties, HsmsPerSubnet: 2, BackupRetentionDays: 30, Tags: [{ Key: 'env', Value: 'prod' }], ManagementInstanceId: replacement.instanceId };
    expectSuccess('grow and move', await driver.update(properties, grown));

    // THEN
    const cluster = aws.emulator.state.clusters.get(clusterId)!;
    expect(liveHsms(aws, clusterId)).toHaveLength(4);
    expect(cluster.backupRetentionDays).toBe(30);
    expect(Object.keys(cluster.tags).filter((k) => !k.startsWith('cloudhsm-type:'))).toEqual(['env']);
    expect(ruleSources(aws, clusterId)).toEqual([replacement.securityGroupId]);
    expect(scriptsSent(aws, 'Configure CLI')).toHaveLength(1);
    if (last === 'grow and move') return;

    // WHEN it shrinks back to one HSM per subnet
    armFor('shrink');
    const shrunk = { ...grown, HsmsPerSubnet: 1 };
    expectSuccess('shrink', await driver.update(grown, shrunk));
    expect(liveHsms(aws, clusterId)).toHaveLength(2);
}
