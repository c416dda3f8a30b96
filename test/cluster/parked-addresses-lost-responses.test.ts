/**
 * A response lost after the work was done, on each call the new steps make: the park's tag, a grow-back
 * CreateHsm that named its former address, the tag's removal, and an EXTERNAL cluster's record of the CSR it
 * published. Each operation still ends SUCCESS with one of everything and the HSMs at their former addresses.
 */
import type { FaultRule } from '../../local/emulator/faults';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { liveHsms } from './mid-workflow';

type Phase = 'park' | 'grow back';
const LOSSES: Array<{ phase: Phase; action: string; lostAs: NonNullable<FaultRule['lostAs']> }> = [
    { phase: 'park', action: 'TagResource', lostAs: 'internal' },
    { phase: 'park', action: 'TagResource', lostAs: 'drop' },
    { phase: 'grow back', action: 'CreateHsm', lostAs: 'drop' },
    { phase: 'grow back', action: 'CreateHsm', lostAs: 'internal' },
    { phase: 'grow back', action: 'UntagResource', lostAs: 'drop' },
];

let aws: LocalAws | undefined;
afterEach(async () => {
    await aws?.stop();
    aws = undefined;
});

const outcome = (report: { status: string; errorCode?: string; message?: string }) => ({ status: report.status, failure: report.errorCode && `${report.errorCode}: ${report.message}` });
const lostCalls = (aws: LocalAws) => aws.emulator.calls.filter((c) => c.responseLost).map((c) => `${c.action}:${c.responseLost}`);

it.each(LOSSES)('$phase: the answer to CloudHSM $action is lost ($lostAs); the HSMs still come back at their former addresses', async (loss) => {
    // GIVEN an ACTIVE cluster with one HSM in each of two subnets
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    const driver = aws.driver(clusterType);
    const properties = clusterProperties(aws);
    const created = await driver.create(properties);
    expect(outcome(created)).toEqual({ status: 'SUCCESS', failure: undefined });
    const clusterId = created.model!.ClusterId as string;
    const addresses = () => liveHsms(aws!, clusterId).map((h) => h.eniIp).sort();
    const before = addresses();
    const current = { ...properties, ClusterId: clusterId };
    const arm = (phase: Phase) => {
        if (phase === loss.phase) aws!.emulator.faults.add({ service: 'cloudhsmv2', action: loss.action, kind: 'lose-response', lostAs: loss.lostAs, times: 1 });
    };

    // WHEN it is parked and grown back, with one answer lost
    arm('park');
    expect(outcome(await driver.update(current, { ...current, HsmsPerSubnet: 0 }))).toEqual({ status: 'SUCCESS', failure: undefined });
    expect(liveHsms(aws, clusterId)).toEqual([]);
    arm('grow back');
    const grown = await driver.update({ ...current, HsmsPerSubnet: 0 }, current);

    // THEN two HSMs again, at the addresses they had, no tag left, and the answer was indeed lost once
    expect(outcome(grown)).toEqual({ status: 'SUCCESS', failure: undefined });
    expect(addresses()).toEqual(before);
    expect(grown.message ?? '').not.toMatch(/HSM addresses/);
    expect(aws.emulator.state.clusters.get(clusterId)!.tags['cloudhsm-type:parked-hsm-ips']).toBeUndefined();
    expect(lostCalls(aws)).toEqual([`${loss.action}:${loss.lostAs}`]);
});

it("EXTERNAL: the answer to the tag recording the published CSR is lost; the create ends SUCCESS and the record holds that CSR's key", async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    const driver = aws.driver(clusterType);
    aws.emulator.faults.add({ service: 'cloudhsmv2', action: 'TagResource', kind: 'lose-response', lostAs: 'drop', times: 1 });

    const created = await driver.create({ SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, CertificateAuthority: 'EXTERNAL' });

    expect(outcome(created)).toEqual({ status: 'SUCCESS', failure: undefined });
    expect(created.model!.ClusterCsr).toMatch(/BEGIN CERTIFICATE REQUEST/);
    const record = aws.emulator.state.clusters.get(created.model!.ClusterId as string)!.tags['cloudhsm-type:published-csr-keys'];
    expect(record).toMatch(/^[0-9a-f]{16}$/);
    expect(lostCalls(aws)).toEqual(['TagResource:drop']);
});
