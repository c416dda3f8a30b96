import { Workflow } from '../../../shared/engine/workflow';
import { awaitCommand } from '../../../shared/ssm/await-command';
import { checkInputs } from '../steps/check-inputs';
import { awaitConnected, connect } from '../steps/connection';
import { createKeyStore, storeKmsUserSecret } from '../steps/create-key-store';
import { setKmsUserPassword } from '../steps/kmsuser';
import { KeyStoreScope } from './scope';

/** Check the cluster → create the store (its ID in the first answer) → kmsuser → connect → CONNECTED. */
export const createWorkflow: Workflow<KeyStoreScope> = {
    name: 'create-key-store',
    steps: [
        checkInputs,
        createKeyStore,
        storeKmsUserSecret,
        setKmsUserPassword('set-kmsuser-password', () => true),
        awaitCommand<KeyStoreScope>('await-kmsuser'),
        connect({ resetFailed: false }),
        awaitConnected(),
    ],
};
