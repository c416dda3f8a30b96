/**
 * Deleting a key store safely: refuse while KMS keys live in it (including keys pending deletion), then
 * disconnect and delete. The check comes first, so a refused delete leaves a working store connected.
 * kmsuser stays on the cluster (a later key store adopts it); its secret goes with the store.
 */
import { DeleteCustomKeyStoreCommand, DescribeKeyCommand, KeyMetadata, ListKeysCommand } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError, NotFoundError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { destroySecret } from '../../../shared/secrets/secrets';
import { kmsUserSecretName } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

export const requireKeyStore: Step<KeyStoreScope> = {
    name: 'require-key-store',
    run: async (scope) => {
        if (!scope.model.KeyStoreId) throw new NotFoundError('No KeyStoreId: there is no key store to delete.');
        await scope.keyStore();
        return next();
    },
};

export const refuseWhileKeysRemain: Step<KeyStoreScope> = {
    name: 'refuse-while-keys-remain',
    run: async (scope) => {
        const keys = await keysInStore(scope);
        if (!keys.length) return next();
        const listed = keys
            .slice(0, 10)
            .map((k) => `${k.KeyId} (${k.KeyState}${k.DeletionDate ? ` until ${new Date(k.DeletionDate).toISOString().slice(0, 10)}` : ''})`)
            .join(', ');
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `Key store ${scope.keyStoreId} still holds ${keys.length} KMS key(s): ${listed}${keys.length > 10 ? ', …' : ''}. ` +
                'Schedule each for deletion (kms schedule-key-deletion) and delete the key store after the waiting period, when KMS has deleted them; a key pending deletion still blocks it.',
        );
    },
};

/** ListKeys does not say which store a key is in; DescribeKey does. */
async function keysInStore(scope: KeyStoreScope): Promise<KeyMetadata[]> {
    const found: KeyMetadata[] = [];
    let marker: string | undefined;
    do {
        const page = await scope.kms.send(new ListKeysCommand({ Limit: 1000, Marker: marker }));
        for (const key of page.Keys ?? []) {
            const metadata = (await scope.kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata;
            if (metadata?.CustomKeyStoreId === scope.keyStoreId) found.push(metadata);
        }
        marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return found;
}

export const deleteKeyStore: Step<KeyStoreScope> = {
    name: 'delete-key-store',
    run: async (scope) => {
        if (await scope.keyStoreIfPresent()) await scope.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId }));
        await destroySecret(scope.secrets, kmsUserSecretName(scope.keyStoreId));
        return next();
    },
};
