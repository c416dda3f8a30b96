/**
 * Which key stores are this type's own, and the consent without which it changes no other (resource import,
 * shared/registry/import-consent.ts).
 *
 * A store is the type's own when its kmsuser secret, cloudhsm/key-stores/<store ID>/kmsuser, exists and does
 * not carry IMPORTED_TAG. Only the type's execution role writes under cloudhsm/key-stores/ (execution-role.yaml),
 * so nobody who imports a store can make it look like the type's; and a create stores that secret in the step
 * right after KMS made the store (create-key-store.ts), so every store a create finished making has it. The
 * create's request record cannot tell: it is named from the create's request token, which no later request
 * knows, and it is deleted once the secret is stored.
 *
 * Every other store was made by hand, by the AWS sample or by some other tool, and came in by import. So did a
 * store whose secret carries IMPORTED_TAG: the type made that secret when it first rotated the imported store's
 * kmsuser password (kmsuser.ts), and the tag keeps the store imported for good, so that the cluster's owner can
 * withdraw consent at any time by untagging the cluster.
 *
 * This fails safe: a store the type made whose secret is gone (deleted by someone, or a create that failed in
 * the one step between CreateCustomKeyStore and storing the secret) needs consent too. The other way round, a
 * store would be changed without its owner's say.
 */
import type { CustomKeyStoresListEntry } from '@aws-sdk/client-kms';
import { InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { findCluster } from '../../../shared/finders/clusters';
import { assertImportConsent, IMPORT_CONSENT_TAG } from '../../../shared/registry/import-consent';
import { KeyStoreScope } from '../workflows/scope';

/** On the kmsuser secret the type makes for an imported store: the store stays imported. */
export const IMPORTED_TAG = 'cloudhsm-type:imported-key-store';

export async function isOwnKeyStore(scope: KeyStoreScope): Promise<boolean> {
    const secret = await scope.kmsUserSecret();
    return secret !== undefined && !secret.Tags?.some((t) => t.Key === IMPORTED_TAG);
}

/**
 * Throws InvalidRequest, before anything changes, unless the store is the type's own or each cluster the
 * operation acts on (the store's, and for a move the new one) names this stack in IMPORT_CONSENT_TAG.
 */
export async function assertManagedHere(scope: KeyStoreScope, store: CustomKeyStoresListEntry, operation: 'update' | 'delete', clusterIds: string[]): Promise<void> {
    if (await isOwnKeyStore(scope)) return;
    for (const clusterId of new Set(clusterIds)) {
        const cluster = await findCluster(scope.cloudhsm, clusterId);
        if (!cluster) {
            const instead =
                operation === 'delete'
                    ? 'Give the resource DeletionPolicy: Retain, remove it from the stack, and delete the key store yourself (aws kms delete-custom-key-store).'
                    : 'Manage the key store outside this stack.';
            throw new InvalidInputError(
                `The key store ${store.CustomKeyStoreId} was not created by this type (it was imported), and its cluster ${clusterId} no longer exists, so nobody can consent with its ${IMPORT_CONSENT_TAG} tag. ${instead}`,
            );
        }
        assertImportConsent({ resource: `key store ${store.CustomKeyStoreId}`, clusterId, clusterTags: cluster.TagList, systemTags: scope.request.systemTags, operation });
    }
}

/** The delete's first step: nothing of an imported store is touched, not even the retired stores' clean-up, without consent. */
export const requireDeleteConsent: Step<KeyStoreScope> = {
    name: 'require-delete-consent',
    run: async (scope) => {
        // A store that is gone is reported by require-key-store.
        const store = scope.data.keyStoreId ? await scope.keyStoreIfPresent() : undefined;
        if (store) await assertManagedHere(scope, store, 'delete', [store.CloudHsmClusterId!]);
        return next();
    },
};
