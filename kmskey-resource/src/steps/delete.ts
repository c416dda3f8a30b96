/**
 * Deleting schedules the key for deletion after PendingWindowInDays, as AWS::KMS::Key does: KMS deletes a key
 * only after a waiting period, during which it can be canceled (CancelKeyDeletion, then EnableKey).
 */
import { DescribeKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { isAwsError } from '../../../shared/aws/error-table';
import { NotFoundError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { DEFAULTS } from '../translate';
import { KmsKeyScope } from '../workflows/scope';

/** A key already pending deletion is a deleted resource: NotFound, as the handler contract wants. */
export const requireKey: Step<KmsKeyScope> = {
    name: 'require-key',
    run: async (scope) => {
        if (!scope.model.KeyId) throw new NotFoundError('No KeyId: there is no KMS key to delete.');
        await scope.key();
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
            const state = (await scope.kms.send(new DescribeKeyCommand({ KeyId: scope.keyId }))).KeyMetadata?.KeyState;
            if (state !== 'PendingDeletion') throw err;
        }
        return next();
    },
};
