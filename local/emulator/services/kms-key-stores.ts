/**
 * KMS custom key stores of type AWS_CLOUDHSM: creation against a CloudHSM cluster with KMS's cluster
 * requirements, description with paging, update and deletion with their connection-state rules. Connecting
 * and disconnecting live in kms-connections.ts. External (XKS) stores exist only as seeded entries, so that
 * callers can be tested against a list that holds both types.
 */
import { randomBytes } from 'crypto';
import { ServiceContext } from '../server';
import { Cluster, CustomKeyStore } from '../state';
import type { CloudHsmService } from './cloudhsm';
import {
    creationKey,
    kmsError,
    limitFrom,
    newCustomKeyStoreId,
    optionalEnum,
    optionalString,
    pageOf,
    pagingMembers,
    requireString,
} from './kms-rules';

/** Adjustable per account, as AWS adjusts them on request. */
export interface KmsQuotas {
    customKeyStoresPerAccount: number;
}

export const defaultKmsQuotas: KmsQuotas = { customKeyStoresPerAccount: 10 };

const defaultDescribeLimit = 100;
const nameRule = { minLength: 1, maxLength: 256 };
/** kms model: CloudHsmClusterIdType. */
const clusterIdRule = { minLength: 19, maxLength: 24, pattern: 'cluster-[2-7a-zA-Z]{11,16}' };
const trustAnchorRule = { minLength: 1, maxLength: 5000 };
/** KMS only records the password it is told; these are its length limits, not CloudHSM's (8–32). */
export const keyStorePasswordRule = { minLength: 7, maxLength: 32, sensitive: true };
const xksMembers = [
    'XksProxyUriEndpoint',
    'XksProxyUriPath',
    'XksProxyVpcEndpointServiceName',
    'XksProxyAuthenticationCredential',
    'XksProxyConnectivity',
];

export function keyStoreNotFound(id: string): Error {
    return kmsError('CustomKeyStoreNotFoundException', `Custom key store ${id} does not exist in this account and Region.`);
}

export function keyStoreInvalidState(message: string): Error {
    return kmsError('CustomKeyStoreInvalidStateException', message);
}

function externalKeyStoresUnsupported(): Error {
    return kmsError(
        'UnsupportedOperationException',
        'The emulated KMS does not support external key stores (EXTERNAL_KEY_STORE); only AWS_CLOUDHSM key stores can be created, connected or changed.',
    );
}

/**
 * What a cluster lacks to back a CloudHSM key store (CreateCustomKeyStore, UpdateCustomKeyStore, CreateKey):
 * subnets in two Availability Zones and two ACTIVE HSMs in different ones. Undefined when it has both.
 */
export function clusterConfigurationProblem(cluster: Cluster): string | undefined {
    const subnetZones = Object.keys(cluster.subnetMapping);
    if (subnetZones.length < 2) {
        return (
            `The CloudHSM cluster ${cluster.clusterId} has subnets in ${subnetZones.length} Availability Zone(s). ` +
            'A cluster associated with a custom key store must have private subnets in at least two Availability Zones.'
        );
    }
    const activeHsms = cluster.hsms.filter((h) => h.state === 'ACTIVE');
    const activeZones = new Set(activeHsms.map((h) => h.availabilityZone));
    if (activeZones.size < 2) {
        return (
            `The CloudHSM cluster ${cluster.clusterId} has ${activeHsms.length} active HSM(s) in ${activeZones.size} Availability Zone(s). ` +
            'A cluster associated with a custom key store must have at least two active HSMs, each in a different Availability Zone. ' +
            'Add HSMs with the CloudHSM CreateHsm operation.'
        );
    }
    return undefined;
}

function sameCertificate(a: string, b: string | undefined): boolean {
    return b !== undefined && a.trim() === b.trim();
}

export class KeyStores {
    constructor(
        private readonly ctx: ServiceContext,
        private readonly quotas: KmsQuotas,
    ) {}

    private get stores(): Map<string, CustomKeyStore> {
        return this.ctx.state.keyStores;
    }

    private get cloudHsm(): CloudHsmService {
        return this.ctx.service<CloudHsmService>('cloudhsmv2');
    }

    find(customKeyStoreId: string): CustomKeyStore {
        const store = this.stores.get(customKeyStoreId);
        if (!store) throw keyStoreNotFound(customKeyStoreId);
        return store;
    }

    /** An external key store entry, DISCONNECTED, with a public-endpoint proxy; only for tests of mixed lists. */
    seedExternal(name: string): CustomKeyStore {
        if (this.byName(name)) throw new Error(`A custom key store named ${name} already exists`);
        const store: CustomKeyStore = {
            customKeyStoreId: newCustomKeyStoreId(),
            name,
            type: 'EXTERNAL_KEY_STORE',
            creationDate: this.ctx.clock.now() / 1000,
            connectionState: 'DISCONNECTED',
            xksProxy: {
                connectivity: 'PUBLIC_ENDPOINT',
                uriEndpoint: 'https://xks-proxy.example.com',
                uriPath: '/example/prefix/kms/xks/v1',
                accessKeyId: `XKS${randomBytes(10).toString('hex').toUpperCase().slice(0, 17)}`,
            },
        };
        this.stores.set(store.customKeyStoreId, store);
        return store;
    }

    create(input: any): unknown {
        const name = requireString(input, 'CustomKeyStoreName', nameRule);
        const type = optionalEnum(input, 'CustomKeyStoreType', ['AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const) ?? 'AWS_CLOUDHSM';
        if (type === 'EXTERNAL_KEY_STORE') throw externalKeyStoresUnsupported();
        const clusterId = requireString(input, 'CloudHsmClusterId', clusterIdRule);
        const trustAnchorPem = requireString(input, 'TrustAnchorCertificate', trustAnchorRule);
        const password = requireString(input, 'KeyStorePassword', keyStorePasswordRule);

        const existing = this.byName(name);
        if (existing) {
            // AWS's own idempotency: the same request while the store is still disconnected answers with its ID.
            const identical =
                existing.type === 'AWS_CLOUDHSM' &&
                existing.clusterId === clusterId &&
                sameCertificate(trustAnchorPem, existing.trustAnchorPem) &&
                existing.kmsUserPassword === password;
            if (identical && existing.connectionState === 'DISCONNECTED') return { CustomKeyStoreId: existing.customKeyStoreId };
            throw kmsError('CustomKeyStoreNameInUseException', `A custom key store named ${name} already exists in this account and Region.`);
        }
        if (this.stores.size >= this.quotas.customKeyStoresPerAccount) {
            throw kmsError(
                'LimitExceededException',
                `This account already has ${this.stores.size} custom key stores in ${this.ctx.state.region}, ` +
                    `the quota of custom key stores per account and Region (${this.quotas.customKeyStoresPerAccount}).`,
            );
        }
        const cluster = this.usableCluster(clusterId);
        const lineage = this.cloudHsm.backupLineage(clusterId) ?? clusterId;
        const user = [...this.stores.values()].find(
            (s) => s.type === 'AWS_CLOUDHSM' && (s.clusterId === clusterId || s.clusterLineage === lineage),
        );
        if (user) {
            const how = user.clusterId === clusterId ? '' : ` (cluster ${user.clusterId}, which shares its backup history)`;
            throw kmsError(
                'CloudHsmClusterInUseException',
                `The CloudHSM cluster ${clusterId} is already associated with custom key store ${user.customKeyStoreId}${how}. ` +
                    'Each custom key store needs a cluster that no other custom key store uses and that shares no backup history with one.',
            );
        }
        if (!sameCertificate(trustAnchorPem, cluster.pki?.trustAnchorPem)) {
            throw kmsError(
                'IncorrectTrustAnchorException',
                `The trust anchor certificate does not match the trust anchor of CloudHSM cluster ${clusterId}. ` +
                    'Use the content of the customerCA.crt file that you created when you initialized the cluster.',
            );
        }
        const store: CustomKeyStore = {
            customKeyStoreId: newCustomKeyStoreId(),
            name,
            type: 'AWS_CLOUDHSM',
            creationDate: this.ctx.clock.now() / 1000,
            connectionState: 'DISCONNECTED',
            clusterId,
            clusterLineage: lineage,
            trustAnchorPem,
            kmsUserPassword: password,
        };
        this.stores.set(store.customKeyStoreId, store);
        return { CustomKeyStoreId: store.customKeyStoreId };
    }

    describe(input: any): unknown {
        const id = optionalString(input, 'CustomKeyStoreId', { maxLength: 64 });
        const name = optionalString(input, 'CustomKeyStoreName', nameRule);
        const limit = limitFrom(input, defaultDescribeLimit);
        if (id !== undefined && name !== undefined) {
            throw kmsError('ValidationException', 'Specify either CustomKeyStoreId or CustomKeyStoreName, not both.');
        }
        let stores: CustomKeyStore[];
        if (id !== undefined) {
            stores = [this.find(id)];
        } else if (name !== undefined) {
            const store = this.byName(name);
            if (!store) throw kmsError('CustomKeyStoreNotFoundException', `No custom key store named ${name} exists in this account and Region.`);
            stores = [store];
        } else {
            stores = [...this.stores.values()];
        }
        const keyOf = (s: CustomKeyStore) => creationKey(s.creationDate, s.customKeyStoreId);
        stores.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
        const { page, nextMarker } = pageOf(stores, keyOf, limit, input?.Marker);
        return { CustomKeyStores: page.map(wireKeyStore), ...pagingMembers(nextMarker) };
    }

    update(input: any): unknown {
        const store = this.find(requireString(input, 'CustomKeyStoreId', { maxLength: 64 }));
        const newName = optionalString(input, 'NewCustomKeyStoreName', nameRule);
        const password = optionalString(input, 'KeyStorePassword', keyStorePasswordRule);
        const clusterId = optionalString(input, 'CloudHsmClusterId', clusterIdRule);
        if (xksMembers.some((member) => input?.[member] !== undefined)) throw externalKeyStoresUnsupported();
        if (newName === undefined && password === undefined && clusterId === undefined) {
            throw kmsError('ValidationException', 'Specify at least one of NewCustomKeyStoreName, KeyStorePassword or CloudHsmClusterId.');
        }
        if (store.type !== 'AWS_CLOUDHSM' && (password !== undefined || clusterId !== undefined)) throw externalKeyStoresUnsupported();
        // The API reference: the name changes while CONNECTED or DISCONNECTED, everything else only while DISCONNECTED.
        if ((password !== undefined || clusterId !== undefined) && store.connectionState !== 'DISCONNECTED') {
            throw keyStoreInvalidState(
                `Custom key store ${store.customKeyStoreId} is ${store.connectionState}. KeyStorePassword and CloudHsmClusterId can be changed ` +
                    'only while the custom key store is DISCONNECTED. Disconnect it (DisconnectCustomKeyStore) first.',
            );
        }
        if (newName !== undefined && store.connectionState !== 'CONNECTED' && store.connectionState !== 'DISCONNECTED') {
            throw keyStoreInvalidState(
                `Custom key store ${store.customKeyStoreId} is ${store.connectionState}. NewCustomKeyStoreName can be changed only while ` +
                    'the custom key store is CONNECTED or DISCONNECTED.',
            );
        }
        if (newName !== undefined && newName !== store.name && this.byName(newName)) {
            throw kmsError('CustomKeyStoreNameInUseException', `A custom key store named ${newName} already exists in this account and Region.`);
        }
        let lineage = store.clusterLineage;
        if (clusterId !== undefined) {
            if (!this.liveCluster(clusterId)) throw clusterNotFound(clusterId);
            lineage = this.cloudHsm.backupLineage(clusterId) ?? clusterId;
            if (lineage !== store.clusterLineage) {
                throw kmsError(
                    'CloudHsmClusterNotRelatedException',
                    `The CloudHSM cluster ${clusterId} is not related to cluster ${store.clusterId} of custom key store ${store.customKeyStoreId}. ` +
                        'Specify a cluster that shares a backup history with the original cluster, such as one created from its backup.',
                );
            }
            this.usableCluster(clusterId);
        }
        if (newName !== undefined) store.name = newName;
        if (password !== undefined) store.kmsUserPassword = password;
        if (clusterId !== undefined) {
            store.clusterId = clusterId;
            store.clusterLineage = lineage;
        }
        return {};
    }

    delete(input: any): unknown {
        const store = this.find(requireString(input, 'CustomKeyStoreId', { maxLength: 64 }));
        if (store.connectionState !== 'DISCONNECTED') {
            throw keyStoreInvalidState(
                `Custom key store ${store.customKeyStoreId} is ${store.connectionState}. Disconnect it (DisconnectCustomKeyStore) before deleting it.`,
            );
        }
        const keys = [...this.ctx.state.kmsKeys.values()].filter((k) => k.customKeyStoreId === store.customKeyStoreId);
        if (keys.length > 0) {
            const pending = keys.filter((k) => k.deletionDate !== undefined).length;
            throw kmsError(
                'CustomKeyStoreHasCMKsException',
                `Custom key store ${store.customKeyStoreId} still holds ${keys.length} KMS key(s)` +
                    (pending > 0 ? `, ${pending} of them pending deletion` : '') +
                    '. Schedule the deletion of every KMS key in the store and wait until the waiting period ends before deleting the store.',
            );
        }
        // The cluster and kmsuser stay as they are: deleting a key store touches neither.
        this.stores.delete(store.customKeyStoreId);
        return {};
    }

    private byName(name: string): CustomKeyStore | undefined {
        return [...this.stores.values()].find((s) => s.name === name);
    }

    private liveCluster(clusterId: string): Cluster | undefined {
        const cluster = this.cloudHsm.findCluster(clusterId);
        return cluster && cluster.state !== 'DELETED' ? cluster : undefined;
    }

    /** A cluster that can back a key store now: it exists, is ACTIVE and meets KMS's configuration rules. */
    private usableCluster(clusterId: string): Cluster {
        const cluster = this.liveCluster(clusterId);
        if (!cluster) throw clusterNotFound(clusterId);
        if (cluster.state !== 'ACTIVE') {
            throw kmsError(
                'CloudHsmClusterNotActiveException',
                `The CloudHSM cluster ${clusterId} is ${cluster.state}, not ACTIVE. Initialize and activate the cluster before using it with a custom key store.`,
            );
        }
        const problem = clusterConfigurationProblem(cluster);
        if (problem) throw kmsError('CloudHsmClusterInvalidConfigurationException', problem);
        return cluster;
    }
}

function clusterNotFound(clusterId: string): Error {
    return kmsError('CloudHsmClusterNotFoundException', `KMS cannot find the CloudHSM cluster ${clusterId} in this account and Region.`);
}

/** A DescribeCustomKeyStores entry; ConnectionErrorCode appears only while the store is FAILED. */
function wireKeyStore(store: CustomKeyStore): Record<string, unknown> {
    const entry: Record<string, unknown> = {
        CustomKeyStoreId: store.customKeyStoreId,
        CustomKeyStoreName: store.name,
        CustomKeyStoreType: store.type,
        ConnectionState: store.connectionState,
        CreationDate: store.creationDate,
    };
    if (store.connectionState === 'FAILED' && store.connectionErrorCode) entry.ConnectionErrorCode = store.connectionErrorCode;
    if (store.type === 'AWS_CLOUDHSM') {
        entry.CloudHsmClusterId = store.clusterId;
        entry.TrustAnchorCertificate = store.trustAnchorPem;
    } else if (store.xksProxy) {
        entry.XksProxyConfiguration = {
            Connectivity: store.xksProxy.connectivity,
            AccessKeyId: store.xksProxy.accessKeyId,
            UriEndpoint: store.xksProxy.uriEndpoint,
            UriPath: store.xksProxy.uriPath,
        };
    }
    return entry;
}
