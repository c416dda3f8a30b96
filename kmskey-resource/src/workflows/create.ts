import { Workflow } from '../../../shared/engine/workflow';
import { createKey, forgetCreateRequest, journalCreateRequest } from '../steps/create-key';
import { applyEnabled } from '../steps/enabled-state';
import { KmsKeyScope } from './scope';

/** Journal the request → create the key (its ID in the first answer) → disable it if declared so → drop the journal. */
export const createWorkflow: Workflow<KmsKeyScope> = {
    name: 'create-kms-key',
    steps: [journalCreateRequest, createKey, applyEnabled, forgetCreateRequest],
};
