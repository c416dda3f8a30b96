/**
 * Connecting and disconnecting. Both are asynchronous in KMS: a step asks, the next waits. A FAILED
 * connection ends the operation at once with KMS's error code and what to do about it; it never waits on.
 */
import { ConnectCustomKeyStoreCommand, DisconnectCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { TerminalStateError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { next, repeat, Step, wait } from '../../../shared/engine/workflow';
import { CONNECTION_ADVICE, withDefaults } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

export const wantsConnected = (scope: KeyStoreScope) => withDefaults(scope.model).DesiredConnectionState === 'CONNECTED';

/**
 * Connects when `needed`. `resetFailed`: a FAILED store (an earlier connection in an update) is disconnected
 * first, as KMS requires; in a create a FAILED store can only mean this create's own connection failed.
 */
export const connect = (options: { resetFailed: boolean; needed?: (scope: KeyStoreScope) => boolean; name?: string }): Step<KeyStoreScope> => ({
    name: options.name ?? 'connect',
    when: options.needed ?? wantsConnected,
    run: async (scope, progress) => {
        const store = await scope.keyStore();
        switch (store.ConnectionState) {
            case 'CONNECTED':
            case 'CONNECTING':
                return next();
            case 'DISCONNECTING':
                return wait(nextLookSeconds(SCHEDULES.keyStoreDisconnect, progress.waitedSeconds), `Key store ${scope.keyStoreId} is disconnecting`, SCHEDULES.keyStoreDisconnect.timeoutSeconds);
            case 'FAILED':
                if (!options.resetFailed) throw connectionFailed(scope.keyStoreId, store.CloudHsmClusterId, store.ConnectionErrorCode);
                // KMS refuses to connect a FAILED store until it has been disconnected.
                await scope.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId }));
                scope.changed();
                return repeat();
            default:
                await scope.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId }));
                scope.changed();
                return next();
        }
    },
});

const connectionFailed = (keyStoreId: string, clusterId: string | undefined, code: string | undefined) =>
    new TerminalStateError(`Key store ${keyStoreId} failed to connect to cluster ${clusterId}: ${code}: ${CONNECTION_ADVICE[code ?? ''] ?? 'see the KMS troubleshooting guide.'}`);

export const awaitConnected = (needed: (scope: KeyStoreScope) => boolean = wantsConnected, name = 'await-connected'): Step<KeyStoreScope> => ({
    name,
    when: needed,
    run: async (scope, progress) => {
        const store = await scope.keyStore();
        if (store.ConnectionState === 'CONNECTED') return next();
        if (store.ConnectionState === 'CONNECTING') return waitForConnection(scope, progress.waitedSeconds);
        if (store.ConnectionState === 'FAILED') throw connectionFailed(scope.keyStoreId, store.CloudHsmClusterId, store.ConnectionErrorCode);
        throw new TerminalStateError(`Key store ${scope.keyStoreId} is ${store.ConnectionState} while it was being connected; something else disconnected it.`);
    },
});

const waitForConnection = (scope: KeyStoreScope, waitedSeconds: number) =>
    wait(nextLookSeconds(SCHEDULES.keyStoreConnect, waitedSeconds), `Key store ${scope.keyStoreId} is connecting`, SCHEDULES.keyStoreConnect.timeoutSeconds);

/**
 * Disconnects a CONNECTED, CONNECTING or FAILED store when `needed` says so for its state (a rotation, a move,
 * DISCONNECTED asked for, a FAILED store, a delete). A store that is gone needs no disconnecting: a retried
 * delete may find it deleted already, and the steps after it say so.
 */
export const disconnect = (needed: (scope: KeyStoreScope, connectionState: string) => boolean): Step<KeyStoreScope> => ({
    name: 'disconnect',
    run: async (scope) => {
        const store = await scope.keyStoreIfPresent();
        if (!store || store.ConnectionState === 'DISCONNECTED' || store.ConnectionState === 'DISCONNECTING') return next();
        if (!needed(scope, store.ConnectionState!)) return next();
        await scope.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId }));
        scope.changed();
        return next();
    },
});

/** Waits while the store is DISCONNECTING (a disconnect this operation or someone else asked for). */
export const awaitDisconnected: Step<KeyStoreScope> = {
    name: 'await-disconnected',
    run: async (scope, progress) => {
        const store = await scope.keyStoreIfPresent();
        if (store?.ConnectionState !== 'DISCONNECTING') return next();
        return wait(nextLookSeconds(SCHEDULES.keyStoreDisconnect, progress.waitedSeconds), `Key store ${scope.keyStoreId} is disconnecting`, SCHEDULES.keyStoreDisconnect.timeoutSeconds);
    },
};

/**
 * Waits for a CONNECTING store to end CONNECTED or FAILED, unless the update disconnects it anyway
 * (`disconnecting`): KMS renames only a CONNECTED or DISCONNECTED store, and the connection under way is the
 * one the update wants. (A DISCONNECTING store is waited for by await-disconnected.)
 */
export const awaitSettled = (disconnecting: (scope: KeyStoreScope) => boolean): Step<KeyStoreScope> => ({
    name: 'await-settled',
    run: async (scope, progress) => {
        const store = await scope.keyStore();
        if (store.ConnectionState === 'CONNECTING' && !disconnecting(scope)) return waitForConnection(scope, progress.waitedSeconds);
        return next();
    },
});
