/**
 * Updating in place what KMS lets change: description, key policy and tags (and Enabled, enabled-state.ts). Each
 * step compares with what KMS holds now and calls only for a difference, so running it again changes nothing.
 */
import { GetKeyPolicyCommand, ListResourceTagsCommand, PutKeyPolicyCommand, TagResourceCommand, UntagResourceCommand, UpdateKeyDescriptionCommand } from '@aws-sdk/client-kms';
import { next, Step } from '../../../shared/engine/workflow';
import { problemsWithKeyInput } from '../validate-input';
import { InvalidInputError } from '../../../shared/engine/errors';
import { declaredTags, kmsTags, policyDocument, samePolicy, tagChanges } from '../translate';
import { KmsKeyScope } from '../workflows/scope';

/** NotFound for a key that is gone or pending deletion; then the input rules. */
export const checkUpdate: Step<KmsKeyScope> = {
    name: 'check-update',
    run: async (scope) => {
        await scope.key();
        const problems = problemsWithKeyInput(scope.model);
        if (problems.length) throw new InvalidInputError(problems.join(' '));
        return next();
    },
};

export const updateDescription: Step<KmsKeyScope> = {
    name: 'update-description',
    run: async (scope) => {
        const wanted = scope.model.Description ?? '';
        if (((await scope.key()).Description ?? '') === wanted) return next();
        await scope.kms.send(new UpdateKeyDescriptionCommand({ KeyId: scope.keyId, Description: wanted }));
        scope.changed();
        return next();
    },
};

export const updatePolicy: Step<KmsKeyScope> = {
    name: 'update-key-policy',
    run: async (scope) => {
        const wanted = policyDocument(scope.model, scope.request.accountId);
        const current = (await scope.kms.send(new GetKeyPolicyCommand({ KeyId: scope.keyId, PolicyName: 'default' }))).Policy ?? '';
        if (samePolicy(current, wanted)) return next();
        await scope.kms.send(new PutKeyPolicyCommand({ KeyId: scope.keyId, PolicyName: 'default', Policy: wanted, BypassPolicyLockoutSafetyCheck: scope.model.BypassPolicyLockoutSafetyCheck }));
        return next();
    },
};

async function currentTags(scope: KmsKeyScope) {
    return declaredTags((await scope.kms.send(new ListResourceTagsCommand({ KeyId: scope.keyId, Limit: 50 }))).Tags ?? []);
}

/** New tags and new values first, so that a failure half-way never leaves the key with fewer tags than either side. */
export const setTags: Step<KmsKeyScope> = {
    name: 'set-tags',
    run: async (scope) => {
        const { set } = tagChanges(await currentTags(scope), scope.model.Tags ?? []);
        if (set.length) await scope.kms.send(new TagResourceCommand({ KeyId: scope.keyId, Tags: kmsTags(set) }));
        return next();
    },
};

export const removeTags: Step<KmsKeyScope> = {
    name: 'remove-tags',
    run: async (scope) => {
        const { remove } = tagChanges(await currentTags(scope), scope.model.Tags ?? []);
        if (remove.length) await scope.kms.send(new UntagResourceCommand({ KeyId: scope.keyId, TagKeys: remove }));
        return next();
    },
};
