/**
 * A cluster this type did not create, brought into a stack by CloudFormation resource import: made by the
 * AWS sample (Step Functions and SSM documents) or by hand.
 *
 * What CloudFormation does ("Import AWS resources into a CloudFormation stack with a resource import";
 * "Resource type handler contract"): the user names the resource by its primary identifier; CloudFormation
 * checks that it exists, which for a registry type is a READ with that identifier alone (NotFound fails the
 * import), and that the template's properties fit the schema; it does not compare them with the resource. It
 * then keeps the template's properties as the resource's state, so the next update's previous state is the
 * template as it was at import, not what READ returned.
 *
 * So the type knows nothing of such a cluster but what CloudHSM says: not its admin password, not its trust
 * anchor (customerCA.crt), not who signed its certificate. READ leaves those out; every update and delete
 * first needs the owner's consent (shared/registry/import-consent.ts); the admin password and the trust anchor
 * come only from copies the type makes of the secrets named in ImportedAdminSecretArn and
 * ImportedTrustAnchorSecretArn, after checking that each belongs to the cluster (by the type's tag, as a
 * restore checks its source secrets) and holds what it should. From then on the copies are the cluster's
 * AdminSecretArn and TrustAnchorSecretArn, as for a cluster the type made, and the owner's secrets are never
 * read or changed again. An operation that needs a copy the type does not have is refused, naming the
 * property to give, before anything changes.
 *
 * The cluster's tag INTERNAL_TAG.importedSecrets records which copies the type made. Only the type or the
 * cluster's owner can tag the cluster; a secret anybody could have created at a copy's name before the type
 * did is not taken for one (the copy is made with this request's token, which refuses a secret in the way).
 */
import { TagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { checkIssuedBy } from '../../../shared/pki';
import { assertImportConsent } from '../../../shared/registry/import-consent';
import { assertNothingInTheWay, ensureSecret, jsonObjectIn, readSecret } from '../../../shared/secrets/secrets';
import { ClusterModel } from '../resource-model';
import {
    ADMIN_PASSWORD_VERSION_TAG,
    ApiCluster,
    formatImportedSecrets,
    ImportedSecret,
    importedSecretsOf,
    INTERNAL_TAG,
    parseManagement,
    SECRET_CLUSTER_TAG,
    secretNames,
    tagValue,
    withDefaults,
} from '../translate';
import { ClusterScope } from '../workflows/scope';
import { checkBelongsTo, liveSecret, readTrustAnchor, typeTags } from './secrets';

const SOURCE_PROPERTY: Record<ImportedSecret, 'ImportedAdminSecretArn' | 'ImportedTrustAnchorSecretArn'> = {
    'admin-credentials': 'ImportedAdminSecretArn',
    'trust-anchor': 'ImportedTrustAnchorSecretArn',
};
const WHAT_IT_HOLDS: Record<ImportedSecret, string> = {
    'admin-credentials': "the admin's password (the password itself, as the AWS sample keeps it, or JSON {\"username\": \"admin\", \"password\": …})",
    'trust-anchor': "the cluster's trust anchor certificate (customerCA.crt, PEM)",
};
const copyName = (scope: ClusterScope, secret: ImportedSecret) =>
    secret === 'admin-credentials' ? secretNames(scope.clusterId).admin : secretNames(scope.clusterId).trustAnchor;

/** The states of a cluster that was initialized and activated; the type initializes and activates only clusters it creates. */
const ACTIVATED = new Set(['ACTIVE', 'DEGRADED', 'UPDATE_IN_PROGRESS', 'MODIFY_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS']);
/** The CloudHSM CLI's limits on a password (`cluster activate`, `user change-password`). */
const ADMIN_PASSWORD = /^[^\u0000-\u001f\u007f]{8,32}$/;

/** The copies the type made before (recorded on the cluster, and still there). */
async function heldCopies(scope: ClusterScope, cluster: ApiCluster): Promise<ImportedSecret[]> {
    const held: ImportedSecret[] = [];
    for (const secret of importedSecretsOf(cluster)) if (await liveSecret(scope, copyName(scope, secret))) held.push(secret);
    return held;
}

/** Delete: the owner's consent, and which copies the type made (the delete removes those, and only those). */
export function checkImportedDelete(scope: ClusterScope, cluster: ApiCluster): void {
    consent(scope, cluster, 'delete');
    scope.data.imported = { held: importedSecretsOf(cluster), copying: [] };
}

/** Update, first of all: the owner's consent, and a cluster the type can work with. Before the input is checked. */
export function checkImportedUpdate(scope: ClusterScope, cluster: ApiCluster): void {
    consent(scope, cluster, 'update');
    if (!ACTIVATED.has(cluster.State ?? '')) {
        throw new InvalidInputError(
            `Cluster ${scope.clusterId} is ${cluster.State}: this type initializes and activates only the clusters it creates, and was given this one by a resource import. ` +
                'Initialize and activate it as you started to (aws cloudhsmv2 initialize-cluster, then cloudhsm-cli cluster activate), then update the stack again. Nothing was changed.',
        );
    }
    refuseUndeclaredHsmType(scope, cluster);
}

/**
 * Update, once the input is checked: which copies the type has, and which this update makes, their sources
 * checked now. What the update needs from the copies is checked by requireImportedCopies.
 */
export async function planImportedCopies(scope: ClusterScope, cluster: ApiCluster): Promise<void> {
    const held = await heldCopies(scope, cluster);
    const copying = (Object.keys(SOURCE_PROPERTY) as ImportedSecret[]).filter((secret) => !held.includes(secret) && scope.model[SOURCE_PROPERTY[secret]]);
    scope.data.imported = { held, copying };
    for (const secret of copying) {
        await readSource(scope, cluster, secret);
        await assertNothingInTheWay(scope.secrets, copyName(scope, secret), scope.request.requestToken);
    }
}

/**
 * An imported hsm1.medium cluster whose template named no HsmType (so hsm2m.medium, the default) at import and
 * still does not: the update would start the migration, an hour or more with the cluster taking no writes,
 * without anybody asking for it.
 */
function refuseUndeclaredHsmType(scope: ClusterScope, cluster: ApiCluster): void {
    const desired = withDefaults(scope.model).HsmType;
    if (!cluster.HsmType || desired === cluster.HsmType || desired !== withDefaults(scope.previous ?? new ClusterModel()).HsmType) return;
    throw new InvalidInputError(
        `HsmType: cluster ${scope.clusterId} has ${cluster.HsmType} HSMs, and the template says ${desired}${scope.model.HsmType ? '' : ' (the default)'} as it did at import, so this update would migrate it. ` +
            `Declare HsmType: ${cluster.HsmType} to keep it; to migrate, change HsmType from ${cluster.HsmType} to ${desired} in a later update. Nothing was changed.`,
    );
}

function consent(scope: ClusterScope, cluster: ApiCluster, operation: 'update' | 'delete'): void {
    assertImportConsent({ resource: `cluster ${scope.clusterId}`, clusterId: scope.clusterId, clusterTags: cluster.TagList, systemTags: scope.request.systemTags, operation });
}

/**
 * Throws InvalidRequest naming each property still to give, unless the type has (or this update makes) a copy
 * of every secret `what` needs. For the operations on an imported cluster that need them.
 */
export function requireImportedCopies(scope: ClusterScope, needs: ImportedSecret[], what: string): void {
    const imported = scope.data.imported;
    if (!imported) return;
    const missing = needs.filter((secret) => !imported.held.includes(secret) && !imported.copying.includes(secret));
    if (!missing.length) return;
    const give = missing.map((secret) => `${SOURCE_PROPERTY[secret]} (a secret holding ${WHAT_IT_HOLDS[secret]})`).join(' and ');
    throw new InvalidInputError(
        `${what} on cluster ${scope.clusterId}, which was imported: the type does not have ${missing.map((s) => (s === 'admin-credentials' ? 'its admin password' : 'its trust anchor')).join(' or ')}. ` +
            `Give ${give}, each tagged ${SECRET_CLUSTER_TAG}=${scope.clusterId} (aws secretsmanager tag-resource --secret-id <arn> --tags Key=${SECRET_CLUSTER_TAG},Value=${scope.clusterId}). Nothing was changed.`,
    );
}

/**
 * For check-update: a management instance the type has not set up for this cluster gets the CloudHSM CLI
 * configured, which installs the trust anchor. (The template at import may already have named it, so the
 * previous state does not tell.)
 */
export function checkImportedManagementInstance(scope: ClusterScope, cluster: ApiCluster): void {
    const imported = scope.data.imported;
    const instanceId = scope.model.ManagementInstanceId;
    if (!imported || !instanceId || parseManagement(tagValue(cluster, INTERNAL_TAG.management))?.instanceId === instanceId) return;
    requireImportedCopies(scope, ['trust-anchor'], `ManagementInstanceId: configuring the CloudHSM CLI on ${instanceId} installs the cluster's trust anchor (customerCA.crt)`);
    imported.configureInstance = true;
}

/** The AdminPasswordVersion a copied admin secret is recorded with: the one the stack's state had (1 by default). */
export const copiedAdminPasswordVersion = (scope: ClusterScope): string | undefined =>
    scope.data.imported?.copying.includes('admin-credentials') ? String(withDefaults(scope.previous ?? new ClusterModel()).AdminPasswordVersion) : undefined;

/** Reads and checks the owner's secret; the value never leaves this module but into the copy. */
async function readSource(scope: ClusterScope, cluster: ApiCluster, secret: ImportedSecret): Promise<string> {
    const property = SOURCE_PROPERTY[secret];
    const secretId = scope.model[property]!;
    await checkBelongsTo(
        scope,
        secretId,
        property,
        scope.clusterId,
        (owner) =>
            `is not tagged as a secret of cluster ${scope.clusterId} (its ${SECRET_CLUSTER_TAG} tag is ${owner ?? 'absent'}). ` +
            `If it holds ${WHAT_IT_HOLDS[secret]}, tag it so with your own credentials: aws secretsmanager tag-resource --secret-id ${secretId} --tags Key=${SECRET_CLUSTER_TAG},Value=${scope.clusterId}.`,
    );
    if (secret === 'admin-credentials') return JSON.stringify({ username: 'admin', password: await readAdminPassword(scope, secretId) });
    const pem = await readTrustAnchor(scope, secretId, property);
    const clusterCertificate = cluster.Certificates?.ClusterCertificate;
    const problem = clusterCertificate ? checkIssuedBy(clusterCertificate, pem, { whenever: true }) : undefined;
    if (problem) {
        throw new InvalidInputError(
            `${property}: the certificate in secret ${secretId} is not the trust anchor of cluster ${scope.clusterId}, whose cluster certificate it did not issue (${problem}). ` +
                "Put the cluster's customerCA.crt in the secret.",
        );
    }
    return pem;
}

/**
 * The AWS sample keeps the password itself as the secret's string; the type keeps JSON. Either is taken,
 * for the built-in admin only. A fixed message: whatever the secret holds instead is never quoted.
 */
async function readAdminPassword(scope: ClusterScope, secretId: string): Promise<string> {
    const text = await readSecret(scope.secrets, secretId);
    const credentials = jsonObjectIn(text);
    const password = credentials ? (credentials.username === 'admin' ? credentials.password : undefined) : text;
    if (typeof password !== 'string' || !ADMIN_PASSWORD.test(password)) {
        throw new InvalidInputError(
            `ImportedAdminSecretArn: secret ${secretId} does not hold ${WHAT_IT_HOLDS['admin-credentials']} with a password of 8 to 32 characters and no line break.`,
        );
    }
    return password;
}

/**
 * Two steps per copy: the owner's secret, read again, into the type's secret of the same kind; then the
 * cluster's tag records it. Recorded one by one, so that a copy made is never left unrecorded by a later
 * failure of the other (a copy the tag does not name is not the type's, and would be in the way of the next try).
 */
export const copyImportedSecret = (secret: ImportedSecret): Array<Step<ClusterScope>> => {
    const copying = (scope: ClusterScope) => !!scope.data.imported?.copying.includes(secret);
    return [
        {
            name: `copy-imported-${secret}`,
            when: copying,
            run: async (scope) => {
                const value = await readSource(scope, await scope.cluster(), secret);
                const versionTag = secret === 'admin-credentials' ? [{ Key: ADMIN_PASSWORD_VERSION_TAG, Value: copiedAdminPasswordVersion(scope)! }] : [];
                await ensureSecret(scope.secrets, {
                    name: copyName(scope, secret),
                    description: `CloudHSM cluster ${scope.clusterId}: ${secret === 'admin-credentials' ? 'admin credentials' : 'trust anchor certificate (customerCA.crt)'}, copied from ${SOURCE_PROPERTY[secret]} when the cluster came under the stack`,
                    value: () => value,
                    kmsKeyId: scope.model.SecretsKmsKeyId,
                    // The type's tags alone, as on a restore's copies: a user tag can grant access to whoever may set it.
                    tags: [...typeTags(scope.clusterId), ...versionTag],
                    requestToken: scope.request.requestToken,
                });
                return next();
            },
        },
        {
            name: `record-imported-${secret}`,
            when: copying,
            run: async (scope) => {
                const cluster = await scope.cluster();
                const recorded = formatImportedSecrets([...importedSecretsOf(cluster), secret]);
                if (tagValue(cluster, INTERNAL_TAG.importedSecrets) === recorded) return next();
                await scope.cloudhsm.send(new TagResourceCommand({ ResourceId: scope.clusterId, TagList: [{ Key: INTERNAL_TAG.importedSecrets, Value: recorded }] }));
                scope.changed();
                return next();
            },
        },
    ];
};

/** For read: the copies the cluster's tag records, by the type's names; nothing else at those names is the type's. */
export const recordedCopies = (cluster: ApiCluster): { admin: boolean; trustAnchor: boolean } => {
    const recorded = importedSecretsOf(cluster);
    return { admin: recorded.includes('admin-credentials'), trustAnchor: recorded.includes('trust-anchor') };
};
