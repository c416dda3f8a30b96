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

const wantsConnected = (scope: KeyStoreScope) => withDefaults(scope.model).DesiredConnectionState === 'CONNECTED';

export const connect: Step<KeyStoreScope> = {
    name: 'connect',
    when: wantsConnected,
    run: async (scope, progress) => {
        const store = await scope.keyStore();
        switch (store.ConnectionState) {
            case 'CONNECTED':
            case 'CONNECTING':
                return next();
            case 'DISCONNECTING':
                return wait(nextLookSeconds(SCHEDULES.keyStoreDisconnect, progress.waitedSeconds), `Key store ${scope.keyStoreId} is disconnecting`, SCHEDULES.keyStoreDisconnect.timeoutSeconds);
            case 'FAILED':
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
};

export const awaitConnected: Step<KeyStoreScope> = {
    name: 'await-connected',
    when: wantsConnected,
    run: async (scope, progress) => {
        const store = await scope.keyStore();
        if (store.ConnectionState === 'CONNECTED') return next();
        if (store.ConnectionState === 'CONNECTING') {
            return wait(nextLookSeconds(SCHEDULES.keyStoreConnect, progress.waitedSeconds), `Key store ${scope.keyStoreId} is connecting`, SCHEDULES.keyStoreConnect.timeoutSeconds);
        }
        const code = store.ConnectionErrorCode;
        if (store.ConnectionState === 'FAILED') {
            throw new TerminalStateError(`Key store ${scope.keyStoreId} failed to connect to cluster ${store.CloudHsmClusterId}: ${code}: ${CONNECTION_ADVICE[code ?? ''] ?? 'see the KMS troubleshooting guide.'}`);
        }
        throw new TerminalStateError(`Key store ${scope.keyStoreId} is ${store.ConnectionState} while it was being connected; something else disconnected it.`);
    },
};

/** Disconnects when `needed` says so (a rotation, a move, or DISCONNECTED asked for). */
export const disconnect = (needed: (scope: KeyStoreScope) => boolean): Step<KeyStoreScope> => ({
    name: 'disconnect',
    when: needed,
    run: async (scope) => {
        const store = await scope.keyStore();
        if (store.ConnectionState === 'DISCONNECTED' || store.ConnectionState === 'DISCONNECTING') return next();
        await scope.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId }));
        scope.changed();
        return next();
    },
});

export const awaitDisconnected = (needed: (scope: KeyStoreScope) => boolean): Step<KeyStoreScope> => ({
    name: 'await-disconnected',
    when: needed,
    run: async (scope, progress) => {
        const store = await scope.keyStore();
        if (store.ConnectionState === 'DISCONNECTED') return next();
        return wait(nextLookSeconds(SCHEDULES.keyStoreDisconnect, progress.waitedSeconds), `Key store ${scope.keyStoreId} is disconnecting`, SCHEDULES.keyStoreDisconnect.timeoutSeconds);
    },
});
