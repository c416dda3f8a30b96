/**
 * Connecting and disconnecting CloudHSM key stores. Both are asynchronous: ConnectCustomKeyStore only starts
 * CONNECTING, and whether the store ends CONNECTED or FAILED is decided when the connection completes, from
 * the cluster and its `kmsuser` as they are at that moment. A successful connection rotates the `kmsuser`
 * password, as KMS does, so the password the caller gave stops working.
 */
import { ServiceContext } from '../server';
import { CustomKeyStore, KeyStoreConnectionErrorCode } from '../state';
import type { CloudHsmService } from './cloudhsm';
import { KeyStores, keyStoreInvalidState } from './kms-key-stores';
import { kmsError, newKmsUserPassword, requireString } from './kms-rules';

/** The crypto user KMS logs in as; the name is fixed by KMS. */
export const kmsUserName = 'kmsuser';
/** CloudHSM locks a user after this many failed logins; KMS's failed logins count like anyone's. */
const maxFailedLogins = 5;

export class KeyStoreConnections {
    /**
     * The latest transition started per store: a completion that finds a newer one started (a disconnect
     * during CONNECTING, then a new connect) does nothing.
     */
    private readonly transitionByStore = new Map<string, number>();
    private transitionCount = 0;

    constructor(
        private readonly ctx: ServiceContext,
        private readonly keyStores: KeyStores,
    ) {}

    connect(input: any): unknown {
        const store = this.keyStores.find(requireString(input, 'CustomKeyStoreId', { maxLength: 64 }));
        if (store.type !== 'AWS_CLOUDHSM') {
            throw kmsError('UnsupportedOperationException', 'The emulated KMS cannot connect external key stores (EXTERNAL_KEY_STORE).');
        }
        switch (store.connectionState) {
            case 'CONNECTED':
            case 'CONNECTING':
                return {};
            case 'FAILED':
                throw keyStoreInvalidState(
                    `Custom key store ${store.customKeyStoreId} is FAILED (${store.connectionErrorCode}). ` +
                        'Disconnect it (DisconnectCustomKeyStore) before connecting it again.',
                );
            case 'DISCONNECTING':
                throw keyStoreInvalidState(
                    `Custom key store ${store.customKeyStoreId} is DISCONNECTING. Wait until it is DISCONNECTED before connecting it.`,
                );
        }
        const cluster = store.clusterId === undefined ? undefined : this.ctx.state.clusters.get(store.clusterId);
        // A cluster that is gone is reported by the connection (CLUSTER_NOT_FOUND); one that exists but is not
        // ACTIVE is refused at once, as the ConnectCustomKeyStore reference documents.
        if (cluster && cluster.state !== 'DELETED' && cluster.state !== 'ACTIVE') {
            throw kmsError(
                'CloudHsmClusterNotActiveException',
                `The CloudHSM cluster ${cluster.clusterId} of custom key store ${store.customKeyStoreId} is ${cluster.state}, not ACTIVE.`,
            );
        }
        store.connectionState = 'CONNECTING';
        store.connectionErrorCode = undefined;
        const transition = this.startTransition(store);
        this.ctx.startWork('keyStoreConnectSeconds', store.customKeyStoreId, () => this.finishConnecting(store, transition));
        return {};
    }

    disconnect(input: any): unknown {
        const store = this.keyStores.find(requireString(input, 'CustomKeyStoreId', { maxLength: 64 }));
        if (store.connectionState === 'DISCONNECTED' || store.connectionState === 'DISCONNECTING') {
            throw keyStoreInvalidState(
                `Custom key store ${store.customKeyStoreId} is already ${store.connectionState}. ` +
                    'DisconnectCustomKeyStore is valid only for a store that is CONNECTED, CONNECTING or FAILED.',
            );
        }
        store.connectionState = 'DISCONNECTING';
        const transition = this.startTransition(store);
        this.ctx.startWork('keyStoreDisconnectSeconds', store.customKeyStoreId, () => {
            if (!this.isLatest(store, transition)) return;
            store.connectionState = 'DISCONNECTED';
            store.connectionErrorCode = undefined;
        });
        return {};
    }

    private startTransition(store: CustomKeyStore): number {
        this.transitionCount += 1;
        this.transitionByStore.set(store.customKeyStoreId, this.transitionCount);
        return this.transitionCount;
    }

    private isLatest(store: CustomKeyStore, transition: number): boolean {
        return this.ctx.state.keyStores.get(store.customKeyStoreId) === store && this.transitionByStore.get(store.customKeyStoreId) === transition;
    }

    private finishConnecting(store: CustomKeyStore, transition: number): void {
        if (!this.isLatest(store, transition) || store.connectionState !== 'CONNECTING') return;
        const errorCode = this.connectionError(store);
        if (errorCode) {
            store.connectionState = 'FAILED';
            store.connectionErrorCode = errorCode;
            return;
        }
        const kmsUser = this.kmsUserOf(store)!;
        // KMS takes over kmsuser: from now on only KMS knows its password.
        const password = newKmsUserPassword();
        kmsUser.password = password;
        kmsUser.failedLogins = 0;
        store.kmsUserPassword = password;
        store.connectionState = 'CONNECTED';
        this.ctx.service<CloudHsmService>('cloudhsmv2').noteClusterChanged(store.clusterId!);
    }

    /** Why KMS cannot connect now, in the order it finds out: the cluster, its HSMs, then logging in as kmsuser. */
    private connectionError(store: CustomKeyStore): KeyStoreConnectionErrorCode | undefined {
        const cluster = store.clusterId === undefined ? undefined : this.ctx.state.clusters.get(store.clusterId);
        if (!cluster || cluster.state === 'DELETED') return 'CLUSTER_NOT_FOUND';
        const activeHsmIds = cluster.hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId);
        if (activeHsmIds.length === 0) return 'INSUFFICIENT_CLOUDHSM_HSMS';
        const kmsUser = this.kmsUserOf(store);
        // KMS logs in on every HSM of the cluster, so kmsuser must have been replicated to all of them.
        if (!kmsUser || !activeHsmIds.every((id) => kmsUser.hsmIds.includes(id))) return 'USER_NOT_FOUND';
        if (kmsUser.locked) return 'USER_LOCKED_OUT';
        if (kmsUser.password !== store.kmsUserPassword) {
            kmsUser.failedLogins += 1;
            if (kmsUser.failedLogins >= maxFailedLogins) kmsUser.locked = true;
            return 'INVALID_CREDENTIALS';
        }
        return undefined;
    }

    private kmsUserOf(store: CustomKeyStore) {
        const cluster = store.clusterId === undefined ? undefined : this.ctx.state.clusters.get(store.clusterId);
        return cluster?.users.find((u) => u.username === kmsUserName && u.role === 'crypto-user');
    }
}
