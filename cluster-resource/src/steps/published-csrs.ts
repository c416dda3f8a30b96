/**
 * The CSRs an EXTERNAL cluster published. Before initialization the cluster's key lives only on its first HSM:
 * when that HSM is replaced (by AWS after a failure, or deleted and created again), the new HSM makes a new key
 * and the cluster a new CSR, and a certificate the user's CA issued for the old one can never initialize it.
 * The type keeps short digests of the keys of the CSRs it showed (ClusterCsr) in a tag on the cluster, so that
 * an update bringing such a certificate is told exactly that, before anything changes.
 */
import { TagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { createHash, createPublicKey, X509Certificate } from 'crypto';
import { InvalidInputError } from '../../../shared/engine/errors';
import { parseCsr } from '../../../shared/pki';
import { ApiCluster, INTERNAL_TAG, tagValue } from '../translate';
import { ClusterScope } from '../workflows/scope';

/** 8 digests of 16 hex characters and their spaces fit a tag value (256) with room to spare. */
const KEPT_DIGESTS = 8;

const digestOf = (spkiDer: Buffer) => createHash('sha256').update(spkiDer).digest('hex').slice(0, 16);

function csrKeyDigest(csrPem: string): string | undefined {
    try {
        return digestOf(createPublicKey(parseCsr(csrPem).publicKeyPem).export({ type: 'spki', format: 'der' }));
    } catch {
        return undefined;
    }
}

function certificateKeyDigest(certificatePem: string): string | undefined {
    try {
        return digestOf(new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' }));
    } catch {
        // An unreadable certificate is reported by the full check before InitializeCluster.
        return undefined;
    }
}

const publishedDigests = (cluster: ApiCluster): string[] => (tagValue(cluster, INTERNAL_TAG.publishedCsrKeys) ?? '').split(' ').filter(Boolean);

/** Records the key of the CSR the operation is about to show in ClusterCsr. */
export async function recordPublishedCsr(scope: ClusterScope, cluster: ApiCluster, csrPem: string): Promise<void> {
    const digest = csrKeyDigest(csrPem);
    const published = publishedDigests(cluster);
    if (!digest || published.includes(digest)) return;
    const value = [...published, digest].slice(-KEPT_DIGESTS).join(' ');
    await scope.cloudhsm.send(new TagResourceCommand({ ResourceId: scope.clusterId, TagList: [{ Key: INTERNAL_TAG.publishedCsrKeys, Value: value }] }));
    scope.changed();
}

/**
 * Refuses ExternalClusterCertificate when it was issued for a CSR this cluster published before its current
 * one. A certificate for a key the cluster never had is left to the full check at initialization.
 */
export function refuseCertificateForOlderCsr(scope: ClusterScope, cluster: ApiCluster): void {
    const certificatePem = scope.model.ExternalClusterCertificate;
    if (!certificatePem || cluster.State !== 'UNINITIALIZED') return;
    const certificateKey = certificateKeyDigest(certificatePem);
    const currentCsr = cluster.Certificates?.ClusterCsr;
    if (!certificateKey || (currentCsr && csrKeyDigest(currentCsr) === certificateKey)) return;
    if (!publishedDigests(cluster).includes(certificateKey)) return;
    const id = scope.clusterId;
    const whatToSign = currentCsr
        ? 'Sign its current CSR'
        : "The cluster has no CSR now (AWS is replacing its HSM, or, if it has none, CloudFormation's rollback of this update creates one); once it shows a CSR again, sign that CSR";
    throw new InvalidInputError(
        `ExternalClusterCertificate was issued for an older CSR of cluster ${id}: the cluster's first HSM was replaced after that CSR was published, ` +
            `and the new HSM made a new key and a new CSR, which that certificate cannot match. ${whatToSign} ` +
            `(aws cloudhsmv2 describe-clusters --filters clusterIds=${id} --query "Clusters[0].Certificates.ClusterCsr" --output text, ` +
            'or the ClusterCsr attribute read fresh) with your CA and update again with the new certificate; the trust anchor can stay the same.',
    );
}
