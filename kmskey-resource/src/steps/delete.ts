/**
 * Deleting schedules the key for deletion after PendingWindowInDays, as AWS::KMS::Key does: KMS deletes a key
 * only after a waiting period, during which it can be canceled (CancelKeyDeletion, then EnableKey).
 *
 * A key pending deletion is a deleted resource, so a delete of it answers NotFound, as the handler contract wants
 * — except when this very request scheduled it and CloudFormation delivers the event again after a lost answer.
 * Before scheduling, the delete tags the key with a digest of the request token (a key pending deletion can no
 * longer be tagged); a key pending deletion that carries this request's tag is this request's success.
 */
import { DescribeKeyCommand, KeyMetadata, ListResourceTagsCommand, ScheduleKeyDeletionCommand, TagResourceCommand } from '@aws-sdk/client-kms';
import { isAwsError } from '../../../shared/aws/error-table';
import { NotFoundError } from '../../../shared/engine/errors';
import { finish, next, Step } from '../../../shared/engine/workflow';
import { tokenFor } from '../../../shared/secrets/secrets';
import { DEFAULTS, DELETE_REQUEST_TAG } from '../translate';
import { KmsKeyScope } from '../workflows/scope';

const requestTag = (scope: KmsKeyScope) => tokenFor(scope.request.requestToken, 'kms-key-delete');

async function describeAny(scope: KmsKeyScope): Promise<KeyMetadata | undefined> {
    try {
        return (await scope.kms.send(new DescribeKeyCommand({ KeyId: scope.keyId }))).KeyMetadata;
    } catch (err) {
        if (isAwsError(err, 'NotFoundException')) return undefined;
        throw err;
    }
}

async function scheduledByThisRequest(scope: KmsKeyScope): Promise<boolean> {
    const tags = (await scope.kms.send(new ListResourceTagsCommand({ KeyId: scope.keyId, Limit: 50 }))).Tags ?? [];
    return tags.some((t) => t.TagKey === DELETE_REQUEST_TAG && t.TagValue === requestTag(scope));
}

export const requireKey: Step<KmsKeyScope> = {
    name: 'require-key',
    run: async (scope) => {
        if (!scope.model.KeyId) throw new NotFoundError('No KeyId: there is no KMS key to delete.');
        const metadata = await describeAny(scope);
        if (metadata?.KeyState === 'PendingDeletion' && (await scheduledByThisRequest(scope))) return finish();
        await scope.key();
        return next();
    },
};

export const tagDeleteRequest: Step<KmsKeyScope> = {
    name: 'tag-delete-request',
    run: async (scope) => {
        await scope.kms.send(new TagResourceCommand({ KeyId: scope.keyId, Tags: [{ TagKey: DELETE_REQUEST_TAG, TagValue: requestTag(scope) }] }));
        return next();
    },
};

export const scheduleDeletion: Step<KmsKeyScope> = {
    name: 'schedule-key-deletion',
    run: async (scope) => {
        try {
            await scope.kms.send(new ScheduleKeyDeletionCommand({ KeyId: scope.keyId, PendingWindowInDays: scope.model.PendingWindowInDays ?? DEFAULTS.PendingWindowInDays }));
        } catch (err) {
            // An earlier delivery of this step scheduled it and its answer was lost: KMS says so, and the key says why.
            if (!isAwsError(err, 'KMSInvalidStateException')) throw err;
            if ((await describeAny(scope))?.KeyState !== 'PendingDeletion') throw err;
        }
        return next();
    },
};
