import { Workflow } from '../../../shared/engine/workflow';
import { applyEnabled } from '../steps/enabled-state';
import { checkUpdate, removeTags, setTags, updateDescription, updatePolicy } from '../steps/update';
import { KmsKeyScope } from './scope';

/**
 * Each property KMS lets change, in place; a step calls only for a difference from what KMS holds. The key policy
 * goes last: a new policy may take rights from this role that the other steps need.
 */
export const updateWorkflow: Workflow<KmsKeyScope> = {
    name: 'update-kms-key',
    steps: [checkUpdate, updateDescription, setTags, removeTags, applyEnabled, updatePolicy],
};
