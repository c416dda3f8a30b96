/**
 * Creating the key store and its kmsuser secret, and adopting a store only when THIS request made it.
 *
 * KMS gives the store's ID at once, so the first invocation returns it. But a custom key store takes no tags and
 * CreateCustomKeyStore no client token: after a lost answer the store exists and nothing in KMS says whose it
 * is; its name, cluster and trust anchor are public, and a stack creator can declare them. So before the create
 * the step writes the request's *record*: a secret named from the CloudFormation request token
 * (translate.ts createRequestRecordName), whose version is the request's token too, holding the kmsuser
 * password it then gives KMS. Only the type's execution role writes under cloudhsm/key-stores/ (execution-role.yaml),
 * and no other request has this token, so nobody else can make that record or this request's kmsuser secret.
 * A store of the declared name is this request's own when, besides having the declared cluster and trust anchor,
 *   - its kmsuser secret (named by the store ID) carries this request's version: a later step of this request
 *     stored it (CloudFormation delivered the first event again), or
 *   - this request's record exists and the store is no older than it (in whole seconds, the coarsest either
 *     service may report): only an invocation of this request after the record, or somebody racing it in
 *     that very window with the same name, can have made it; a store that was there before is never adopted.
 * Anything else in the way is AlreadyExists naming it, and nothing of it is touched.
 *
 * The record is also why the create never tells KMS a password again: KMS was given the record's password, and
 * the kmsuser secret is stored with that same password. Once it is stored, the record has no purpose and is
 * deleted at once (no recovery window: it holds a password); so is it when the create fails before making a
 * store. Left behind only by a request CloudFormation abandons between the two writes; its name says which.
 */
import { CreateCustomKeyStoreCommand, CustomKeyStoresListEntry, DescribeCustomKeyStoresCommand } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../../shared/aws/error-table';
import { HandlerError, InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { destroySecret, ensureSecretWithOutcome, generatePassword, readJsonSecret, tokenFor } from '../../../shared/secrets/secrets';
import { createRequestRecordName, KEY_STORE_ID_TAG, KMS_USER, kmsUserSecretName, PASSWORD_VERSION_TAG, sameCertificate, withDefaults } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

/** CreateCustomKeyStore errors that say no store was made: the record can go. */
const NOT_CREATED = [
    'IncorrectTrustAnchorException',
    'CloudHsmClusterInUseException',
    'CloudHsmClusterInvalidConfigurationException',
    'CloudHsmClusterNotActiveException',
    'CloudHsmClusterNotFoundException',
    'LimitExceededException',
];

export const createKeyStore: Step<KeyStoreScope> = {
    name: 'create-key-store',
    run: async (scope) => {
        if (scope.data.keyStoreId) return next();
        const earlier = await findByName(scope, scope.model.KeyStoreName!);
        if (earlier) {
            await adoptOrRefuse(scope, earlier);
            return next();
        }
        const password = await recordedPassword(scope);
        try {
            const created = await scope.kms.send(
                new CreateCustomKeyStoreCommand({
                    CustomKeyStoreName: scope.model.KeyStoreName,
                    CloudHsmClusterId: scope.model.ClusterId,
                    TrustAnchorCertificate: scope.model.TrustAnchorCertificate,
                    KeyStorePassword: password,
                }),
            );
            scope.adopt(created.CustomKeyStoreId!);
            scope.freshPassword = password;
        } catch (err) {
            if (isAwsError(err, ...NOT_CREATED)) await forgetRecord(scope);
            if (isAwsError(err, 'IncorrectTrustAnchorException')) {
                throw new InvalidInputError(`TrustAnchorCertificate: ${(err as Error).message} Give the cluster's TrustAnchorCertificate attribute.`);
            }
            if (isAwsError(err, 'CloudHsmClusterInUseException')) {
                throw new HandlerError(HandlerErrorCode.ResourceConflict, `ClusterId: ${(err as Error).message} KMS lets one key store use a cluster and its related clusters.`);
            }
            if (!isAwsError(err, 'CustomKeyStoreNameInUseException')) throw err;
            const raced = await findByName(scope, scope.model.KeyStoreName!);
            if (!raced) throw err;
            await adoptOrRefuse(scope, raced);
        }
        return next();
    },
};

export async function findByName(scope: KeyStoreScope, name: string): Promise<CustomKeyStoresListEntry | undefined> {
    try {
        const out = await scope.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: name }));
        return out.CustomKeyStores?.[0];
    } catch (err) {
        if (isAwsError(err, 'CustomKeyStoreNotFoundException')) return undefined;
        throw err;
    }
}

async function adoptOrRefuse(scope: KeyStoreScope, store: CustomKeyStoresListEntry): Promise<void> {
    const sameSettings = store.CloudHsmClusterId === scope.model.ClusterId && sameCertificate(store.TrustAnchorCertificate, scope.model.TrustAnchorCertificate);
    if (sameSettings && ((await writtenByThisRequest(scope, kmsUserSecretName(store.CustomKeyStoreId!))) || (await madeAfterRecord(scope, store)))) {
        scope.adopt(store.CustomKeyStoreId!);
        return;
    }
    // Names are unique in KMS: with another's store in the way, this request made none.
    await forgetRecord(scope);
    throw new HandlerError(
        HandlerErrorCode.AlreadyExists,
        `KeyStoreName: a key store named ${store.CustomKeyStoreName} already exists (${store.CustomKeyStoreId}, cluster ${store.CloudHsmClusterId}, ${store.ConnectionState}) and this request did not create it. Choose another name; the type never takes over a key store it did not create.`,
    );
}

/** One of the secret's versions is this request's (Secrets Manager makes the version ID the client request token). */
const carriesThisRequest = (scope: KeyStoreScope, name: string, secret: DescribeSecretResponse) =>
    !secret.DeletedDate && Object.keys(secret.VersionIdsToStages ?? {}).includes(tokenFor(scope.request.requestToken, name));

/** The secret, when it exists and this request wrote it. */
async function writtenByThisRequest(scope: KeyStoreScope, name: string): Promise<DescribeSecretResponse | undefined> {
    try {
        const secret = await scope.secrets.send(new DescribeSecretCommand({ SecretId: name }));
        return carriesThisRequest(scope, name, secret) ? secret : undefined;
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
        throw err;
    }
}

const wholeSeconds = (date: Date | undefined) => (date ? Math.floor(new Date(date).getTime() / 1000) : undefined);

async function madeAfterRecord(scope: KeyStoreScope, store: CustomKeyStoresListEntry): Promise<boolean> {
    const record = await writtenByThisRequest(scope, recordName(scope));
    const recorded = wholeSeconds(record?.CreatedDate);
    const created = wholeSeconds(store.CreationDate);
    return recorded !== undefined && created !== undefined && created >= recorded;
}

const recordName = (scope: KeyStoreScope) => createRequestRecordName(tokenFor(scope.request.requestToken, 'key-store-create-request'));

/** The password this request gives KMS: written to the record first, or read back from it on a retry. */
async function recordedPassword(scope: KeyStoreScope): Promise<string> {
    const password = generatePassword();
    const name = recordName(scope);
    const record = await ensureSecretWithOutcome(scope.secrets, {
        name,
        description: `Create request of KMS key store ${scope.model.KeyStoreName}: the kmsuser password given to KMS, until the key store's kmsuser secret holds it`,
        value: () => JSON.stringify({ username: KMS_USER, password }),
        kmsKeyId: scope.model.SecretsKmsKeyId,
        tags: [],
        requestToken: scope.request.requestToken,
    });
    return record.created ? password : await passwordIn(scope, name);
}

const forgetRecord = (scope: KeyStoreScope) => destroySecret(scope.secrets, recordName(scope));

const passwordIn = async (scope: KeyStoreScope, secretId: string) => (await readJsonSecret<{ password: string }>(scope.secrets, secretId, ['password'])).password;

/**
 * The kmsuser secret, named by the store's ID, with the password KMS was given (kept in this invocation when it
 * made the store, else in the record). One that exists already must be this request's; then the record goes.
 */
export const storeKmsUserSecret: Step<KeyStoreScope> = {
    name: 'store-kmsuser-secret',
    run: async (scope) => {
        const name = kmsUserSecretName(scope.keyStoreId);
        let secret = await scope.kmsUserSecret();
        if (!secret) {
            const password = scope.freshPassword ?? (await passwordIn(scope, recordName(scope)));
            await ensureSecretWithOutcome(scope.secrets, {
                name,
                description: `KMS key store ${scope.keyStoreId}: the kmsuser password the type set`,
                value: () => JSON.stringify({ username: KMS_USER, password }),
                kmsKeyId: scope.model.SecretsKmsKeyId,
                tags: [
                    { Key: KEY_STORE_ID_TAG, Value: scope.keyStoreId },
                    { Key: PASSWORD_VERSION_TAG, Value: String(withDefaults(scope.model).KmsUserPasswordVersion) },
                ],
                requestToken: scope.request.requestToken,
            });
            scope.secretChanged();
            secret = await scope.kmsUserSecret();
        }
        if (!secret || !carriesThisRequest(scope, name, secret)) {
            throw new HandlerError(HandlerErrorCode.AlreadyExists, `KeyStoreName: secret ${name} exists and was not written by this request; the type does not take it over.`);
        }
        scope.model.KmsUserSecretArn = secret.ARN;
        await forgetRecord(scope);
        return next();
    },
};
