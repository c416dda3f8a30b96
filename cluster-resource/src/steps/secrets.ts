/**
 * The secrets a cluster needs: the admin's credentials, and for SELF_SIGNED the root CA (its private key
 * and certificate in one secret, so a retry can never pair a key with another certificate) and the trust
 * anchor certificate (kept apart because it outlives the cluster, for restores from its backups).
 */
import { DescribeBackupsCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../../../shared/aws/error-table';
import { next, Step } from '../../../shared/engine/workflow';
import { createRootCa } from '../../../shared/pki';
import { ensureSecret, ensureSecretWithOutcome, generatePassword, readSecret, Tag } from '../../../shared/secrets/secrets';
import { secretNames, userTags } from '../translate';
import { ClusterScope } from '../workflows/scope';

/** The CA's validity; the cluster certificate it signs lives as long. */
export const CA_VALIDITY_DAYS = 3650;

export interface AdminCredentials {
    username: string;
    password: string;
}

export interface CertificateAuthoritySecret {
    certificatePem: string;
    privateKeyPem: string;
}

export const secretTags = (scope: ClusterScope): Tag[] => [
    ...userTags(scope.model, scope.request.stackTags).map((t) => ({ Key: t.Key!, Value: t.Value ?? '' })),
    { Key: 'cloudhsm-type:cluster-id', Value: scope.clusterId },
];

const secretSpec = (scope: ClusterScope, name: string, description: string) => ({
    name,
    description,
    kmsKeyId: scope.model.SecretsKmsKeyId,
    tags: secretTags(scope),
    requestToken: scope.request.requestToken,
});

const ensure = (scope: ClusterScope, name: string, description: string, value: () => string) =>
    ensureSecret(scope.secrets, { ...secretSpec(scope, name, description), value });

export const storeAdminCredentials: Step<ClusterScope> = {
    name: 'store-admin-credentials',
    when: (scope) => !scope.model.SourceBackupId,
    run: async (scope) => {
        const credentials: AdminCredentials = { username: 'admin', password: generatePassword() };
        scope.model.AdminSecretArn = await ensure(scope, secretNames(scope.clusterId).admin, `CloudHSM cluster ${scope.clusterId}: admin credentials`, () =>
            JSON.stringify(credentials),
        );
        return next();
    },
};

export const createCertificateAuthority: Step<ClusterScope> = {
    name: 'create-certificate-authority',
    when: (scope) => !scope.model.SourceBackupId && (scope.model.CertificateAuthority ?? 'SELF_SIGNED') === 'SELF_SIGNED',
    run: async (scope) => {
        const names = secretNames(scope.clusterId);
        let generated: CertificateAuthoritySecret | undefined;
        const caSecret = await ensureSecretWithOutcome(scope.secrets, {
            ...secretSpec(scope, names.caPrivateKey, `CloudHSM cluster ${scope.clusterId}: root CA private key and certificate`),
            value: () => {
                const ca = createRootCa({ commonName: `CloudHSM ${scope.clusterId} root CA`, validityDays: CA_VALIDITY_DAYS });
                generated = { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem };
                return JSON.stringify(generated);
            },
        });
        scope.model.CaPrivateKeySecretArn = caSecret.arn;
        // An earlier attempt stored the CA: the trust anchor must be that CA's certificate, not the one just made.
        const certificatePem = caSecret.created
            ? generated!.certificatePem
            : (JSON.parse(await readSecret(scope.secrets, names.caPrivateKey)) as CertificateAuthoritySecret).certificatePem;
        scope.model.TrustAnchorSecretArn = await ensure(scope, names.trustAnchor, `CloudHSM cluster ${scope.clusterId}: trust anchor certificate (customerCA.crt)`, () => certificatePem);
        return next();
    },
};

/**
 * A restored cluster has the users and certificates of the backup's cluster. When that cluster was made by
 * this type, its admin credentials and trust anchor are copied to the new cluster's own secrets.
 */
export const adoptSourceSecrets: Step<ClusterScope> = {
    name: 'adopt-source-secrets',
    when: (scope) => !!scope.model.SourceBackupId,
    run: async (scope) => {
        const backup = (await scope.cloudhsm.send(new DescribeBackupsCommand({ Filters: { backupIds: [scope.model.SourceBackupId!] } }))).Backups?.[0];
        if (!backup?.ClusterId) return next();
        const source = secretNames(backup.ClusterId);
        const target = secretNames(scope.clusterId);
        const admin = await readIfPresent(scope, source.admin);
        if (admin !== undefined) {
            scope.model.AdminSecretArn = await ensure(scope, target.admin, `CloudHSM cluster ${scope.clusterId}: admin credentials (from ${backup.ClusterId})`, () => admin);
        } else {
            scope.logger.log(`No admin credentials of ${backup.ClusterId} in Secrets Manager; the restored cluster keeps that cluster's admin password.`);
        }
        const anchor = await readIfPresent(scope, source.trustAnchor);
        if (anchor !== undefined) {
            scope.model.TrustAnchorSecretArn = await ensure(scope, target.trustAnchor, `CloudHSM cluster ${scope.clusterId}: trust anchor certificate (from ${backup.ClusterId})`, () => anchor);
        }
        return next();
    },
};

async function readIfPresent(scope: ClusterScope, secretId: string): Promise<string | undefined> {
    try {
        return await readSecret(scope.secrets, secretId);
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException', 'InvalidRequestException')) return undefined;
        throw err;
    }
}

/** The ARN of a secret by name, or undefined when there is none (or it is scheduled for deletion). */
export async function secretArn(scope: ClusterScope, name: string): Promise<string | undefined> {
    try {
        const found = await scope.secrets.send(new DescribeSecretCommand({ SecretId: name }));
        return found.DeletedDate ? undefined : found.ARN;
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
        throw err;
    }
}
