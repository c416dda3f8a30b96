/**
 * The emulated CloudHSM v2 service (JSON 1.1, `BaldrApiService`): clusters and their state machine, with HSMs
 * (cloudhsm-hsms.ts) and backups (cloudhsm-backups.ts) beside it. It follows reference/aws-behaviour.md; the
 * CloudHSM CLI stand-in on the instance acts on the same clusters and tells the service about user changes.
 */
import { verifyInitializeCertificates } from '../pki';
import { AwsError } from '../errors';
import { EmulatedService, ServiceContext, ServiceFactory } from '../server';
import { Backup, Cluster, ClusterState, HsmUser, Subnet } from '../state';
import { CloudHsmBackups, lineageOf } from './cloudhsm-backups';
import { cloudHsmConstraints } from './cloudhsm-constraints';
import { HsmFleet, liveCluster } from './cloudhsm-hsms';
import { HsmTypeMigrations } from './cloudhsm-migration';
import {
    CloudHsmQuotas,
    checkTagKey,
    creationKey,
    defaultQuotas,
    defaultRetentionDays,
    invalidRequest,
    limitExceeded,
    quotaExceeded,
    maximumTagsPerResource,
    newCloudHsmId,
    newEc2Id,
    oneOf,
    optionalString,
    pageOf,
    pageSizeFrom,
    requireString,
    retentionDaysFrom,
    tagError,
    tagListOf,
    tagsFrom,
} from './cloudhsm-rules';
import { wireCluster } from './cloudhsm-wire';
import { checkConstraints } from './model-constraints';

const maximumSubnetsPerCluster = 10;
const maximumClustersPerPage = 25;
const maximumTagsPerPage = 100;
const clusterFilterKeys = ['clusterIds', 'vpcIds', 'states'];
const supportedHsmType = 'hsm2m.medium';
/** Between HSMs of a cluster: the ports the HSMs and the clients use. */
const hsmPorts = { fromPort: 2223, toPort: 2225 };

function checkHsmType(hsmType: string): void {
    if (hsmType === 'hsm1.medium') {
        throw invalidRequest(`The HSM type hsm1.medium has reached end of support and can no longer be used. Use ${supportedHsmType}.`);
    }
    if (hsmType !== supportedHsmType) {
        throw invalidRequest(`The HSM type ${hsmType} is not supported. Supported HSM types: ${supportedHsmType}.`);
    }
}

/** DUALSTACK needs VPC and subnets configured for both protocols: an IPv6 CIDR block on every subnet. */
function checkDualStackSubnets(subnets: Subnet[]): void {
    const ipv4Only = subnets.filter((s) => !s.ipv6Cidr).map((s) => s.subnetId);
    if (ipv4Only.length) {
        throw invalidRequest(
            `NetworkType DUALSTACK requires subnets with both IPv4 and IPv6 CIDR blocks; ${ipv4Only.join(', ')} ${ipv4Only.length === 1 ? 'has' : 'have'} no IPv6 CIDR block.`,
        );
    }
}

export class CloudHsmService implements EmulatedService {
    readonly name = 'cloudhsmv2';
    readonly targetPrefix = 'BaldrApiService';
    readonly protocol = 'json1.1' as const;
    /** Adjustable per account, as AWS adjusts them on request. */
    readonly quotas: CloudHsmQuotas = { ...defaultQuotas };
    private readonly backups: CloudHsmBackups;
    private readonly hsms: HsmFleet;
    private readonly migrations: HsmTypeMigrations;

    constructor(private readonly ctx: ServiceContext) {
        this.backups = new CloudHsmBackups(ctx);
        this.hsms = new HsmFleet(ctx, this.backups, this.quotas);
        this.migrations = new HsmTypeMigrations(ctx, this.backups);
    }

    handle(action: string, input: any): unknown {
        checkConstraints(input, cloudHsmConstraints[action]);
        switch (action) {
            case 'CreateCluster':
                return this.createCluster(input);
            case 'DescribeClusters':
                return this.describeClusters(input);
            case 'DeleteCluster':
                return this.deleteCluster(input);
            case 'InitializeCluster':
                return this.initializeCluster(input);
            case 'ModifyCluster':
                return this.modifyCluster(input);
            case 'CreateHsm':
                return this.hsms.create(input);
            case 'DeleteHsm':
                return this.hsms.delete(input);
            case 'DescribeBackups':
                return this.backups.describe(input);
            case 'DeleteBackup':
                return this.backups.delete(input);
            case 'RestoreBackup':
                return this.backups.restore(input);
            case 'ModifyBackupAttributes':
                return this.backups.modifyAttributes(input);
            case 'TagResource':
                return this.tagResource(input);
            case 'UntagResource':
                return this.untagResource(input);
            case 'ListTags':
                return this.listTags(input);
            default:
                throw new AwsError('UnknownOperationException', `The emulated CloudHSM service does not implement ${action}.`);
        }
    }

    /** The cluster as the service holds it (DELETED ones included while they are still listed). */
    findCluster(clusterId: string): Cluster | undefined {
        this.ctx.scheduler.runDue();
        return this.ctx.state.clusters.get(clusterId);
    }

    /**
     * The backup lineage of a cluster: clusters restored from each other's backups share it (KMS lets a key
     * store move only between related clusters). Undefined for an unknown cluster.
     */
    backupLineage(clusterId: string): string | undefined {
        const cluster = this.findCluster(clusterId);
        return cluster && lineageOf(cluster);
    }

    /** The CloudHSM CLI changed users (activation, user create/delete, password): the service takes a backup. */
    noteClusterChanged(clusterId: string): void {
        const cluster = this.ctx.state.clusters.get(clusterId);
        if (cluster) this.backups.noteChanged(cluster);
    }

    /** Simulates an HSM failure; see HsmFleet.fail. Returns the replacement HSM's ID when there is one. */
    failHsm(clusterId: string, hsmId: string, options: { replace?: boolean } = {}): string | undefined {
        return this.hsms.fail(clusterId, hsmId, options.replace ?? true);
    }

    /** Makes the next HSM replacement of a running HSM type migration fail, so that AWS rolls it back. */
    failHsmTypeMigration(clusterId: string, reason: string): void {
        this.migrations.failNext(clusterId, reason);
    }

    /** For tests of service-side maintenance (UPDATE_IN_PROGRESS, DEGRADED, …): no transition follows. */
    setClusterState(clusterId: string, state: ClusterState, stateMessage = ''): void {
        const cluster = this.ctx.state.clusters.get(clusterId);
        if (!cluster) throw new Error(`No cluster ${clusterId} in the emulator`);
        cluster.state = state;
        cluster.stateMessage = stateMessage;
    }

    private createCluster(input: any): unknown {
        const hsmType = requireString(input, 'HsmType');
        checkHsmType(hsmType);
        const subnets = this.subnetsFor(input?.SubnetIds);
        const requestedMode = input?.Mode === undefined ? undefined : oneOf(String(input.Mode), ['FIPS', 'NON_FIPS'] as const, 'Mode');
        const networkType =
            input?.NetworkType === undefined ? 'IPV4' : oneOf(String(input.NetworkType), ['IPV4', 'DUALSTACK'] as const, 'NetworkType');
        if (networkType === 'DUALSTACK') checkDualStackSubnets(subnets);
        const backupRetentionDays =
            input?.BackupRetentionPolicy === undefined ? defaultRetentionDays : retentionDaysFrom(input.BackupRetentionPolicy);
        const tags = tagsFrom(input?.TagList);
        const sourceBackupId = optionalString(input, 'SourceBackupId');
        const source = sourceBackupId === undefined ? undefined : this.backups.findRestorable(sourceBackupId);
        if (source && requestedMode && requestedMode !== source.mode) {
            throw invalidRequest(`The backup ${source.backupId} is of a ${source.mode} cluster; a restored cluster keeps the mode of its backup.`);
        }
        const clusters = [...this.ctx.state.clusters.values()].filter((c) => c.state !== 'DELETED');
        if (clusters.length >= this.quotas.clustersPerRegion) {
            throw quotaExceeded(
                `Cluster limit exceeded: this account already has ${clusters.length} clusters in ${this.ctx.state.region}, the quota of clusters per region (${this.quotas.clustersPerRegion}).`,
            );
        }
        const clusterId = newCloudHsmId('cluster');
        const vpcId = subnets[0].vpcId;
        const cluster: Cluster = {
            clusterId,
            state: 'CREATE_IN_PROGRESS',
            stateMessage: '',
            hsmType,
            mode: source?.mode ?? requestedMode ?? 'FIPS',
            networkType,
            subnetMapping: Object.fromEntries(subnets.map((s) => [s.availabilityZone, s.subnetId])),
            vpcId,
            securityGroup: this.createSecurityGroup(clusterId, vpcId),
            createTimestamp: this.ctx.clock.now() / 1000,
            backupRetentionDays,
            sourceBackupId: source?.backupId,
            tags,
            hsms: [],
            users: [],
            lineage: source?.lineage,
        };
        this.ctx.state.clusters.set(clusterId, cluster);
        this.ctx.startWork(source ? 'clusterRestoreSeconds' : 'clusterCreateSeconds', clusterId, () => this.finishCreate(cluster, source));
        return { Cluster: wireCluster(cluster) };
    }

    private subnetsFor(subnetIds: unknown): Subnet[] {
        if (!Array.isArray(subnetIds) || subnetIds.length === 0) throw invalidRequest('Missing required parameter SubnetIds.');
        if (subnetIds.length > maximumSubnetsPerCluster) {
            throw invalidRequest(`A cluster can have at most ${maximumSubnetsPerCluster} subnets; the request names ${subnetIds.length}.`);
        }
        const subnets = subnetIds.map((id) => {
            const subnet = this.ctx.state.subnets.get(String(id));
            if (!subnet) throw invalidRequest(`The subnet ID ${id} does not exist.`);
            return subnet;
        });
        const offered = this.ctx.state.cloudHsmAvailabilityZones;
        const outside = subnets.find((s) => offered && !offered.includes(s.availabilityZone));
        if (outside) {
            throw invalidRequest(
                `The subnet ${outside.subnetId} is in Availability Zone ${outside.availabilityZone}, where CloudHSM is not available. Availability Zones of ${this.ctx.state.region} that support CloudHSM: ${offered!.join(', ')}.`,
            );
        }
        const zones = new Set(subnets.map((s) => s.availabilityZone));
        if (zones.size !== subnets.length) {
            throw invalidRequest('The subnets must be in different Availability Zones: specify at most one subnet per Availability Zone.');
        }
        if (new Set(subnets.map((s) => s.vpcId)).size > 1) throw invalidRequest('All subnets of a cluster must be in the same VPC.');
        return subnets;
    }

    private createSecurityGroup(clusterId: string, vpcId: string): string {
        const groupId = newEc2Id('sg');
        this.ctx.state.securityGroups.set(groupId, {
            groupId,
            vpcId,
            description: `Security group for the HSMs of CloudHSM cluster ${clusterId}`,
            ingress: [{ protocol: 'tcp', ...hsmPorts, sourceGroupId: groupId }],
        });
        return groupId;
    }

    /** A new cluster waits for its first HSM and initialization; a restored one is ready with the backup's users. */
    private finishCreate(cluster: Cluster, source: Backup | undefined): void {
        if (cluster.state !== 'CREATE_IN_PROGRESS') return;
        if (!source) {
            cluster.state = 'UNINITIALIZED';
            return;
        }
        cluster.pki = {
            csrPem: source.clusterCsrPem ?? '',
            publicKeyPem: source.clusterPublicKeyPem ?? '',
            clusterCertificatePem: source.clusterCertificatePem,
            trustAnchorPem: source.trustAnchorPem,
        };
        cluster.users = source.users.map((user): HsmUser => ({ ...user, hsmIds: [] }));
        cluster.keys = (source.keys ?? []).map((key) => ({ ...key, hsmIds: [] }));
        cluster.state = 'ACTIVE';
    }

    private describeClusters(input: any): unknown {
        const pageSize = pageSizeFrom(input, maximumClustersPerPage);
        const filters: Record<string, unknown> = input?.Filters ?? {};
        for (const [key, values] of Object.entries(filters)) {
            if (!clusterFilterKeys.includes(key)) {
                throw invalidRequest(`Invalid filter key '${key}'. Valid keys: ${clusterFilterKeys.join(', ')}.`);
            }
            if (!Array.isArray(values)) throw invalidRequest(`The values of filter '${key}' must be a list.`);
        }
        const matches = (values: unknown, value: string) => values === undefined || (values as string[]).includes(value);
        const keyOf = (c: Cluster) => creationKey(c.createTimestamp, c.clusterId);
        const clusters = [...this.ctx.state.clusters.values()]
            .filter((c) => matches(filters.clusterIds, c.clusterId))
            .filter((c) => matches(filters.vpcIds, c.vpcId))
            .filter((c) => matches(filters.states, c.state))
            .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
        const { page, nextToken } = pageOf(clusters, keyOf, pageSize, input?.NextToken);
        return { Clusters: page.map(wireCluster), ...(nextToken ? { NextToken: nextToken } : {}) };
    }

    private deleteCluster(input: any): unknown {
        const cluster = liveCluster(this.ctx.state, requireString(input, 'ClusterId'));
        if (cluster.state === 'DELETE_IN_PROGRESS') throw invalidRequest(`The cluster ${cluster.clusterId} is already being deleted.`);
        if (cluster.hsms.length > 0) {
            throw invalidRequest(
                `The cluster ${cluster.clusterId} still has ${cluster.hsms.length} HSM(s). Delete all HSMs before deleting the cluster.`,
            );
        }
        if (cluster.state.endsWith('_IN_PROGRESS')) {
            throw invalidRequest(`The cluster ${cluster.clusterId} is in state ${cluster.state} and cannot be deleted now.`);
        }
        cluster.state = 'DELETE_IN_PROGRESS';
        cluster.stateMessage = '';
        this.backups.takeFinalBackup(cluster);
        this.ctx.startWork('clusterDeleteSeconds', cluster.clusterId, () => {
            if (cluster.state !== 'DELETE_IN_PROGRESS') return;
            cluster.state = 'DELETED';
            this.ctx.state.securityGroups.delete(cluster.securityGroup);
            this.ctx.scheduler.after(this.ctx.durations.deletedClusterVisibleSeconds, () => {
                if (cluster.state === 'DELETED') this.ctx.state.clusters.delete(cluster.clusterId);
            });
        });
        return { Cluster: wireCluster(cluster) };
    }

    private initializeCluster(input: any): unknown {
        const cluster = liveCluster(this.ctx.state, requireString(input, 'ClusterId'));
        const signedCertPem = requireString(input, 'SignedCert');
        const trustAnchorPem = requireString(input, 'TrustAnchor');
        if (cluster.state !== 'UNINITIALIZED') {
            throw invalidRequest(`The cluster ${cluster.clusterId} is in state ${cluster.state}; only an UNINITIALIZED cluster can be initialized.`);
        }
        const pki = cluster.pki;
        if (!pki || !cluster.hsms.some((h) => h.state === 'ACTIVE')) {
            throw invalidRequest(
                `The cluster ${cluster.clusterId} has no ACTIVE HSM. Create an HSM and wait until it is ACTIVE before initializing the cluster.`,
            );
        }
        const problem = verifyInitializeCertificates({ clusterPublicKeyPem: pki.publicKeyPem, signedCertPem, trustAnchorPem });
        if (problem) throw invalidRequest(problem);
        pki.clusterCertificatePem = signedCertPem;
        pki.trustAnchorPem = trustAnchorPem;
        cluster.state = 'INITIALIZE_IN_PROGRESS';
        this.ctx.startWork('clusterInitializeSeconds', cluster.clusterId, () => {
            if (cluster.state !== 'INITIALIZE_IN_PROGRESS') return;
            cluster.state = 'INITIALIZED';
            // The built-in admin waits for `cloudhsm-cli cluster activate` to set its password.
            const hsmIds = cluster.hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId);
            cluster.users = [{ username: 'admin', role: 'unactivated-admin', hsmIds, failedLogins: 0, locked: false }];
        });
        return { State: cluster.state };
    }

    private modifyCluster(input: any): unknown {
        const cluster = liveCluster(this.ctx.state, requireString(input, 'ClusterId'));
        const retentionDays = input?.BackupRetentionPolicy === undefined ? undefined : retentionDaysFrom(input.BackupRetentionPolicy);
        const hsmType = optionalString(input, 'HsmType');
        if (retentionDays === undefined && hsmType === undefined) {
            throw invalidRequest('Specify BackupRetentionPolicy or HsmType to modify the cluster.');
        }
        if (cluster.state === 'DELETE_IN_PROGRESS') throw invalidRequest(`The cluster ${cluster.clusterId} is being deleted.`);
        if (hsmType !== undefined) {
            checkHsmType(hsmType);
            if (hsmType === cluster.hsmType) throw invalidRequest(`The cluster ${cluster.clusterId} already has HSM type ${hsmType}.`);
            if (cluster.state !== 'ACTIVE') {
                throw invalidRequest(`The cluster ${cluster.clusterId} is in state ${cluster.state}; only an ACTIVE cluster can change its HSM type.`);
            }
        }
        if (retentionDays !== undefined) cluster.backupRetentionDays = retentionDays;
        if (hsmType !== undefined) this.migrations.start(cluster, hsmType);
        return { Cluster: wireCluster(cluster) };
    }

    /** Tags live on clusters and backups, named by ID (the model's ResourceId pattern admits no ARN). */
    private taggable(resourceId: string): { tags: Record<string, string> } {
        if (resourceId.startsWith('cluster-')) return liveCluster(this.ctx.state, resourceId);
        return this.backups.find(resourceId);
    }

    private tagResource(input: any): unknown {
        const target = this.taggable(requireString(input, 'ResourceId'));
        if (!Array.isArray(input?.TagList) || input.TagList.length === 0) throw invalidRequest('Missing required parameter TagList.');
        const tags = tagsFrom(input.TagList);
        const merged = { ...target.tags, ...tags };
        if (Object.keys(merged).length > maximumTagsPerResource) {
            throw limitExceeded(`A resource can have at most ${maximumTagsPerResource} tags; this request would give it ${Object.keys(merged).length}.`);
        }
        target.tags = merged;
        return {};
    }

    private untagResource(input: any): unknown {
        const target = this.taggable(requireString(input, 'ResourceId'));
        const keys: unknown = input?.TagKeyList;
        if (!Array.isArray(keys) || keys.length === 0) throw invalidRequest('Missing required parameter TagKeyList.');
        if (keys.length > maximumTagsPerResource) throw tagError(`At most ${maximumTagsPerResource} tag keys can be removed at once.`);
        keys.forEach((key, index) => checkTagKey(key, `tagKeyList.${index + 1}.member`));
        target.tags = Object.fromEntries(Object.entries(target.tags).filter(([key]) => !keys.includes(key)));
        return {};
    }

    private listTags(input: any): unknown {
        const target = this.taggable(requireString(input, 'ResourceId'));
        const pageSize = pageSizeFrom(input, maximumTagsPerPage);
        const tags = tagListOf(target.tags).sort((a, b) => (a.Key < b.Key ? -1 : 1));
        const { page, nextToken } = pageOf(tags, (tag) => tag.Key, pageSize, input?.NextToken);
        return { TagList: page, ...(nextToken ? { NextToken: nextToken } : {}) };
    }
}

export const cloudHsmService: ServiceFactory = (ctx) => new CloudHsmService(ctx);
