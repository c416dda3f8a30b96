/**
 * A cluster that a KMS key store uses must not be deleted: CloudHSM does not stop it, and KMS then loses the
 * HSMs behind every key in that store (they can no longer be used). The delete refuses before removing
 * anything and says which store holds on to the cluster. CloudFormation deletes a stack's key store before
 * its cluster (the store refers to the cluster), so a stack with both still goes down.
 *
 * One kind of store does not hold the cluster: a store the key store type retired (shared/finders/key-store-keys.ts)
 * that is still DISCONNECTED and whose keys are all pending deletion, checked again here key by key, so that a
 * deletion canceled since keeps the cluster. Its keys' material goes with the HSMs, as KMS would have deleted it
 * at the end of the waiting period; the cluster's backups keep it (see the README on key material and backups).
 */
import { CustomKeyStoresListEntry, DescribeCustomKeyStoresCommand } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError } from '../../../shared/engine/errors';
import { isRetiredKeyStore, keysInKeyStore } from '../../../shared/finders/key-store-keys';
import { next, Step } from '../../../shared/engine/workflow';
import { ClusterScope } from '../workflows/scope';

/** DescribeCustomKeyStores can filter by ID or name only: every store is read, page by page. */
export async function keyStoresOf(scope: ClusterScope, clusterId: string): Promise<CustomKeyStoresListEntry[]> {
    const found: CustomKeyStoresListEntry[] = [];
    let marker: string | undefined;
    do {
        const page = await scope.kms.send(new DescribeCustomKeyStoresCommand({ Limit: 1000, Marker: marker }));
        found.push(...(page.CustomKeyStores ?? []).filter((s) => s.CustomKeyStoreType !== 'EXTERNAL_KEY_STORE' && s.CloudHsmClusterId === clusterId));
        marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return found;
}

async function retiredWithOnlyKeysPendingDeletion(scope: ClusterScope, store: CustomKeyStoresListEntry): Promise<boolean> {
    if (!isRetiredKeyStore(store) || store.ConnectionState !== 'DISCONNECTED') return false;
    const found = await keysInKeyStore(scope.kms, store.CustomKeyStoreId!);
    return found.undescribable === 0 && found.inStore.every((k) => k.KeyState === 'PendingDeletion');
}

export const refuseWhileKeyStoreUsesCluster: Step<ClusterScope> = {
    name: 'refuse-while-key-store-uses-cluster',
    run: async (scope) => {
        const stores: CustomKeyStoresListEntry[] = [];
        for (const store of await keyStoresOf(scope, scope.clusterId)) {
            if (!(await retiredWithOnlyKeysPendingDeletion(scope, store))) stores.push(store);
        }
        if (!stores.length) return next();
        const named = stores.map((s) => `${s.CustomKeyStoreName} (${s.CustomKeyStoreId}, ${s.ConnectionState})`).join(', ');
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `Cluster ${scope.clusterId} is used by KMS key store ${named}: deleting it would remove the HSMs behind every KMS key in that store, and the keys would stop working. ` +
                'Delete the key store first (or move it to another cluster of the same backup lineage), then delete the cluster again. Nothing was removed.',
        );
    },
};
