import { Workflow } from '../../../shared/engine/workflow';
import { awaitCommand } from '../../../shared/ssm/await-command';
import { awaitConnected, awaitDisconnected, connect, disconnect } from '../steps/connection';
import { needsNewPassword, setKmsUserPassword, storeNewKmsUserPassword, tellKmsThePassword } from '../steps/kmsuser';
import { checkUpdate, moveCluster, rename } from '../steps/update';
import { withDefaults } from '../translate';
import { KeyStoreScope } from './scope';

/** A rotation, a move, or DISCONNECTED asked for: only these need the store disconnected. */
const needsDisconnect = (scope: KeyStoreScope) => needsNewPassword(scope) || withDefaults(scope.model).DesiredConnectionState === 'DISCONNECTED';

/**
 * Each change takes the shortest path: a rename happens while connected; a rotation disconnects, sets a new
 * kmsuser password (secret, then HSMs, then KMS) and reconnects; a move disconnects, moves, sets kmsuser on
 * the new cluster and reconnects; the connection follows DesiredConnectionState.
 */
export const updateWorkflow: Workflow<KeyStoreScope> = {
    name: 'update-key-store',
    steps: [
        checkUpdate,
        rename,
        disconnect(needsDisconnect),
        awaitDisconnected(needsDisconnect),
        moveCluster,
        storeNewKmsUserPassword,
        setKmsUserPassword('set-kmsuser-password', needsNewPassword),
        awaitCommand<KeyStoreScope>('await-kmsuser'),
        tellKmsThePassword,
        connect(true),
        awaitConnected,
    ],
};
