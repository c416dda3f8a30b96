/**
 * A cluster that a KMS key store uses must not be deleted: CloudHSM does not stop it, and KMS then loses the
 * HSMs behind every key in that store (they can no longer be used). The delete refuses before removing
 * anything and says which store holds on to the cluster. CloudFormation deletes a stack's key store before
 * its cluster (the store refers to the cluster), so a stack with both still goes down.
 */
import { CustomKeyStoresListEntry, DescribeCustomKeyStoresCommand } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError } from '../../../shared/engine/errors';
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

export const refuseWhileKeyStoreUsesCluster: Step<ClusterScope> = {
    name: 'refuse-while-key-store-uses-cluster',
    run: async (scope) => {
        const stores = await keyStoresOf(scope, scope.clusterId);
        if (!stores.length) return next();
        const named = stores.map((s) => `${s.CustomKeyStoreName} (${s.CustomKeyStoreId}, ${s.ConnectionState})`).join(', ');
        throw new HandlerError(
            HandlerErrorCode.ResourceConflict,
            `Cluster ${scope.clusterId} is used by KMS key store ${named}: deleting it would remove the HSMs behind every KMS key in that store, and the keys would stop working. ` +
                'Delete the key store first (or move it to another cluster of the same backup lineage), then delete the cluster again. Nothing was removed.',
        );
    },
};
