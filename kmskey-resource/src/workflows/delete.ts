import { Workflow } from '../../../shared/engine/workflow';
import { requireKey, scheduleDeletion } from '../steps/delete';
import { KmsKeyScope } from './scope';

/** The key exists and is not pending deletion → schedule its deletion after PendingWindowInDays. */
export const deleteWorkflow: Workflow<KmsKeyScope> = {
    name: 'delete-kms-key',
    steps: [requireKey, scheduleDeletion],
};
