/**
 * Creating the key, and finding it again when CreateKey's answer was lost.
 *
 * CreateKey takes no client token: after a 5xx or a dropped connection the key may exist, and sending again
 * would make a second one. So the key carries a tag with a digest of the CloudFormation request token, and
 * before CreateKey the request writes its *journal*: a small secret named from that digest (translate.ts
 * createRequestJournalName; it holds no secret, only the key store ID). A run that finds the journal already
 * there, or that sent CreateKey itself before, looks for the tagged key — ListKeys, DescribeKey for keys of the
 * declared store made since the journal, ListResourceTags for those — before creating. The usual create makes no
 * such scan: one DescribeSecret, one CreateSecret, one CreateKey, one DeleteSecret.
 *
 * The journal is then scheduled for deletion with the shortest recovery window (7 days), not deleted at once:
 * while it is pending deletion its name still answers DescribeSecret, so a delivery of the first event that
 * CloudFormation repeats after a lost answer (minutes later, never a week) still knows to look. Secrets Manager
 * keeps no value of it beyond the window.
 */
import { CreateKeyCommand, DescribeKeyCommand, KeyMetadata, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../../shared/aws/error-table';
import { HandlerError, InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { tokenFor } from '../../../shared/secrets/secrets';
import { createRequestJournalName, DEFAULTS, kmsTags, policyDocument, REQUEST_TOKEN_TAG } from '../translate';
import { KmsKeyScope } from '../workflows/scope';

/** The shortest recovery window Secrets Manager allows. */
const JOURNAL_RECOVERY_DAYS = 7;
/** Clock difference tolerated between this function and KMS when narrowing the scan to keys made since the journal. */
const CLOCK_MARGIN_SECONDS = 300;

const requestTag = (scope: KmsKeyScope) => tokenFor(scope.request.requestToken, 'kms-key-create');
const journalName = (scope: KmsKeyScope) => createRequestJournalName(requestTag(scope));

export const journalCreateRequest: Step<KmsKeyScope> = {
    name: 'journal-create-request',
    run: async (scope) => {
        if (scope.data.keyId) return next();
        const name = journalName(scope);
        const existing = await describeJournal(scope, name);
        if (existing) {
            scope.data.earlierAttempt = true;
            return next();
        }
        try {
            await scope.secrets.send(
                new CreateSecretCommand({
                    Name: name,
                    Description: 'Create request of a Community::CloudHsm::KmsKey: its key may exist once this is here (no secret value)',
                    SecretString: JSON.stringify({ customKeyStoreId: scope.model.CustomKeyStoreId }),
                    ClientRequestToken: tokenFor(scope.request.requestToken, name),
                }),
            );
        } catch (err) {
            // Only this request writes this name: whatever is there is an earlier delivery's journal.
            if (!isAwsError(err, 'ResourceExistsException', 'InvalidRequestException')) throw err;
            scope.data.earlierAttempt = true;
        }
        return next();
    },
};

async function describeJournal(scope: KmsKeyScope, name: string) {
    try {
        return await scope.secrets.send(new DescribeSecretCommand({ SecretId: name }));
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
        throw err;
    }
}

/** What each CreateKey refusal means for the declaration, and what to do. Nothing was created. */
function refusal(err: unknown): HandlerError | undefined {
    const message = (err as Error).message;
    if (isAwsError(err, 'CustomKeyStoreInvalidStateException')) {
        return new InvalidInputError(`CustomKeyStoreId: KMS refused to create the key: ${message} Connect the key store (DesiredConnectionState CONNECTED on the Community::CloudHsm::KeyStore) and retry.`);
    }
    if (isAwsError(err, 'CloudHsmClusterInvalidConfigurationException')) {
        return new InvalidInputError(
            `CustomKeyStoreId: KMS refused to create the key because of the key store's cluster: ${message} KMS needs two ACTIVE HSMs in different Availability Zones; add an HSM in a second Availability Zone (HsmsPerSubnet and SubnetIds on the cluster) and retry.`,
        );
    }
    if (isAwsError(err, 'CustomKeyStoreNotFoundException')) return new InvalidInputError(`CustomKeyStoreId: ${message} Give the Ref of an existing Community::CloudHsm::KeyStore.`);
    if (isAwsError(err, 'MalformedPolicyDocumentException')) return new InvalidInputError(`KeyPolicy: KMS refused the key policy: ${message}`);
    if (isAwsError(err, 'TagException')) return new InvalidInputError(`Tags: KMS refused the tags: ${message}`);
    if (isAwsError(err, 'UnsupportedOperationException')) return new InvalidInputError(`CustomKeyStoreId: ${message}`);
    if (isAwsError(err, 'LimitExceededException')) return new HandlerError(HandlerErrorCode.ServiceLimitExceeded, `KMS keys: ${message} Delete unused keys or ask for a higher quota.`);
    return undefined;
}

export const createKey: Step<KmsKeyScope> = {
    name: 'create-key',
    run: async (scope) => {
        if (scope.data.keyId) return next();
        if (scope.data.earlierAttempt || scope.data.createKeySent) {
            const earlier = await findKeyOfThisRequest(scope);
            if (earlier) {
                scope.adopt(earlier);
                return next();
            }
        }
        scope.data.createKeySent = true;
        try {
            const created = await scope.kms.send(
                new CreateKeyCommand({
                    Origin: 'AWS_CLOUDHSM',
                    CustomKeyStoreId: scope.model.CustomKeyStoreId,
                    KeySpec: DEFAULTS.KeySpec,
                    KeyUsage: DEFAULTS.KeyUsage,
                    Description: scope.model.Description,
                    Policy: policyDocument(scope.model, scope.request.accountId),
                    BypassPolicyLockoutSafetyCheck: scope.model.BypassPolicyLockoutSafetyCheck,
                    Tags: [...kmsTags(scope.model.Tags), { TagKey: REQUEST_TOKEN_TAG, TagValue: requestTag(scope) }],
                }),
            );
            scope.adopt(created.KeyMetadata!);
        } catch (err) {
            const refused = refusal(err);
            if (!refused) throw err;
            await forgetJournal(scope);
            throw refused;
        }
        return next();
    },
};

/** The key this request made, if an earlier delivery did make it: in the declared store, tagged with this request's digest. */
async function findKeyOfThisRequest(scope: KmsKeyScope): Promise<KeyMetadata | undefined> {
    const journal = await describeJournal(scope, journalName(scope));
    const sinceSeconds = (journal?.CreatedDate ? new Date(journal.CreatedDate).getTime() / 1000 : 0) - CLOCK_MARGIN_SECONDS;
    const digest = requestTag(scope);
    let marker: string | undefined;
    do {
        const page = await scope.kms.send(new ListKeysCommand({ Limit: 1000, Marker: marker }));
        for (const entry of page.Keys ?? []) {
            const metadata = await describeIfVisible(scope, entry.KeyId!);
            if (!metadata || metadata.CustomKeyStoreId !== scope.model.CustomKeyStoreId || metadata.KeyState === 'PendingDeletion') continue;
            if (metadata.CreationDate && new Date(metadata.CreationDate).getTime() / 1000 < sinceSeconds) continue;
            const tags = (await scope.kms.send(new ListResourceTagsCommand({ KeyId: metadata.KeyId }))).Tags ?? [];
            if (tags.some((t) => t.TagKey === REQUEST_TOKEN_TAG && t.TagValue === digest)) return metadata;
        }
        marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return undefined;
}

/** Keys whose policy refuses this role are not this request's (its key lets the role describe it). */
async function describeIfVisible(scope: KmsKeyScope, keyId: string): Promise<KeyMetadata | undefined> {
    try {
        return (await scope.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    } catch (err) {
        if (isAwsError(err, 'AccessDeniedException', 'NotFoundException')) return undefined;
        throw err;
    }
}

async function forgetJournal(scope: KmsKeyScope): Promise<void> {
    try {
        await scope.secrets.send(new DeleteSecretCommand({ SecretId: journalName(scope), RecoveryWindowInDays: JOURNAL_RECOVERY_DAYS }));
    } catch (err) {
        // Gone, or already scheduled for deletion by an earlier delivery of this step.
        if (!isAwsError(err, 'ResourceNotFoundException', 'InvalidRequestException')) throw err;
    }
}

export const forgetCreateRequest: Step<KmsKeyScope> = {
    name: 'forget-create-request',
    run: async (scope) => {
        await forgetJournal(scope);
        return next();
    },
};
