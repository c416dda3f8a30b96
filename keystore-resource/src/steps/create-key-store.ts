/**
 * Creating the key store and its kmsuser secret. KMS gives the ID at once, so the first invocation returns
 * it; the kmsuser password is told to KMS at creation (KMS only records it), stored in the secret named by
 * the ID right after, and set on the HSMs by a later step.
 */
import { CreateCustomKeyStoreCommand, CustomKeyStoresListEntry, DescribeCustomKeyStoresCommand, UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../../shared/aws/error-table';
import { HandlerError, InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { ensureSecretWithOutcome, generatePassword, readSecret, tokenFor } from '../../../shared/secrets/secrets';
import { KMS_USER, kmsUserSecretName, PASSWORD_VERSION_TAG, sameCertificate, withDefaults } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

export const createKeyStore: Step<KeyStoreScope> = {
    name: 'create-key-store',
    run: async (scope) => {
        if (scope.data.keyStoreId) return next();
        const earlier = await findByName(scope, scope.model.KeyStoreName!);
        if (earlier) {
            await adoptOrRefuse(scope, earlier);
            return next();
        }
        const password = generatePassword();
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
            if (isAwsError(err, 'IncorrectTrustAnchorException')) {
                throw new InvalidInputError(`TrustAnchorCertificate: ${(err as Error).message} Give the cluster's TrustAnchorCertificate attribute.`);
            }
            if (isAwsError(err, 'CloudHsmClusterInUseException')) {
                throw new HandlerError(HandlerErrorCode.ResourceConflict, `ClusterId: ${(err as Error).message} KMS lets one key store use a cluster and its related clusters.`);
            }
            // A retried attempt whose earlier call did create the store.
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

/**
 * A store of that name is this create's own when its kmsuser secret carries this request's token (an earlier
 * attempt got that far), or when it is on the same cluster and trust anchor and was never connected (an
 * attempt that stopped right after creating it; KMS itself answers an identical create with the existing ID).
 * Anything else is somebody else's store.
 */
async function adoptOrRefuse(scope: KeyStoreScope, store: CustomKeyStoresListEntry): Promise<void> {
    const sameSettings = store.CloudHsmClusterId === scope.model.ClusterId && sameCertificate(store.TrustAnchorCertificate, scope.model.TrustAnchorCertificate);
    const ours = sameSettings && (store.ConnectionState === 'DISCONNECTED' || (await secretFromThisRequest(scope, store.CustomKeyStoreId!)));
    if (!ours) {
        throw new HandlerError(
            HandlerErrorCode.AlreadyExists,
            `KeyStoreName: a key store named ${store.CustomKeyStoreName} already exists (${store.CustomKeyStoreId}, cluster ${store.CloudHsmClusterId}, ${store.ConnectionState}). Choose another name.`,
        );
    }
    scope.adopt(store.CustomKeyStoreId!);
}

async function secretFromThisRequest(scope: KeyStoreScope, keyStoreId: string): Promise<boolean> {
    const name = kmsUserSecretName(keyStoreId);
    try {
        const secret = await scope.secrets.send(new DescribeSecretCommand({ SecretId: name }));
        return Object.keys(secret.VersionIdsToStages ?? {}).includes(tokenFor(scope.request.requestToken, name));
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return false;
        throw err;
    }
}

/**
 * The kmsuser secret. When this invocation created the store, it holds the password KMS was given. Otherwise
 * (the store was adopted, or this step runs again after a failure) the password KMS holds is unknown: the
 * secret's password, new or already stored, is told to KMS while the store is still disconnected. Telling it
 * again is harmless; not telling it after an UpdateCustomKeyStore that failed would leave KMS with another.
 */
export const storeKmsUserSecret: Step<KeyStoreScope> = {
    name: 'store-kmsuser-secret',
    run: async (scope) => {
        const password = scope.freshPassword ?? generatePassword();
        const secret = await ensureSecretWithOutcome(scope.secrets, {
            name: kmsUserSecretName(scope.keyStoreId),
            description: `KMS key store ${scope.keyStoreId}: the kmsuser password the type set`,
            value: () => JSON.stringify({ username: KMS_USER, password }),
            tags: [
                { Key: 'cloudhsm-type:key-store-id', Value: scope.keyStoreId },
                { Key: PASSWORD_VERSION_TAG, Value: String(withDefaults(scope.model).KmsUserPasswordVersion) },
            ],
            requestToken: scope.request.requestToken,
        });
        scope.model.KmsUserSecretArn = secret.arn;
        if (!scope.freshPassword && (await scope.keyStore()).ConnectionState === 'DISCONNECTED') {
            const stored = secret.created ? password : (JSON.parse(await readSecret(scope.secrets, secret.arn)) as { password: string }).password;
            await scope.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId, KeyStorePassword: stored }));
            scope.changed();
        }
        return next();
    },
};
