/**
 * HSMs keep their IPv4 addresses across a park: HsmsPerSubnet 0 records each HSM's address in a tag on the
 * cluster, and growing back asks CreateHsm for those addresses. An address something else took meanwhile is
 * refused by CloudHSM; that HSM gets a new address, and the update's message says which.
 */
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';
import { liveHsms } from './mid-workflow';

const PARKED_TAG = 'cloudhsm-type:parked-hsm-ips';
const deliverTwice = { retryAfterSeconds: 5 };

let aws: LocalAws;
let current: Record<string, unknown>;
let clusterId: string;
let addressesBeforePark: Record<string, string[]>;

beforeAll(async () => {
    aws = await startLocalAws();
    current = clusterProperties(aws, { HsmsPerSubnet: 2 });
    const created = await aws.driver(clusterType).create(current);
    expect(created.status).toBe('SUCCESS');
    clusterId = created.model!.ClusterId as string;
    current = { ...current, ClusterId: clusterId };
});
afterAll(() => aws.stop());

const cluster = () => aws.emulator.state.clusters.get(clusterId)!;
/** Subnet → sorted addresses of the cluster's HSMs there. */
const addressesBySubnet = () => {
    const bySubnet: Record<string, string[]> = {};
    for (const hsm of liveHsms(aws, clusterId)) (bySubnet[hsm.subnetId] ??= []).push(hsm.eniIp);
    for (const list of Object.values(bySubnet)) list.sort();
    return bySubnet;
};
const answered = (action: string, from: number) => aws.emulator.calls.slice(from).filter((c) => c.action === action && !c.error);

async function update(changes: Record<string, unknown>, options = {}) {
    const desired = { ...current, ...changes };
    const report = await aws.driver(clusterType).update(current, desired, options);
    expect({ status: report.status, failure: report.errorCode && `${report.errorCode}: ${report.message}` }).toEqual({ status: 'SUCCESS', failure: undefined });
    expect(report.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
    current = desired;
    return report;
}

test('a park with every event delivered twice records every HSM address in one tag, then deletes the HSMs', async () => {
    // GIVEN two HSMs in each of two subnets
    const before = addressesBySubnet();
    expect(Object.values(before).flat()).toHaveLength(4);
    const from = aws.emulator.calls.length;

    // WHEN the cluster is parked, CloudFormation losing every first response
    const parked = await update({ HsmsPerSubnet: 0 }, { deliverTwice });

    // THEN no HSM is left, and the tag names the four addresses (written once, before the first DeleteHsm)
    expect(liveHsms(aws, clusterId)).toEqual([]);
    expect(parked.model!.Hsms).toEqual([]);
    const tagged = cluster().tags[PARKED_TAG];
    expect(tagged).toMatch(/^10\.0\.=/);
    const remembered = tagged.slice(tagged.indexOf('=') + 1).split(' ').map((suffix) => `10.0.${suffix}`);
    expect(remembered.sort()).toEqual(Object.values(before).flat().sort());
    const tagCalls = answered('TagResource', from);
    expect(tagCalls).toHaveLength(1);
    const firstDelete = aws.emulator.calls.findIndex((c, i) => i >= from && c.action === 'DeleteHsm');
    expect(aws.emulator.calls.indexOf(tagCalls[0])).toBeLessThan(firstDelete);
    expect(answered('DeleteHsm', from)).toHaveLength(4);
    // Kept for the grow-back; parked, the message is silent about addresses.
    expect(parked.message ?? '').not.toMatch(/HSM addresses/);
    addressesBeforePark = before;
});

test('growing back with every event delivered twice puts every HSM at its former address and drops the tag', async () => {
    // GIVEN the parked cluster and the addresses its HSMs had
    const before = addressesBeforePark;
    const from = aws.emulator.calls.length;

    // WHEN it grows back to two HSMs per subnet
    const grown = await update({ HsmsPerSubnet: 2 }, { deliverTwice });

    // THEN the same addresses in the same subnets, from four CreateHsm calls that each named its address
    expect(addressesBySubnet()).toEqual(before);
    const creates = answered('CreateHsm', from);
    expect(creates).toHaveLength(4);
    expect(aws.emulator.calls.slice(from).filter((c) => c.action === 'CreateHsm' && c.error)).toEqual([]);
    expect(cluster().tags[PARKED_TAG]).toBeUndefined();
    expect(grown.message ?? '').not.toMatch(/HSM addresses/);
    expect((grown.model!.Hsms as Array<{ EniIp: string }>).map((h) => h.EniIp).sort()).toEqual(Object.values(before).flat().sort());
});

test('an address taken while the cluster was parked goes to a new address, and the message names the HSM and both addresses', async () => {
    // GIVEN a park, and an instance started in subnet a at one of the parked addresses
    const before = addressesBySubnet();
    await update({ HsmsPerSubnet: 0 });
    const subnetA = aws.network.subnetIds.a;
    const takenAddress = before[subnetA][0];
    addManagementInstance(aws.emulator.state, subnetA, { privateIpAddress: takenAddress });
    const from = aws.emulator.calls.length;

    // WHEN the cluster grows back
    const grown = await update({ HsmsPerSubnet: 2 });

    // THEN CloudHSM refused that one address; the HSM took another, the others are back where they were
    const refused = aws.emulator.calls.slice(from).filter((c) => c.action === 'CreateHsm' && c.error);
    expect(refused.map((c) => c.error)).toEqual(['CloudHsmInvalidRequestException']);
    const after = addressesBySubnet();
    expect(after[aws.network.subnetIds.b]).toEqual(before[aws.network.subnetIds.b]);
    expect(after[subnetA]).toContain(before[subnetA][1]);
    const newAddress = after[subnetA].find((ip) => !before[subnetA].includes(ip))!;
    expect(newAddress).toMatch(/^10\.0\.1\.\d+$/);
    expect(newAddress).not.toBe(takenAddress);
    const movedHsm = liveHsms(aws, clusterId).find((h) => h.eniIp === newAddress)!;
    expect(grown.message).toBe(
        `HSM addresses: HSM ${movedHsm.hsmId} in ${movedHsm.availabilityZone} has the new address ${newAddress}: its former address ${takenAddress} was not free any more.`,
    );
    expect(cluster().tags[PARKED_TAG]).toBeUndefined();
});
