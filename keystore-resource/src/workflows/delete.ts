import { Workflow } from '../../../shared/engine/workflow';
import { awaitConnected, awaitDisconnected, connect, disconnect } from '../steps/connection';
import {
    deleteKeyStore,
    destroyKmsUserSecret,
    reconnectAfterRefusal,
    refuseWhileKeysRemain,
    removeEmptiedRetiredStores,
    reportRefusal,
    requireKeyStore,
    retireWhenOnlyKeysPendingDeletion,
} from '../steps/delete';
import { requireDeleteConsent } from '../steps/ownership';
import { KeyStoreScope } from './scope';

/**
 * A store the type did not create is deleted only with its cluster's consent (steps/ownership.ts) → remove the
 * retired stores KMS has emptied since (any earlier delete's, this resource's own included) → check the keys of
 * a connected store → disconnect → delete, which KMS refuses while keys remain → a store left with nothing but
 * keys pending deletion is retired (renamed, left DISCONNECTED) → otherwise, after a refusal, the store is
 * connected again as found and the delete fails naming the keys → the kmsuser secret goes (the type's own
 * secret only: an imported store's other secrets and its kmsuser user stay, see steps/delete.ts).
 */
export const deleteWorkflow: Workflow<KeyStoreScope> = {
    name: 'delete-key-store',
    steps: [
        requireDeleteConsent,
        removeEmptiedRetiredStores,
        requireKeyStore,
        refuseWhileKeysRemain,
        disconnect(() => true),
        awaitDisconnected,
        deleteKeyStore,
        retireWhenOnlyKeysPendingDeletion,
        connect({ resetFailed: false, needed: reconnectAfterRefusal, name: 'reconnect' }),
        awaitConnected(reconnectAfterRefusal, 'await-reconnected'),
        reportRefusal,
        destroyKmsUserSecret,
    ],
};
