/**
 * Deleting a key store that holds no KMS keys. KMS is the arbiter: DeleteCustomKeyStore refuses a store with
 * keys, including keys pending deletion (CustomKeyStoreHasCMKsException), and the type cannot see every key
 * anyway: ListKeys does not say which store a key is in, and DescribeKey is authorized by each key's own key
 * policy, which may refuse this role. A store found CONNECTED is first checked for the keys this role may
 * describe, so that the usual refusal changes nothing (disconnecting would make its keys unusable until it
 * has reconnected, minutes later). When KMS refuses, the store is connected again if it was connected, and the
 * failure lists the keys the type could see. kmsuser stays on the cluster (a later key store adopts it); its
 * secret goes with the store.
 */
import { DeleteCustomKeyStoreCommand, DescribeKeyCommand, KeyMetadata, ListKeysCommand } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../../shared/aws/error-table';
import { HandlerError, NotFoundError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
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

/** A CONNECTED store with keys this role can see is refused before anything changes. */
export const refuseWhileKeysRemain: Step<KeyStoreScope> = {
    name: 'refuse-while-keys-remain',
    run: async (scope) => {
        if ((await scope.keyStore()).ConnectionState !== 'CONNECTED') return next();
        const found = await keysInStore(scope);
        if (found.inStore.length) {
            throw new HandlerError(HandlerErrorCode.ResourceConflict, `${keysMessage(scope, found)} Nothing was changed. ${SCHEDULE_ADVICE}`);
        }
        scope.data.undescribableKeys = found.undescribable;
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

export const refused = (scope: KeyStoreScope) => scope.data.refused === true;
export const reconnectAfterRefusal = (scope: KeyStoreScope) => refused(scope) && scope.data.reconnectIfRefused === true;

/** After KMS refused, and the store is connected again if it was: the failure, naming the keys the type could see. */
export const reportRefusal: Step<KeyStoreScope> = {
    name: 'report-refusal',
    when: refused,
    run: async (scope) => {
        // The early check has just looked at every key; a store that was not CONNECTED was not checked yet.
        const found = scope.data.undescribableKeys !== undefined ? { inStore: [], undescribable: scope.data.undescribableKeys } : await keysInStore(scope);
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

interface KeysFound {
    inStore: KeyMetadata[];
    /** Keys whose key policy refuses this role kms:DescribeKey: any of them may be in the store. */
    undescribable: number;
}

function keysMessage(scope: KeyStoreScope, found: KeysFound): string {
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

/** ListKeys does not say which store a key is in; DescribeKey does, where the key's policy lets this role ask. */
async function keysInStore(scope: KeyStoreScope): Promise<KeysFound> {
    const found: KeysFound = { inStore: [], undescribable: 0 };
    let marker: string | undefined;
    do {
        const page = await scope.kms.send(new ListKeysCommand({ Limit: 1000, Marker: marker }));
        for (const key of page.Keys ?? []) {
            const metadata = await describeKey(scope, key.KeyId!);
            if (metadata === 'denied') found.undescribable += 1;
            else if (metadata?.CustomKeyStoreId === scope.keyStoreId) found.inStore.push(metadata);
        }
        marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return found;
}

/** The key's metadata; 'denied' when its key policy refuses this role; undefined when it was deleted meanwhile. */
async function describeKey(scope: KeyStoreScope, keyId: string): Promise<KeyMetadata | 'denied' | undefined> {
    try {
        return (await scope.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    } catch (err) {
        if (isAwsError(err, 'AccessDeniedException')) return 'denied';
        if (isAwsError(err, 'NotFoundException')) return undefined;
        throw err;
    }
}
