/** The update-only steps: what may change, renaming, and moving to a related cluster. */
import { DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { UpdateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError, InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { findCluster } from '../../../shared/finders/clusters';
import { checkManagementInstance } from '../../../shared/finders/management-instance';
import { sameCertificate } from '../translate';
import { assertValidKeyStoreInput } from '../validate-input';
import { KeyStoreScope } from '../workflows/scope';
import { readyCluster } from './check-inputs';

export const checkUpdate: Step<KeyStoreScope> = {
    name: 'check-update',
    run: async (scope) => {
        const store = await scope.keyStore();
        assertValidKeyStoreInput(scope.model);
        const previous = scope.previous!;
        if (previous.TrustAnchorCertificate && !sameCertificate(previous.TrustAnchorCertificate, scope.model.TrustAnchorCertificate)) {
            throw new HandlerError(HandlerErrorCode.NotUpdatable, 'TrustAnchorCertificate cannot change; a related cluster has the same trust anchor, any other needs a new key store.');
        }
        if (scope.model.ClusterId !== store.CloudHsmClusterId) {
            const target = await readyCluster(scope, scope.model.ClusterId!);
            if ((await lineageRoot(scope, target.ClusterId!)) !== (await lineageRoot(scope, store.CloudHsmClusterId!))) {
                throw new InvalidInputError(
                    `ClusterId: cluster ${scope.model.ClusterId} is not related to ${store.CloudHsmClusterId} (it was not restored from a backup of the same lineage); KMS moves a key store only between related clusters. Create a new key store for it instead.`,
                );
            }
            await checkManagementInstance(scope.ec2, scope.ssm, scope.model.ManagementInstanceId!, target.VpcId);
        }
        return next();
    },
};

/** The first cluster of a backup lineage: follow SourceBackupId to the backup's cluster, back to the start. */
async function lineageRoot(scope: KeyStoreScope, clusterId: string): Promise<string> {
    let current = clusterId;
    for (let hops = 0; hops < 10; hops++) {
        const cluster = await findCluster(scope.cloudhsm, current).catch(() => undefined);
        const backupId = cluster?.SourceBackupId;
        if (!backupId) return current;
        const backup = (await scope.cloudhsm.send(new DescribeBackupsCommand({ Filters: { backupIds: [backupId] } }))).Backups?.[0];
        if (!backup?.ClusterId) return current;
        current = backup.ClusterId;
    }
    return current;
}

export const rename: Step<KeyStoreScope> = {
    name: 'rename',
    run: async (scope) => {
        const store = await scope.keyStore();
        if (store.CustomKeyStoreName === scope.model.KeyStoreName) return next();
        await scope.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId, NewCustomKeyStoreName: scope.model.KeyStoreName }));
        scope.changed();
        return next();
    },
};

export const moveCluster: Step<KeyStoreScope> = {
    name: 'move-cluster',
    run: async (scope) => {
        const store = await scope.keyStore();
        if (store.CloudHsmClusterId === scope.model.ClusterId) return next();
        await scope.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId, CloudHsmClusterId: scope.model.ClusterId }));
        scope.changed();
        return next();
    },
};
