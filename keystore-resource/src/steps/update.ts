/**
 * The update-only steps: what may change and what it takes, the one UpdateCustomKeyStore call a disconnected
 * store gets (name, cluster and password together), and the rename of a connected one.
 */
import { DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { CustomKeyStoresListEntry, UpdateCustomKeyStoreCommand, UpdateCustomKeyStoreCommandInput } from '@aws-sdk/client-kms';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError, InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { findCluster, FoundCluster } from '../../../shared/finders/clusters';
import { sameCertificate, withDefaults } from '../translate';
import { assertValidKeyStoreInput } from '../validate-input';
import { KeyStoreScope } from '../workflows/scope';
import { checkScriptTarget, readyCluster } from './check-inputs';
import { wantsConnected } from './connection';
import { findByName } from './create-key-store';
import { kmsUserPassword, rotatesKmsUser } from './kmsuser';
import { assertManagedHere } from './ownership';
import { passwordVersionOf } from './read-model';

/** The update leaves the store DISCONNECTED, or changes what KMS accepts only while it is: the store is disconnected first. */
export const disconnectsFirst = (scope: KeyStoreScope) => rotatesKmsUser(scope) || !wantsConnected(scope);

export const checkUpdate: Step<KeyStoreScope> = {
    name: 'check-update',
    run: async (scope) => {
        const store = await scope.keyStore();
        assertValidKeyStoreInput(scope.model, scope.request.accountId);
        const previous = scope.previous!;
        if (previous.TrustAnchorCertificate && !sameCertificate(previous.TrustAnchorCertificate, scope.model.TrustAnchorCertificate)) {
            throw new HandlerError(HandlerErrorCode.NotUpdatable, 'TrustAnchorCertificate cannot change; a related cluster has the same trust anchor, any other needs a new key store.');
        }
        let target: FoundCluster | undefined;
        if (scope.model.ClusterId !== store.CloudHsmClusterId) {
            target = await readyCluster(scope, scope.model.ClusterId!);
            if ((await lineageRoot(scope, target.ClusterId!)) !== (await lineageRoot(scope, store.CloudHsmClusterId!))) {
                throw new InvalidInputError(
                    `ClusterId: cluster ${scope.model.ClusterId} is not related to ${store.CloudHsmClusterId} (it was not restored from a backup of the same lineage); KMS moves a key store only between related clusters. Create a new key store for it instead.`,
                );
            }
        }
        scope.data.rotateKmsUser = await needsRotation(scope, store);
        if (changesKeyStore(scope, store)) await assertManagedHere(scope, store, 'update', [store.CloudHsmClusterId!, scope.model.ClusterId!]);
        // A rotation or a move sends the kmsuser script: to the instance and with the admin secret of the
        // cluster the store ends on.
        if (rotatesKmsUser(scope)) await checkScriptTarget(scope, target ?? (await existingCluster(scope, store.CloudHsmClusterId!)));
        if (store.CustomKeyStoreName !== scope.model.KeyStoreName && !renameComesFirst(scope, store)) await refuseNameInUse(scope);
        return next();
    },
};

const SETTLES_AS: Record<string, string> = { CONNECTED: 'CONNECTED', CONNECTING: 'CONNECTED', DISCONNECTED: 'DISCONNECTED', DISCONNECTING: 'DISCONNECTED' };

/**
 * Whether any step of the update will change the store. One that changes nothing needs no consent (an
 * imported store's write-only properties, or CloudFormation's rollback of an update that was refused, which
 * declares the store as it still is).
 */
const changesKeyStore = (scope: KeyStoreScope, store: CustomKeyStoresListEntry) =>
    rotatesKmsUser(scope) ||
    store.CustomKeyStoreName !== scope.model.KeyStoreName ||
    store.CloudHsmClusterId !== scope.model.ClusterId ||
    SETTLES_AS[store.ConnectionState ?? ''] !== withDefaults(scope.model).DesiredConnectionState;

/**
 * kmsuser gets a new password when one is asked for (KmsUserPasswordVersion changed), when the store moves (the
 * new cluster's kmsuser must have the password KMS is told), and when the secret's version tag is not the
 * version declared: an earlier rotation set a password on the HSMs but never told KMS, so connecting now
 * would fail. An imported store's secret has no version tag until its first rotation has told KMS; a store
 * with no secret at all was never rotated by the type, and KMS holds whatever password its owner gave it.
 */
async function needsRotation(scope: KeyStoreScope, store: CustomKeyStoresListEntry): Promise<boolean> {
    const version = withDefaults(scope.model).KmsUserPasswordVersion;
    if (version !== withDefaults(scope.previous!).KmsUserPasswordVersion || scope.model.ClusterId !== store.CloudHsmClusterId) return true;
    const secret = await scope.kmsUserSecret();
    return secret !== undefined && passwordVersionOf(secret) !== version;
}

/** A rename that is the update's first change is checked by KMS itself; after other changes, a name in use would strand them. */
const renameComesFirst = (scope: KeyStoreScope, store: CustomKeyStoresListEntry) =>
    !rotatesKmsUser(scope) && wantsConnected(scope) && (store.ConnectionState === 'CONNECTED' || store.ConnectionState === 'DISCONNECTED');

async function refuseNameInUse(scope: KeyStoreScope): Promise<void> {
    const other = await findByName(scope, scope.model.KeyStoreName!);
    if (other && other.CustomKeyStoreId !== scope.keyStoreId) {
        throw new HandlerError(HandlerErrorCode.AlreadyExists, `KeyStoreName: a key store named ${other.CustomKeyStoreName} already exists (${other.CustomKeyStoreId}). Choose another name.`);
    }
}

async function existingCluster(scope: KeyStoreScope, clusterId: string): Promise<FoundCluster> {
    const cluster = await findCluster(scope.cloudhsm, clusterId);
    if (!cluster) throw new InvalidInputError(`ClusterId: cluster ${clusterId} does not exist in this region.`);
    return cluster;
}

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

/**
 * Everything KMS accepts only while the store is DISCONNECTED, in one UpdateCustomKeyStore: the name (which a
 * disconnected store takes too), the related cluster, and the kmsuser password the rotation set on the HSMs.
 * Telling the same values again is harmless, so a retried step just tells them again; a store that is
 * connecting or connected was told already and has been reconnected since.
 */
export const changeWhileDisconnected: Step<KeyStoreScope> = {
    name: 'change-while-disconnected',
    run: async (scope) => {
        const store = await scope.keyStore();
        if (store.ConnectionState !== 'DISCONNECTED') return next();
        const change: UpdateCustomKeyStoreCommandInput = { CustomKeyStoreId: scope.keyStoreId };
        if (store.CustomKeyStoreName !== scope.model.KeyStoreName) change.NewCustomKeyStoreName = scope.model.KeyStoreName;
        if (store.CloudHsmClusterId !== scope.model.ClusterId) change.CloudHsmClusterId = scope.model.ClusterId;
        if (rotatesKmsUser(scope)) change.KeyStorePassword = await kmsUserPassword(scope);
        if (Object.keys(change).length === 1) return next();
        await scope.kms.send(new UpdateCustomKeyStoreCommand(change));
        scope.changed();
        return next();
    },
};

/** A rename that needs nothing else: one call while the store is CONNECTED, as KMS allows. */
export const renameWhileConnected: Step<KeyStoreScope> = {
    name: 'rename-while-connected',
    run: async (scope) => {
        const store = await scope.keyStore();
        if (store.ConnectionState !== 'CONNECTED' || store.CustomKeyStoreName === scope.model.KeyStoreName) return next();
        await scope.kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: scope.keyStoreId, NewCustomKeyStoreName: scope.model.KeyStoreName }));
        scope.changed();
        return next();
    },
};
