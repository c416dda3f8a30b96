/**
 * The secrets a cluster needs: the admin's credentials, and for SELF_SIGNED the root CA (its private key
 * and certificate in one secret, so a retry can never pair a key with another certificate) and the trust
 * anchor certificate (kept apart because it outlives the cluster, for restores from its backups). The CA
 * secret lives only until the cluster is initialized (see destroyCaPrivateKey).
 *
 * The user's tags go only on secrets whose content this stack made for itself. A tag can grant access
 * (attribute-based policies), so the CA key and copies of another cluster's credentials carry the type's own
 * tag alone.
 */
import { DescribeSecretCommand, DescribeSecretCommandOutput } from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../../../shared/aws/error-table';
import { InvalidInputError } from '../../../shared/engine/errors';
import { next, Step } from '../../../shared/engine/workflow';
import { createRootCa } from '../../../shared/pki';
import { ensureSecret, ensureSecretWithOutcome, generatePassword, MalformedSecretError, readJsonSecret, readSecret, Tag } from '../../../shared/secrets/secrets';
import { ADMIN_PASSWORD_VERSION_TAG, SECRET_CLUSTER_TAG, secretNames, userTags, withDefaults } from '../translate';
import { ClusterScope } from '../workflows/scope';

/** The CA's validity; the cluster certificate it signs lives as long. */
export const CA_VALIDITY_DAYS = 3650;

export interface AdminCredentials extends Record<string, unknown> {
    username: string;
    password: string;
}

export interface CertificateAuthoritySecret extends Record<string, unknown> {
    certificatePem: string;
    privateKeyPem: string;
}

const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;

/** The type's own tag: which cluster a secret belongs to (a restore checks it on the source secrets). */
export const typeTags = (clusterId: string): Tag[] => [{ Key: SECRET_CLUSTER_TAG, Value: clusterId }];

/** The user's and the stack's tags with the type's own: for the admin credentials and trust anchor this stack made. */
export const secretTags = (scope: ClusterScope): Tag[] => [
    ...userTags(scope.model, scope.request.stackTags).map((t) => ({ Key: t.Key!, Value: t.Value ?? '' })),
    ...typeTags(scope.clusterId),
];

/** The admin secret also says which AdminPasswordVersion its password is (see steps/admin-password.ts). */
const adminVersionTags = (scope: ClusterScope): Tag[] => [{ Key: ADMIN_PASSWORD_VERSION_TAG, Value: String(withDefaults(scope.model).AdminPasswordVersion) }];

const secretSpec = (scope: ClusterScope, name: string, description: string, tags: Tag[]) => ({
    name,
    description,
    kmsKeyId: scope.model.SecretsKmsKeyId,
    tags,
    requestToken: scope.request.requestToken,
});

export const storeAdminCredentials: Step<ClusterScope> = {
    name: 'store-admin-credentials',
    when: (scope) => !scope.model.SourceBackupId,
    run: async (scope) => {
        const credentials: AdminCredentials = { username: 'admin', password: generatePassword() };
        scope.model.AdminSecretArn = await ensureSecret(scope.secrets, {
            ...secretSpec(scope, secretNames(scope.clusterId).admin, `CloudHSM cluster ${scope.clusterId}: admin credentials`, [...secretTags(scope), ...adminVersionTags(scope)]),
            value: () => JSON.stringify(credentials),
        });
        return next();
    },
};

export const createCertificateAuthority: Step<ClusterScope> = {
    name: 'create-certificate-authority',
    when: (scope) => !scope.model.SourceBackupId && (scope.model.CertificateAuthority ?? 'SELF_SIGNED') === 'SELF_SIGNED',
    run: async (scope) => {
        // Past UNINITIALIZED the CA has signed what it had to (a replayed step) and its key may be gone already.
        if ((await scope.cluster()).State !== 'UNINITIALIZED') return next();
        const names = secretNames(scope.clusterId);
        let generated: CertificateAuthoritySecret | undefined;
        const caSecret = await ensureSecretWithOutcome(scope.secrets, {
            ...secretSpec(scope, names.caPrivateKey, `CloudHSM cluster ${scope.clusterId}: root CA private key and certificate, until initialization`, typeTags(scope.clusterId)),
            value: () => {
                const ca = createRootCa({ commonName: `CloudHSM ${scope.clusterId} root CA`, validityDays: CA_VALIDITY_DAYS });
                generated = { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem };
                return JSON.stringify(generated);
            },
        });
        // An earlier attempt of this request stored the CA: the trust anchor must be that CA's certificate.
        const certificatePem = caSecret.created ? generated!.certificatePem : (await readCertificateAuthority(scope)).certificatePem;
        scope.model.TrustAnchorSecretArn = await ensureSecret(scope.secrets, {
            ...secretSpec(scope, names.trustAnchor, `CloudHSM cluster ${scope.clusterId}: trust anchor certificate (customerCA.crt)`, secretTags(scope)),
            value: () => certificatePem,
        });
        return next();
    },
};

export const readCertificateAuthority = (scope: ClusterScope): Promise<CertificateAuthoritySecret> =>
    readJsonSecret<CertificateAuthoritySecret>(scope.secrets, secretNames(scope.clusterId).caPrivateKey, ['certificatePem', 'privateKeyPem']);

/**
 * A restored cluster has the users and certificates of the backup's cluster. The type copies that cluster's
 * admin credentials and trust anchor only from the secrets the user named (checked before the cluster was
 * created to be that cluster's, see checkSourceSecrets): a backup ID alone must not hand another cluster's
 * admin password to whoever may create a stack.
 */
export const copySourceSecrets: Step<ClusterScope> = {
    name: 'copy-source-secrets',
    when: (scope) => !!scope.model.SourceBackupId && !!(scope.model.SourceAdminSecretArn || scope.model.SourceTrustAnchorSecretArn),
    run: async (scope) => {
        const target = secretNames(scope.clusterId);
        const from = `copied from the backup's cluster at restore`;
        if (scope.model.SourceAdminSecretArn) {
            const { username, password } = await readAdminCredentials(scope, scope.model.SourceAdminSecretArn, 'SourceAdminSecretArn');
            scope.model.AdminSecretArn = await ensureSecret(scope.secrets, {
                ...secretSpec(scope, target.admin, `CloudHSM cluster ${scope.clusterId}: admin credentials (${from})`, [...typeTags(scope.clusterId), ...adminVersionTags(scope)]),
                value: () => JSON.stringify({ username, password }),
            });
        }
        if (scope.model.SourceTrustAnchorSecretArn) {
            const anchor = await readTrustAnchor(scope, scope.model.SourceTrustAnchorSecretArn, 'SourceTrustAnchorSecretArn');
            scope.model.TrustAnchorSecretArn = await ensureSecret(scope.secrets, {
                ...secretSpec(scope, target.trustAnchor, `CloudHSM cluster ${scope.clusterId}: trust anchor certificate (${from})`, typeTags(scope.clusterId)),
                value: () => anchor,
            });
        }
        return next();
    },
};

/**
 * Before anything is created: each named source secret exists, is one the type made for `sourceClusterId`
 * (the backup's cluster, by the type's own tag), and holds what the type keeps there.
 */
export async function checkSourceSecrets(scope: ClusterScope, sourceClusterId: string): Promise<void> {
    const { SourceAdminSecretArn: admin, SourceTrustAnchorSecretArn: anchor } = scope.model;
    const notTheBackupsCluster = (owner: string | undefined) =>
        `is not one this type keeps for ${sourceClusterId}, the cluster the backup ${scope.model.SourceBackupId} was taken from ` +
        `(its ${SECRET_CLUSTER_TAG} tag is ${owner ?? 'absent'}). Name that cluster's AdminSecretArn / TrustAnchorSecretArn.`;
    if (admin) {
        await checkBelongsTo(scope, admin, 'SourceAdminSecretArn', sourceClusterId, notTheBackupsCluster);
        await readAdminCredentials(scope, admin, 'SourceAdminSecretArn');
    }
    if (anchor) {
        await checkBelongsTo(scope, anchor, 'SourceTrustAnchorSecretArn', sourceClusterId, notTheBackupsCluster);
        await readTrustAnchor(scope, anchor, 'SourceTrustAnchorSecretArn');
    }
}

/**
 * A secret named in `property` exists, is not scheduled for deletion, and carries the type's tag naming
 * `clusterId`: whoever may hand the type a secret must also have been allowed to tag it as that cluster's.
 * `mismatch` says, after "<property>: secret <id> ", what is wrong given the tag's value, and what to do.
 */
export async function checkBelongsTo(scope: ClusterScope, secretId: string, property: string, clusterId: string, mismatch: (owner: string | undefined) => string): Promise<void> {
    let secret;
    try {
        secret = await scope.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) throw new InvalidInputError(`${property}: secret ${secretId} does not exist.`);
        throw err;
    }
    if (secret.DeletedDate) throw new InvalidInputError(`${property}: secret ${secretId} is scheduled for deletion.`);
    const owner = secret.Tags?.find((t) => t.Key === SECRET_CLUSTER_TAG)?.Value;
    if (owner !== clusterId) throw new InvalidInputError(`${property}: secret ${secretId} ${mismatch(owner)}`);
}

async function readAdminCredentials(scope: ClusterScope, secretId: string, property: string): Promise<AdminCredentials> {
    try {
        return await readJsonSecret<AdminCredentials>(scope.secrets, secretId, ['username', 'password']);
    } catch (err) {
        if (err instanceof MalformedSecretError) throw new InvalidInputError(`${property}: secret ${secretId} does not hold admin credentials as JSON {"username", "password"}.`);
        throw err;
    }
}

export async function readTrustAnchor(scope: ClusterScope, secretId: string, property: string): Promise<string> {
    const pem = await readSecret(scope.secrets, secretId);
    // A fixed message: whatever the secret holds instead is never quoted.
    if (!PEM_CERTIFICATE.test(pem)) throw new InvalidInputError(`${property}: secret ${secretId} does not hold one PEM certificate.`);
    return pem;
}

/** The ARN of a secret by name, or undefined when there is none (or it is scheduled for deletion). */
export async function secretArn(scope: ClusterScope, name: string): Promise<string | undefined> {
    return (await liveSecret(scope, name))?.ARN;
}

/** A secret as DescribeSecret tells it (tags, versions and their labels), unless it is absent or scheduled for deletion. */
export async function liveSecret(scope: ClusterScope, name: string): Promise<DescribeSecretCommandOutput | undefined> {
    try {
        const found = await scope.secrets.send(new DescribeSecretCommand({ SecretId: name }));
        return found.DeletedDate ? undefined : found;
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
        throw err;
    }
}
