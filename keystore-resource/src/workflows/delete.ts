import { Workflow } from '../../../shared/engine/workflow';
import { awaitConnected, awaitDisconnected, connect, disconnect } from '../steps/connection';
import { deleteKeyStore, destroyKmsUserSecret, reconnectAfterRefusal, refuseWhileKeysRemain, reportRefusal, requireKeyStore } from '../steps/delete';
import { KeyStoreScope } from './scope';

/**
 * Check the keys of a connected store → disconnect → delete, which KMS refuses while keys remain → then
 * either the kmsuser secret goes, or the store is connected again as found and the delete fails naming the keys.
 */
export const deleteWorkflow: Workflow<KeyStoreScope> = {
    name: 'delete-key-store',
    steps: [
        requireKeyStore,
        refuseWhileKeysRemain,
        disconnect(() => true),
        awaitDisconnected,
        deleteKeyStore,
        connect({ resetFailed: false, needed: reconnectAfterRefusal, name: 'reconnect' }),
        awaitConnected(reconnectAfterRefusal, 'await-reconnected'),
        reportRefusal,
        destroyKmsUserSecret,
    ],
};
