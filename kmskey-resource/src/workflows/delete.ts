import { Workflow } from '../../../shared/engine/workflow';
import { requireKey, scheduleDeletion, tagDeleteRequest } from '../steps/delete';
import { KmsKeyScope } from './scope';

/** The key exists and is not pending deletion (or this request scheduled it) → tag it with the request → schedule its deletion. */
export const deleteWorkflow: Workflow<KmsKeyScope> = {
    name: 'delete-kms-key',
    steps: [requireKey, tagDeleteRequest, scheduleDeletion],
};
