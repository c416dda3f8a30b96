import { Workflow } from '../../../shared/engine/workflow';
import { awaitCommand } from '../../../shared/ssm/await-command';
import { checkAdminSecretForm } from '../steps/admin-secret-check';
import { awaitConnected, awaitDisconnected, awaitSettled, connect, disconnect } from '../steps/connection';
import { recordPasswordVersion, rotatesKmsUser, setKmsUserPassword, storeNewKmsUserPassword } from '../steps/kmsuser';
import { changeWhileDisconnected, checkUpdate, disconnectsFirst, renameWhileConnected } from '../steps/update';
import { KeyStoreScope } from './scope';

/**
 * The checks come first: the input, the consent of an imported store's cluster (steps/ownership.ts), and for a
 * rotation or a move the admin secret's form, on the management instance. Then each combination takes the
 * shortest path KMS allows, from any connection state. A rename alone is one call while CONNECTED (a CONNECTING
 * store is waited for first). A rotation or a move disconnects, sets a new kmsuser password (secret, then HSMs),
 * then tells KMS the password, the cluster and any new name in one call, and reconnects. A FAILED store is
 * disconnected first, as KMS requires for a rename or a connection. DesiredConnectionState decides whether the
 * update ends connected.
 */
export const updateWorkflow: Workflow<KeyStoreScope> = {
    name: 'update-key-store',
    steps: [
        checkUpdate,
        checkAdminSecretForm,
        awaitCommand<KeyStoreScope>('await-admin-secret-check'),
        awaitSettled(disconnectsFirst),
        disconnect((scope, state) => state === 'FAILED' || disconnectsFirst(scope)),
        awaitDisconnected,
        storeNewKmsUserPassword,
        setKmsUserPassword('set-kmsuser-password', rotatesKmsUser),
        awaitCommand<KeyStoreScope>('await-kmsuser'),
        changeWhileDisconnected,
        recordPasswordVersion,
        connect({ resetFailed: true }),
        awaitConnected(),
        renameWhileConnected,
    ],
};
