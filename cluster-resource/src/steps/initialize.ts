/**
 * Initializing the cluster: the cluster certificate is issued for the cluster's CSR (by the type's own root
 * CA, or by the user's CA in EXTERNAL mode) and handed to InitializeCluster with the trust anchor.
 */
import { InitializeClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { InvalidInputError, TerminalStateError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { finish, next, Step, StepOutcome, StepProgress, wait } from '../../../shared/engine/workflow';
import { checkExternalCertificates, signCsr } from '../../../shared/pki';
import { destroySecret, ensureSecret } from '../../../shared/secrets/secrets';
import { ApiCluster, secretNames } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { recordPublishedCsr } from './published-csrs';
import { CA_VALIDITY_DAYS, readCertificateAuthority, secretTags } from './secrets';

const isExternal = (scope: ClusterScope) => scope.model.CertificateAuthority === 'EXTERNAL';
/** The type initializes only clusters it creates (an imported one was initialized before it came: steps/imported-cluster.ts). */
const initializedHere = (scope: ClusterScope) => !scope.model.SourceBackupId && !scope.data.imported;
const hasExternalCertificates = (scope: ClusterScope) => !!(scope.model.ExternalClusterCertificate && scope.model.ExternalTrustAnchor);

/**
 * EXTERNAL without certificates yet: the work ends here, with the CSR published in ClusterCsr (and recorded,
 * so that a certificate for it is recognized after the first HSM was replaced: published-csrs.ts).
 */
export const stopForExternalCertificate: Step<ClusterScope> = {
    name: 'stop-for-external-certificate',
    when: (scope) => !scope.data.imported && isExternal(scope) && !hasExternalCertificates(scope),
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        // Initialized already (the certificates came in an earlier update and, write-only, may be gone from
        // the template since): nothing to wait for, the rest of the update still has its work to do.
        if (cluster.State !== 'UNINITIALIZED') return next();
        const csrPem = cluster.Certificates?.ClusterCsr;
        if (!csrPem) return awaitCsr(scope, cluster, progress);
        await recordPublishedCsr(scope, cluster, csrPem);
        return finish();
    },
};

export const initializeCluster: Step<ClusterScope> = {
    name: 'initialize-cluster',
    when: initializedHere,
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        if (cluster.State !== 'UNINITIALIZED') return next();
        const csrPem = cluster.Certificates?.ClusterCsr;
        if (!csrPem) return awaitCsr(scope, cluster, progress);
        const { signedCertPem, trustAnchorPem } = isExternal(scope) ? await externalCertificates(scope, csrPem) : await selfSignedCertificates(scope, csrPem);
        await scope.cloudhsm.send(new InitializeClusterCommand({ ClusterId: scope.clusterId, SignedCert: signedCertPem, TrustAnchor: trustAnchorPem }));
        scope.changed();
        return next();
    },
};

/** The CSR comes with the first HSM's key: while an HSM is being created (or replaced), that takes HSM time. */
function awaitCsr(scope: ClusterScope, cluster: ApiCluster, progress: StepProgress): StepOutcome {
    const schedule = (cluster.Hsms ?? []).some((h) => h.State === 'CREATE_IN_PROGRESS') ? SCHEDULES.hsmCreate : SCHEDULES.activation;
    return wait(nextLookSeconds(schedule, progress.waitedSeconds), `Waiting for cluster ${scope.clusterId} to publish its CSR`, schedule.timeoutSeconds);
}

async function selfSignedCertificates(scope: ClusterScope, csrPem: string) {
    const ca = await readCertificateAuthority(scope);
    const signedCertPem = signCsr({ csrPem, caCertificatePem: ca.certificatePem, caPrivateKeyPem: ca.privateKeyPem, validityDays: CA_VALIDITY_DAYS });
    return { signedCertPem, trustAnchorPem: ca.certificatePem };
}

async function externalCertificates(scope: ClusterScope, csrPem: string) {
    const signedCertPem = scope.model.ExternalClusterCertificate!;
    const trustAnchorPem = scope.model.ExternalTrustAnchor!;
    const problem = checkExternalCertificates({ signedCertPem, trustAnchorPem, csrPem });
    if (problem) throw new InvalidInputError(`ExternalClusterCertificate / ExternalTrustAnchor: ${problem}`);
    scope.model.TrustAnchorSecretArn = await ensureSecret(scope.secrets, {
        name: secretNames(scope.clusterId).trustAnchor,
        description: `CloudHSM cluster ${scope.clusterId}: trust anchor certificate (customerCA.crt)`,
        value: () => trustAnchorPem,
        kmsKeyId: scope.model.SecretsKmsKeyId,
        tags: secretTags(scope),
        requestToken: scope.request.requestToken,
    });
    return { signedCertPem, trustAnchorPem };
}

export const awaitInitialized: Step<ClusterScope> = {
    name: 'await-initialized',
    when: initializedHere,
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        switch (cluster.State) {
            case 'INITIALIZE_IN_PROGRESS':
                return wait(
                    nextLookSeconds(SCHEDULES.clusterInitialize, progress.waitedSeconds),
                    `Cluster ${scope.clusterId} is being initialized`,
                    SCHEDULES.clusterInitialize.timeoutSeconds,
                );
            case 'INITIALIZED':
            case 'ACTIVE':
                return next();
            default:
                throw new TerminalStateError(`Initialization of cluster ${scope.clusterId} ended in ${cluster.State}: ${cluster.StateMessage || 'no reason given'}.`);
        }
    },
};

/**
 * The root CA's private key signs one certificate, the cluster's. Once the cluster is INITIALIZED, CloudHSM
 * holds that certificate and nothing needs the key again: new HSMs and clusters restored from backups carry
 * the cluster's certificate, and clients need only the public trust anchor. A key kept any longer could only
 * be stolen. Not earlier: until CloudHSM has accepted the certificate, a retried initialization signs again.
 */
export const destroyCaPrivateKey: Step<ClusterScope> = {
    name: 'destroy-ca-private-key',
    when: (scope) => !scope.model.SourceBackupId && !isExternal(scope),
    run: async (scope) => {
        await destroySecret(scope.secrets, secretNames(scope.clusterId).caPrivateKey);
        return next();
    },
};
