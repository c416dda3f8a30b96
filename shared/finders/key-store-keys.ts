/**
 * The KMS keys of a CloudHSM key store, and the key stores a key store delete left behind ("retired").
 *
 * ListKeys does not say which store a key is in; DescribeKey does, where the key's policy lets the caller ask.
 * A key that refuses DescribeKey may be in any store, so it is counted: a caller that must be sure a store holds
 * no live key cannot be while any key hides from it.
 *
 * A key store cannot be deleted while it holds keys, even keys pending deletion, and KMS deletes those only after
 * their 7–30 day waiting period. So the key store type's delete, when nothing but keys pending deletion is left,
 * leaves the store behind DISCONNECTED under a name that frees the declared one and says what it is:
 * `retired/<its own ID>/<its former name>`. The cluster type's delete lets such a store go with the cluster
 * after checking its keys again; a later key store operation removes it once KMS has deleted its keys.
 */
import { CustomKeyStoresListEntry, DescribeKeyCommand, KeyMetadata, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { isAwsError } from '../aws/error-table';

export interface KeysInStore {
    inStore: KeyMetadata[];
    /** Keys of the account whose key policy refuses the caller kms:DescribeKey: any of them may be in the store. */
    undescribable: number;
}

export async function keysInKeyStore(kms: KMSClient, keyStoreId: string): Promise<KeysInStore> {
    const found: KeysInStore = { inStore: [], undescribable: 0 };
    let marker: string | undefined;
    do {
        const page = await kms.send(new ListKeysCommand({ Limit: 1000, Marker: marker }));
        for (const key of page.Keys ?? []) {
            const metadata = await describeKey(kms, key.KeyId!);
            if (metadata === 'denied') found.undescribable += 1;
            else if (metadata?.CustomKeyStoreId === keyStoreId) found.inStore.push(metadata);
        }
        marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return found;
}

/** Every key the caller can see in the store is pending deletion, at least one is, and no key hides from the caller. */
export const onlyKeysPendingDeletion = (found: KeysInStore): boolean =>
    found.undescribable === 0 && found.inStore.length > 0 && found.inStore.every((k) => k.KeyState === 'PendingDeletion');

/** The key's metadata; 'denied' when its key policy refuses the caller; undefined when it was deleted meanwhile. */
async function describeKey(kms: KMSClient, keyId: string): Promise<KeyMetadata | 'denied' | undefined> {
    try {
        return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    } catch (err) {
        if (isAwsError(err, 'AccessDeniedException')) return 'denied';
        if (isAwsError(err, 'NotFoundException')) return undefined;
        throw err;
    }
}

const KEY_STORE_NAME_MAX = 256;
const retiredPrefix = (keyStoreId: string) => `retired/${keyStoreId}/`;

export const retiredKeyStoreName = (keyStoreId: string, formerName: string) => (retiredPrefix(keyStoreId) + formerName).slice(0, KEY_STORE_NAME_MAX);

/** Named by its own ID, so no other store's name can pass for it. */
export const isRetiredKeyStore = (store: CustomKeyStoresListEntry): boolean => !!store.CustomKeyStoreName?.startsWith(retiredPrefix(store.CustomKeyStoreId ?? ''));
