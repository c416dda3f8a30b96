import { createPublicKey, X509Certificate } from 'node:crypto';
import { createRootCa, parseCsr, RootCa, signCsr } from '../../shared/pki';
import { OpensslWorkspace } from '../../shared/pki/openssl.test-support';
import { createClusterKeyAndCsr, verifyInitializeCertificates } from './pki';

const CLUSTER_ID = 'cluster-abc234defgh';

describe('emulated HSM key and CSR', () => {
    let workspace: OpensslWorkspace;
    let cluster: { csrPem: string; publicKeyPem: string };
    beforeAll(() => {
        workspace = new OpensslWorkspace();
        cluster = createClusterKeyAndCsr(CLUSTER_ID);
    });
    afterAll(() => workspace.dispose());

    it('is a request OpenSSL verifies, with a CloudHSM-like subject naming the cluster', () => {
        const { csrPem, publicKeyPem } = cluster;
        workspace.write('cluster.csr', csrPem);
        expect(workspace.csrSelfSignatureVerifies('cluster.csr')).toBe(true);
        const subject = workspace.ok('req', '-in', 'cluster.csr', '-noout', '-subject', '-nameopt', 'RFC2253');
        expect(subject.trim()).toBe(`subject=CN=${CLUSTER_ID}_HSM1,OU=CloudHSM,O=Amazon Web Services,L=Herndon,ST=Virginia,C=US`);
        const text = workspace.ok('req', '-in', 'cluster.csr', '-noout', '-text');
        expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
        expect(text).toMatch(/Public-Key: \(2048 bit\)/);
        const opensslPublicKey = workspace.ok('req', '-in', 'cluster.csr', '-noout', '-pubkey');
        expect(createPublicKey(opensslPublicKey).equals(createPublicKey(publicKeyPem))).toBe(true);
    });

    it('is read the same way by the product code', () => {
        const { csrPem, publicKeyPem } = cluster;
        const parsed = parseCsr(csrPem);
        expect(parsed.subjectCommonName).toBe(`${CLUSTER_ID}_HSM1`);
        expect(createPublicKey(parsed.publicKeyPem).equals(createPublicKey(publicKeyPem))).toBe(true);
    });

    it('gives every cluster its own key', () => {
        const second = createClusterKeyAndCsr(CLUSTER_ID);
        expect(createPublicKey(cluster.publicKeyPem).equals(createPublicKey(second.publicKeyPem))).toBe(false);
        expect(second.csrPem).not.toBe(cluster.csrPem);
    });
});

describe('InitializeCluster certificate checks', () => {
    let workspace: OpensslWorkspace;
    let cluster: { csrPem: string; publicKeyPem: string };
    let anchor: RootCa;
    let signedCertPem: string;
    let customerCa: { keyFile: string; certFile: string; certPem: string };

    const issue = (csrPem: string, ca: RootCa) =>
        signCsr({ csrPem, caCertificatePem: ca.certificatePem, caPrivateKeyPem: ca.privateKeyPem, validityDays: 365 });
    const verify = (overrides: Partial<{ clusterPublicKeyPem: string; signedCertPem: string; trustAnchorPem: string }>) =>
        verifyInitializeCertificates({ clusterPublicKeyPem: cluster.publicKeyPem, signedCertPem, trustAnchorPem: anchor.certificatePem, ...overrides });

    beforeAll(() => {
        workspace = new OpensslWorkspace();
        cluster = createClusterKeyAndCsr(CLUSTER_ID);
        anchor = createRootCa({ commonName: 'Customer Root', organization: 'Example Corp', validityDays: 3650 });
        signedCertPem = issue(cluster.csrPem, anchor);
        customerCa = workspace.selfSigned('customerCA', '/C=US/O=Customer/CN=Customer CA');
        workspace.write('cluster.csr', cluster.csrPem);
    });
    afterAll(() => workspace.dispose());

    it('accept a certificate the product issued for the cluster CSR, which OpenSSL also accepts', () => {
        expect(verify({})).toBeUndefined();
        workspace.write('anchor.pem', anchor.certificatePem);
        workspace.write('signed.pem', signedCertPem);
        expect(workspace.run('verify', '-CAfile', 'anchor.pem', 'signed.pem')).toEqual({ status: 0, output: 'signed.pem: OK\n' });
    });

    it('accept certificates made entirely by OpenSSL, as the CloudHSM guide does it', () => {
        workspace.ok('x509', '-req', '-days', '3652', '-in', 'cluster.csr', '-CA', customerCa.certFile, '-CAkey', customerCa.keyFile, '-CAcreateserial', '-out', 'cluster.crt');
        expect(verify({ signedCertPem: workspace.read('cluster.crt'), trustAnchorPem: customerCa.certPem })).toBeUndefined();
    });

    it('reject a certificate for another cluster’s key', () => {
        const otherCluster = createClusterKeyAndCsr('cluster-zzz234defgh');
        expect(verify({ signedCertPem: issue(otherCluster.csrPem, anchor) })).toBe('SignedCert does not match the cluster CSR: its public key is not the HSM key.');
    });

    it('reject a certificate signed by another CA, even one with the same name', () => {
        const impostor = createRootCa({ commonName: 'Customer Root', organization: 'Example Corp', validityDays: 3650 });
        expect(verify({ signedCertPem: issue(cluster.csrPem, impostor) })).toBe('SignedCert could not be verified with the TrustAnchor.');
        expect(verify({ trustAnchorPem: customerCa.certPem })).toBe('SignedCert could not be verified with the TrustAnchor.');
    });

    it('reject a certificate whose signature was altered', () => {
        const der = Buffer.from(new X509Certificate(signedCertPem).raw);
        der[der.length - 4] ^= 0x01;
        const tamperedPem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
        expect(verify({ signedCertPem: tamperedPem })).toBe('SignedCert could not be verified with the TrustAnchor.');
    });

    it('reject a trust anchor with a 1024-bit key', () => {
        const weak = workspace.selfSigned('weak', '/CN=Weak Root', 'rsa:1024');
        workspace.ok('x509', '-req', '-days', '30', '-in', 'cluster.csr', '-CA', weak.certFile, '-CAkey', weak.keyFile, '-CAcreateserial', '-out', 'weak-cluster.crt');
        expect(verify({ signedCertPem: workspace.read('weak-cluster.crt'), trustAnchorPem: weak.certPem })).toBe('TrustAnchor key must be RSA 2048 or RSA 4096.');
    });

    it('reject a trust anchor that is not self-signed, or not a CA', () => {
        expect(verify({ trustAnchorPem: signedCertPem })).toBe('TrustAnchor must be a self-signed certificate.');
        const notCa = workspace.selfSigned('not-ca', '/CN=Not A CA', customerCa.keyFile, ['-addext', 'basicConstraints=critical,CA:FALSE']);
        expect(verify({ trustAnchorPem: notCa.certPem })).toBe('TrustAnchor must be a CA certificate (basicConstraints CA:TRUE).');
    });

    it('reject PEM that does not parse', () => {
        expect(verify({ signedCertPem: 'garbage' })).toBe('SignedCert is not a valid PEM-encoded X.509 certificate.');
        expect(verify({ trustAnchorPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' })).toBe(
            'TrustAnchor is not a valid PEM-encoded X.509 certificate.',
        );
        expect(verify({ trustAnchorPem: cluster.csrPem })).toBe('TrustAnchor is not a valid PEM-encoded X.509 certificate.');
    });

    it('answer every truncated or corrupted certificate with a message, never an exception', () => {
        const der = new X509Certificate(signedCertPem).raw;
        let rejected = 0;
        for (let offset = 0; offset < der.length; offset += 3) {
            const corrupted = Buffer.from(der);
            corrupted[offset] ^= 0xff;
            for (const damaged of [corrupted, der.subarray(0, offset)]) {
                const damagedPem = `-----BEGIN CERTIFICATE-----\n${damaged.toString('base64')}\n-----END CERTIFICATE-----\n`;
                const asSigned = verify({ signedCertPem: damagedPem });
                const asAnchor = verify({ trustAnchorPem: damagedPem });
                expect(typeof asSigned === 'string' || asSigned === undefined).toBe(true);
                if (asSigned !== undefined) rejected++;
                expect(asAnchor).toEqual(expect.any(String));
            }
        }
        expect(rejected).toBeGreaterThan(300);
    });
});
