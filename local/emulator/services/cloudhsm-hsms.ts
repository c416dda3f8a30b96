/**
 * The HSMs of CloudHSM clusters: creation and deletion with their quotas and state rules, ENIs in the
 * cluster's subnets, user replication onto new HSMs, and the service's own replacement of failed HSMs.
 */
import { createClusterKeyAndCsr } from '../pki';
import { ServiceContext } from '../server';
import { Cluster, ClusterState, EmulatorState, Hsm, Subnet } from '../state';
import { CloudHsmBackups } from './cloudhsm-backups';
import {
    CloudHsmQuotas,
    invalidRequest,
    quotaExceeded,
    maximumHsmsPerCluster,
    newCloudHsmId,
    newEc2Id,
    optionalString,
    requireString,
    resourceNotFound,
} from './cloudhsm-rules';
import { wireHsm } from './cloudhsm-wire';

const statesThatTakeHsmChanges: ClusterState[] = ['UNINITIALIZED', 'INITIALIZED', 'ACTIVE', 'DEGRADED'];

/** A cluster that calls can act on: DELETED clusters are still listed for a while but are gone otherwise. */
export function liveCluster(state: EmulatorState, clusterId: string): Cluster {
    const cluster = state.clusters.get(clusterId);
    if (!cluster || cluster.state === 'DELETED') throw resourceNotFound(`The cluster ${clusterId} does not exist.`);
    return cluster;
}

export class HsmFleet {
    /** Replacement HSM ID → the failed HSM it replaces; the failed one goes once the replacement is ACTIVE. */
    private readonly replacements = new Map<string, string>();
    /** Subnet ID → the last IPv4 address an ENI got there (as a number). */
    private readonly lastAddress = new Map<string, number>();

    constructor(
        private readonly ctx: ServiceContext,
        private readonly backups: CloudHsmBackups,
        private readonly quotas: CloudHsmQuotas,
    ) {}

    create(input: any): unknown {
        const cluster = liveCluster(this.ctx.state, requireString(input, 'ClusterId'));
        const availabilityZone = requireString(input, 'AvailabilityZone');
        const requestedIp = optionalString(input, 'IpAddress');
        if (!statesThatTakeHsmChanges.includes(cluster.state)) {
            throw invalidRequest(
                `The cluster ${cluster.clusterId} is in state ${cluster.state}. HSMs can be created only in a cluster that is UNINITIALIZED, INITIALIZED or ACTIVE.`,
            );
        }
        const subnetId = cluster.subnetMapping[availabilityZone];
        if (!subnetId) {
            throw invalidRequest(
                `The Availability Zone ${availabilityZone} is not in the cluster's subnet mapping (${Object.keys(cluster.subnetMapping).join(', ')}).`,
            );
        }
        if (cluster.state === 'UNINITIALIZED' && cluster.hsms.length > 0) {
            throw invalidRequest(
                `The cluster ${cluster.clusterId} is not initialized and already has an HSM. Initialize the cluster before creating more HSMs.`,
            );
        }
        if (cluster.hsms.length >= maximumHsmsPerCluster) {
            throw quotaExceeded(`HSM limit exceeded: the cluster ${cluster.clusterId} already has the maximum of ${maximumHsmsPerCluster} HSMs per cluster.`);
        }
        const hsmsInAccount = [...this.ctx.state.clusters.values()]
            .filter((c) => c.state !== 'DELETED')
            .reduce((count, c) => count + c.hsms.length, 0);
        if (hsmsInAccount >= this.quotas.hsmsPerAccountPerRegion) {
            throw quotaExceeded(
                `HSM limit exceeded: this account already has ${hsmsInAccount} HSMs in ${this.ctx.state.region}, the quota of HSMs per account per region (${this.quotas.hsmsPerAccountPerRegion}).`,
            );
        }
        const subnet = this.ctx.state.subnets.get(subnetId);
        if (!subnet) throw invalidRequest(`The subnet ${subnetId} of Availability Zone ${availabilityZone} no longer exists.`);
        const hsm: Hsm = {
            hsmId: newCloudHsmId('hsm'),
            clusterId: cluster.clusterId,
            availabilityZone,
            subnetId,
            eniId: newEc2Id('eni'),
            eniIp: this.allocateEniIp(subnet, requestedIp),
            ...(cluster.networkType === 'DUALSTACK' ? { eniIpV6: this.allocateEniIpV6(subnet) } : {}),
            state: 'CREATE_IN_PROGRESS',
            stateMessage: 'HSM creation in progress.',
        };
        cluster.hsms.push(hsm);
        this.ctx.startWork('hsmCreateSeconds', hsm.hsmId, () => this.finishCreate(cluster.clusterId, hsm.hsmId));
        return { Hsm: wireHsm(hsm, cluster.hsmType) };
    }

    delete(input: any): unknown {
        const cluster = liveCluster(this.ctx.state, requireString(input, 'ClusterId'));
        const hsmId = optionalString(input, 'HsmId');
        const eniId = optionalString(input, 'EniId');
        const eniIp = optionalString(input, 'EniIp');
        if (!hsmId && !eniId && !eniIp) throw invalidRequest('Specify the HSM to delete with one of HsmId, EniId or EniIp.');
        const candidates = cluster.hsms.filter(
            (h) => (!hsmId || h.hsmId === hsmId) && (!eniId || h.eniId === eniId) && (!eniIp || h.eniIp === eniIp),
        );
        // During a replacement the failed HSM and its replacement share one ENI; an ENI selects the live one.
        const hsm = candidates.find((h) => h.state !== 'DELETE_IN_PROGRESS' && h.state !== 'DEGRADED') ?? candidates[0];
        if (!hsm) {
            throw resourceNotFound(`The HSM ${hsmId ?? eniId ?? eniIp} does not exist in cluster ${cluster.clusterId}.`);
        }
        if (!statesThatTakeHsmChanges.includes(cluster.state)) {
            throw invalidRequest(`The cluster ${cluster.clusterId} is in state ${cluster.state}; its HSMs cannot be deleted now.`);
        }
        if (hsm.state === 'DELETE_IN_PROGRESS') throw invalidRequest(`The HSM ${hsm.hsmId} is already being deleted.`);
        hsm.state = 'DELETE_IN_PROGRESS';
        hsm.stateMessage = 'HSM deletion in progress.';
        this.ctx.startWork('hsmDeleteSeconds', hsm.hsmId, () => {
            if (hsm.state === 'DELETE_IN_PROGRESS') this.remove(cluster, hsm.hsmId);
        });
        return { HsmId: hsm.hsmId };
    }

    /**
     * An HSM fails: it turns DEGRADED and, unless `replace` is false, AWS replaces it with a new HSM (new ID,
     * same ENI and IP); the failed one goes when the replacement is ACTIVE, so the count is one higher meanwhile.
     * Returns the replacement's ID.
     */
    fail(clusterId: string, hsmId: string, replace = true): string | undefined {
        const cluster = liveCluster(this.ctx.state, clusterId);
        const failed = cluster.hsms.find((h) => h.hsmId === hsmId);
        if (!failed) throw resourceNotFound(`The HSM ${hsmId} does not exist in cluster ${clusterId}.`);
        failed.state = 'DEGRADED';
        failed.stateMessage = 'The HSM is unhealthy and is being replaced.';
        if (!replace) return undefined;
        // Before initialization the cluster's key lives only on its one HSM and no backup holds it: the
        // replacement cannot get it back, so it makes a new key and the cluster a new CSR.
        if (cluster.state === 'UNINITIALIZED') cluster.pki = undefined;
        const replacement: Hsm = {
            ...failed,
            hsmId: newCloudHsmId('hsm'),
            state: 'CREATE_IN_PROGRESS',
            stateMessage: 'HSM creation in progress.',
        };
        cluster.hsms.push(replacement);
        this.replacements.set(replacement.hsmId, failed.hsmId);
        this.ctx.startWork('hsmCreateSeconds', replacement.hsmId, () => this.finishCreate(clusterId, replacement.hsmId));
        return replacement.hsmId;
    }

    private finishCreate(clusterId: string, hsmId: string): void {
        const cluster = this.ctx.state.clusters.get(clusterId);
        const hsm = cluster?.hsms.find((h) => h.hsmId === hsmId);
        if (!cluster || !hsm || hsm.state !== 'CREATE_IN_PROGRESS') return;
        hsm.state = 'ACTIVE';
        hsm.stateMessage = 'HSM created.';
        // The first HSM of a new cluster makes the cluster's key pair and the CSR to be signed for it.
        if (cluster.state === 'UNINITIALIZED' && !cluster.pki) {
            const { csrPem, publicKeyPem } = createClusterKeyAndCsr(cluster.clusterId);
            cluster.pki = { csrPem, publicKeyPem };
        }
        // A new HSM is cloned from the cluster: its users and its key objects.
        for (const holder of [...cluster.users, ...(cluster.keys ?? [])]) {
            if (!holder.hsmIds.includes(hsmId)) holder.hsmIds.push(hsmId);
        }
        const replacedHsmId = this.replacements.get(hsmId);
        this.replacements.delete(hsmId);
        if (replacedHsmId) this.remove(cluster, replacedHsmId);
        this.backups.noteChanged(cluster);
    }

    private remove(cluster: Cluster, hsmId: string): void {
        const hsm = cluster.hsms.find((h) => h.hsmId === hsmId);
        if (!hsm) return;
        hsm.state = 'DELETED';
        cluster.hsms = cluster.hsms.filter((h) => h !== hsm);
        for (const holder of [...cluster.users, ...(cluster.keys ?? [])]) holder.hsmIds = holder.hsmIds.filter((id) => id !== hsmId);
        // Before initialization the key lives only on the HSM (there are no backups yet): it goes with it.
        if (cluster.state === 'UNINITIALIZED' && cluster.hsms.length === 0) cluster.pki = undefined;
        this.backups.noteChanged(cluster);
    }

    /** AWS reserves the first four addresses and the last one of every subnet (the network's and broadcast). */
    private allocateEniIp(subnet: Subnet, requestedIp: string | undefined): string {
        const [base, prefixLength] = parseCidr(subnet.cidr);
        const size = 2 ** (32 - prefixLength);
        const first = base + 4;
        const last = base + size - 2;
        const used = this.addressesInUse(subnet);
        if (requestedIp !== undefined) {
            const address = parseIpv4(requestedIp);
            if (address === undefined || address < first || address > last) {
                throw invalidRequest(`The IP address ${requestedIp} is not an available address of subnet ${subnet.subnetId} (${subnet.cidr}).`);
            }
            if (used.has(requestedIp)) throw invalidRequest(`The IP address ${requestedIp} is already in use in subnet ${subnet.subnetId}.`);
            this.lastAddress.set(subnet.subnetId, address);
            return requestedIp;
        }
        // AWS picks any free address: never the one an HSM just gave up, so nothing passes by that luck.
        const start = (this.lastAddress.get(subnet.subnetId) ?? first - 1) + 1;
        for (let offset = 0; offset <= last - first; offset++) {
            const address = first + ((start - first + offset) % (last - first + 1));
            const ip = formatIpv4(address);
            if (!used.has(ip)) {
                this.lastAddress.set(subnet.subnetId, address);
                return ip;
            }
        }
        throw invalidRequest(`The subnet ${subnet.subnetId} has no free IP addresses.`);
    }

    /** Every network interface in the subnet holds its address: HSMs' ENIs (a failed HSM's too) and instances'. */
    private addressesInUse(subnet: Subnet): Set<string> {
        const hsms = [...this.ctx.state.clusters.values()].flatMap((c) => c.hsms).filter((h) => h.subnetId === subnet.subnetId && h.state !== 'DELETED');
        const instances = [...this.ctx.state.instances.values()].filter((i) => i.subnetId === subnet.subnetId && i.state !== 'terminated');
        return new Set([...hsms.map((h) => h.eniIp), ...instances.flatMap((i) => (i.privateIpAddress ? [i.privateIpAddress] : []))]);
    }

    /** The next free address of the subnet's IPv6 /64, past the four AWS reserves at its start. */
    private allocateEniIpV6(subnet: Subnet): string {
        if (!subnet.ipv6Cidr) throw invalidRequest(`The subnet ${subnet.subnetId} has no IPv6 CIDR block, which a DUALSTACK cluster needs.`);
        const prefix = subnet.ipv6Cidr.split('::')[0];
        const used = new Set([...this.ctx.state.clusters.values()].flatMap((c) => c.hsms).map((h) => h.eniIpV6));
        for (let host = 4; ; host++) {
            const ip = `${prefix}::${host.toString(16)}`;
            if (!used.has(ip)) return ip;
        }
    }
}

function parseIpv4(text: string): number | undefined {
    const parts = text.split('.');
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((value, part) => value * 256 + Number(part), 0);
}

function formatIpv4(address: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

function parseCidr(cidr: string): [number, number] {
    const [ip, prefix] = cidr.split('/');
    const address = parseIpv4(ip);
    const prefixLength = Number(prefix);
    if (address === undefined || !Number.isInteger(prefixLength) || prefixLength < 16 || prefixLength > 28) {
        throw new Error(`Emulator state holds a subnet with an unusable CIDR: ${cidr}`);
    }
    const size = 2 ** (32 - prefixLength);
    return [address - (address % size), prefixLength];
}
