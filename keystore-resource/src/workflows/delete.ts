import { Workflow } from '../../../shared/engine/workflow';
import { awaitDisconnected, disconnect } from '../steps/connection';
import { deleteKeyStore, refuseWhileKeysRemain, requireKeyStore } from '../steps/delete';
import { KeyStoreScope } from './scope';

export const deleteWorkflow: Workflow<KeyStoreScope> = {
    name: 'delete-key-store',
    steps: [requireKeyStore, refuseWhileKeysRemain, disconnect(() => true), awaitDisconnected(() => true), deleteKeyStore],
};
