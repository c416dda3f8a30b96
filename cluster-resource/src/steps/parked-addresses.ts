/**
 * Keeping HSM addresses across a park: before the first HSM of a cluster going to 0 is deleted, the addresses
 * of its HSMs go into a tag on the cluster (a place AWS keeps, that a replayed step reads back); growing back,
 * each new HSM asks CreateHsm for a remembered address of its subnet. An address that is no longer free is
 * refused by CloudHSM; the HSM then takes a new one, and the operation's message says so.
 */
import { CreateHsmCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { isAwsError } from '../../../shared/aws/error-table';
import { decodeParkedAddresses, encodeParkedAddresses, inCidr } from '../parked-addresses';
import { ApiCluster, INTERNAL_TAG, isLiveHsm, tagValue } from '../translate';
import { ClusterScope } from '../workflows/scope';

const parkedAddresses = (cluster: ApiCluster): string[] => decodeParkedAddresses(tagValue(cluster, INTERNAL_TAG.parkedHsmAddresses));

/** Adds the addresses of the cluster's HSMs to the tag; a replay after some deletions keeps the earlier ones. */
export async function rememberAddresses(scope: ClusterScope, cluster: ApiCluster): Promise<void> {
    const remembered = parkedAddresses(cluster);
    const current = (cluster.Hsms ?? []).filter((h) => h.State !== 'DELETED').map((h) => h.EniIp!);
    const all = [...new Set([...remembered, ...current])];
    if (all.length === remembered.length) return;
    const { value, dropped } = encodeParkedAddresses(all);
    if (dropped.length) addNote(scope, `the addresses ${dropped.join(', ')} did not fit in the cluster's tag and will not be taken again`);
    await scope.cloudhsm.send(new TagResourceCommand({ ResourceId: scope.clusterId, TagList: [{ Key: INTERNAL_TAG.parkedHsmAddresses, Value: value }] }));
    scope.changed();
}

/**
 * CreateHsm in `availabilityZone` at the first remembered address of its subnet that CloudHSM accepts (an
 * address CloudHSM would otherwise pick for this HSM may be the next one's), else at a new address.
 */
export async function createHsmAtRememberedAddress(scope: ClusterScope, cluster: ApiCluster, availabilityZone: string): Promise<void> {
    const create = (IpAddress?: string) => scope.cloudhsm.send(new CreateHsmCommand({ ClusterId: scope.clusterId, AvailabilityZone: availabilityZone, IpAddress }));
    for (const address of await rememberedAddressesFor(scope, cluster, availabilityZone)) {
        try {
            return void (await create(address));
        } catch (err) {
            // Refused, CreateHsm did nothing: the address is taken (or no longer the subnet's). Any other reason
            // to refuse comes back from the call without an address.
            if (!isAwsError(err, 'CloudHsmInvalidRequestException')) throw err;
            scope.logger.log(`CreateHsm refused ${address} in ${availabilityZone}: ${(err as Error).message}`);
            (scope.data.refusedAddresses ??= []).push(address);
        }
    }
    await create();
}

async function rememberedAddressesFor(scope: ClusterScope, cluster: ApiCluster, availabilityZone: string): Promise<string[]> {
    const inUse = new Set([...(cluster.Hsms ?? []).filter(isLiveHsm).map((h) => h.EniIp), ...(scope.data.refusedAddresses ?? [])]);
    const candidates = parkedAddresses(cluster).filter((ip) => !inUse.has(ip));
    if (!candidates.length) return [];
    const subnetId = cluster.SubnetMapping?.[availabilityZone];
    const cidr = (await scope.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId!] }))).Subnets?.[0]?.CidrBlock;
    return cidr ? candidates.filter((ip) => inCidr(ip, cidr)) : [];
}

/**
 * Once the cluster has grown back, the tag goes (a later park records the addresses then), and the message
 * names every HSM that did not get its former address back.
 */
export async function forgetAddresses(scope: ClusterScope, cluster: ApiCluster): Promise<void> {
    const remembered = parkedAddresses(cluster);
    if (!tagValue(cluster, INTERNAL_TAG.parkedHsmAddresses)) return;
    const hsms = (cluster.Hsms ?? []).filter(isLiveHsm);
    const unused = remembered.filter((ip) => !hsms.some((h) => h.EniIp === ip));
    const subnets = unused.length ? (await scope.ec2.send(new DescribeSubnetsCommand({ SubnetIds: Object.values(cluster.SubnetMapping ?? {}) }))).Subnets ?? [] : [];
    for (const hsm of hsms.filter((h) => !remembered.includes(h.EniIp!))) {
        const cidr = subnets.find((s) => s.SubnetId === hsm.SubnetId)?.CidrBlock;
        const former = unused.filter((ip) => cidr && inCidr(ip, cidr));
        if (!former.length) continue;
        const taken = former.shift()!;
        unused.splice(unused.indexOf(taken), 1);
        addNote(scope, `HSM ${hsm.HsmId} in ${hsm.AvailabilityZone} has the new address ${hsm.EniIp}: its former address ${taken} was not free any more`);
    }
    await scope.cloudhsm.send(new UntagResourceCommand({ ResourceId: scope.clusterId, TagKeyList: [INTERNAL_TAG.parkedHsmAddresses] }));
    delete scope.data.refusedAddresses;
    scope.changed();
}

function addNote(scope: ClusterScope, note: string): void {
    const notes = (scope.data.addressNotes ??= []);
    if (!notes.includes(note)) notes.push(note);
    scope.logger.log(note);
}

/** What the finished operation says about addresses, if anything. */
export const addressMessage = (scope: ClusterScope): string | undefined =>
    scope.data.addressNotes?.length ? `HSM addresses: ${scope.data.addressNotes.join('; ')}.` : undefined;
