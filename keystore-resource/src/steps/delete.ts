/**
 * Deleting a key store that holds no KMS keys. KMS is the arbiter: DeleteCustomKeyStore refuses a store with
 * keys, including keys pending deletion (CustomKeyStoreHasCMKsException), and the type cannot see every key
 * anyway: ListKeys does not say which store a key is in, and DescribeKey is authorized by each key's own key
 * policy, which may refuse this role. A store found CONNECTED is first checked for the keys this role may
 * describe, so that the usual refusal changes nothing (disconnecting would make its keys unusable until it
 * has reconnected, minutes later). When KMS refuses, the store is connected again if it was connected, and the
 * failure lists the keys the type could see. kmsuser stays on the cluster (a later key store adopts it); its
 * secret goes with the store.
 *
 * An imported store (steps/ownership.ts) is deleted the same way, once its cluster consents. Its kmsuser stays
 * too, although the type did not create it: it may own key material that KMS left in the cluster (orphaned
 * keys, which the CloudHSM CLI refuses to delete a user for), whoever made the store by hand may mean to use it
 * again, and removing it would take an admin session on the management instance that no delete needs
 * otherwise. Only the type's own kmsuser secret goes (made if the type rotated the imported store's password);
 * the secrets the type did not create — the AdminSecretArn it was given, or the AWS sample's password and CA
 * certificate secrets — are never touched: the delete does not even read their names.
 *
 * A store that holds nothing but keys pending deletion (as a stack leaves it: CloudFormation deletes its KMS keys
 * first, which only schedules them) cannot be deleted for 7 to 30 days. Rather than fail the stack, the delete
 * retires it: the store stays DISCONNECTED under the name `retired/<id>/<name>` (shared/finders/key-store-keys.ts),
 * which frees the declared name, and the resource is gone for CloudFormation. Nothing is lost by it: every key in
 * the store was scheduled for deletion by somebody, and a key whose deletion is canceled is usable again once the
 * store is reconnected. Every key store delete afterwards removes the retired stores that KMS has emptied.
 */
import { DeleteCustomKeyStoreCommand, DescribeCustomKeyStoresCommand, UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../../shared/aws/error-table';
import { HandlerError, NotFoundError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { isRetiredKeyStore, keysInKeyStore, KeysInStore, onlyKeysPendingDeletion, retiredKeyStoreName } from '../../../shared/finders/key-store-keys';
import { destroySecret } from '../../../shared/secrets/secrets';
import { kmsUserSecretName } from '../translate';
import { KeyStoreScope } from '../workflows/scope';
import { wantsConnected } from './connection';

/** At most this many keys are named in a message. */
const KEYS_LISTED = 10;

/**
 * The store exists; whether a refused delete must connect it again is decided here, once. A store found
 * DISCONNECTING or DISCONNECTED while the stack declares it CONNECTED is most likely one an earlier delivery of
 * this delete disconnected before its answer was lost: it is connected again too.
 */
export const requireKeyStore: Step<KeyStoreScope> = {
    name: 'require-key-store',
    run: async (scope) => {
        if (!scope.model.KeyStoreId) throw new NotFoundError('No KeyStoreId: there is no key store to delete.');
        const state = (await scope.keyStore()).ConnectionState;
        scope.data.reconnectIfRefused ??= state === 'CONNECTED' || state === 'CONNECTING' || ((state === 'DISCONNECTING' || state === 'DISCONNECTED') && wantsConnected(scope));
        return next();
    },
};

/**
 * A CONNECTED store with keys this role can see is refused before anything changes, unless every one of them is
 * pending deletion (and no key hides from the role): that store is retired once KMS has refused to delete it.
 */
export const refuseWhileKeysRemain: Step<KeyStoreScope> = {
    name: 'refuse-while-keys-remain',
    run: async (scope) => {
        if ((await scope.keyStore()).ConnectionState !== 'CONNECTED') return next();
        const found = await keysInKeyStore(scope.kms, scope.keyStoreId);
        if (found.inStore.length && !onlyKeysPendingDeletion(found)) {
            throw new HandlerError(HandlerErrorCode.ResourceConflict, `${keysMessage(scope, found)} Nothing was changed. ${SCHEDULE_ADVICE}`);
        }
        scope.data.undescribableKeys = found.undescribable;
        scope.data.onlyKeysPendingDeletion = onlyKeysPendingDeletion(found);
        return next();
    },
};

export const deleteKeyStore: Step<KeyStoreScope> = {
    name: 'delete-key-store',
    run: async (scope) => {
        const store = await scope.keyStoreIfPresent();
        if (!store) return next();
        // Disconnected by the steps before; connected again only by this delete's own reconnect after KMS
        // refused, when an earlier delivery of this invocation lost its answer.
        if (store.ConnectionState !== 'DISCONNECTED') {
            scope.data.refused = true;
            return next();
        }
        try {
            await scope.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId }));
        } catch (err) {
            if (!isAwsError(err, 'CustomKeyStoreHasCMKsException')) throw err;
            scope.data.refused = true;
        }
        scope.changed();
        return next();
    },
};

export const refused = (scope: KeyStoreScope) => scope.data.refused === true && scope.data.retired !== true;
export const reconnectAfterRefusal = (scope: KeyStoreScope) => refused(scope) && scope.data.reconnectIfRefused === true;

/**
 * KMS refused because keys remain. When all of them are pending deletion the store is retired: renamed while
 * DISCONNECTED (the early check looked at a CONNECTED store's keys; any other store's keys are looked at now).
 */
export const retireWhenOnlyKeysPendingDeletion: Step<KeyStoreScope> = {
    name: 'retire-when-only-keys-pending-deletion',
    when: (scope) => scope.data.refused === true,
    run: async (scope) => {
        const store = await rawKeyStore(scope);
        if (!store) return next();
        if (!isRetiredKeyStore(store)) {
            scope.data.onlyKeysPendingDeletion ??= onlyKeysPendingDeletion(await keysInKeyStore(scope.kms, scope.keyStoreId));
            if (!scope.data.onlyKeysPendingDeletion || store.ConnectionState !== 'DISCONNECTED') return next();
            await scope.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId, NewCustomKeyStoreName: retiredKeyStoreName(scope.keyStoreId, store.CustomKeyStoreName!) }));
        }
        scope.data.retired = true;
        return next();
    },
};

/** The store as KMS has it, retired or not (the scope's view hides a retired store: it is deleted for CloudFormation). */
async function rawKeyStore(scope: KeyStoreScope) {
    try {
        return (await scope.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: scope.keyStoreId }))).CustomKeyStores?.[0];
    } catch (err) {
        if (isAwsError(err, 'CustomKeyStoreNotFoundException')) return undefined;
        throw err;
    }
}

/**
 * Retired stores whose keys KMS has deleted by now go for good: KMS itself refuses a store that still holds a
 * key, so trying costs one call per retired store and can remove nothing else.
 */
export const removeEmptiedRetiredStores: Step<KeyStoreScope> = {
    name: 'remove-emptied-retired-stores',
    run: async (scope) => {
        let marker: string | undefined;
        do {
            const page = await scope.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 1000, Marker: marker }));
            const retired = (page.CustomKeyStores ?? []).filter((s) => isRetiredKeyStore(s) && s.ConnectionState === 'DISCONNECTED');
            for (const store of retired) {
                try {
                    await scope.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: store.CustomKeyStoreId }));
                } catch (err) {
                    if (!isAwsError(err, 'CustomKeyStoreHasCMKsException', 'CustomKeyStoreInvalidStateException', 'CustomKeyStoreNotFoundException')) throw err;
                }
            }
            marker = page.Truncated ? page.NextMarker : undefined;
        } while (marker);
        return next();
    },
};

/** After KMS refused, and the store is connected again if it was: the failure, naming the keys the type could see. */
export const reportRefusal: Step<KeyStoreScope> = {
    name: 'report-refusal',
    when: refused,
    run: async (scope) => {
        // The early check has just looked at every key; a store that was not CONNECTED was not checked yet.
        const found = scope.data.undescribableKeys !== undefined ? { inStore: [], undescribable: scope.data.undescribableKeys } : await keysInKeyStore(scope.kms, scope.keyStoreId);
        const connection = scope.data.reconnectIfRefused ? 'The key store is CONNECTED again.' : `The key store was left ${(await scope.keyStore()).ConnectionState}.`;
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `KMS refused to delete key store ${scope.keyStoreId}: it still holds KMS keys (CustomKeyStoreHasCMKsException). ${keysMessage(scope, found)} ${connection} ${SCHEDULE_ADVICE}`,
        );
    },
};

export const destroyKmsUserSecret: Step<KeyStoreScope> = {
    name: 'destroy-kmsuser-secret',
    run: async (scope) => {
        await destroySecret(scope.secrets, kmsUserSecretName(scope.keyStoreId));
        return next();
    },
};

const SCHEDULE_ADVICE =
    'Schedule each KMS key in the store for deletion (kms schedule-key-deletion) and delete the key store after the waiting period, when KMS has deleted them; a key pending deletion still blocks it.';

function keysMessage(scope: KeyStoreScope, found: KeysInStore): string {
    const listed = found.inStore
        .slice(0, KEYS_LISTED)
        .map((k) => `${k.KeyId} (${k.KeyState}${k.DeletionDate ? ` until ${new Date(k.DeletionDate).toISOString().slice(0, 10)}` : ''})`)
        .join(', ');
    const seen = found.inStore.length
        ? `Key store ${scope.keyStoreId} still holds ${found.inStore.length} KMS key(s) that this role may describe: ${listed}${found.inStore.length > KEYS_LISTED ? ', …' : ''}.`
        : 'None of the KMS keys this role may describe is in it.';
    const unseen = found.undescribable
        ? ` ${found.undescribable} KMS key(s) in this account refuse this role kms:DescribeKey in their key policies; keys in the store may be among them.`
        : '';
    return seen + unseen;
}
