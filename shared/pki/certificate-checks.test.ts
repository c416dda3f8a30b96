import { checkCertificateMatchesCsr, checkExternalCertificates, checkIssuedBy, checkTrustAnchor } from './certificate-checks';
import { OpensslWorkspace } from './openssl.test-support';
import { derToPem, pemToDer } from './pem';
import { createRootCa, RootCa } from './root-ca';
import { signCsr } from './sign-csr';

function issue(csrPem: string, ca: RootCa, validityDays = 365): string {
    return signCsr({ csrPem, caCertificatePem: ca.certificatePem, caPrivateKeyPem: ca.privateKeyPem, validityDays });
}

describe('external-mode certificate checks', () => {
    let workspace: OpensslWorkspace;
    let anchor: RootCa;
    let sameNameImpostor: RootCa;
    let otherRoot: RootCa;
    let clusterCsrPem: string;
    let otherCsrPem: string;
    let goodCertPem: string;

    beforeAll(() => {
        workspace = new OpensslWorkspace();
        anchor = createRootCa({ commonName: 'Cluster Root', organization: 'Example Corp', validityDays: 3650 });
        sameNameImpostor = createRootCa({ commonName: 'Cluster Root', organization: 'Example Corp', validityDays: 3650 });
        otherRoot = createRootCa({ commonName: 'Other Root', organization: 'Elsewhere Inc', validityDays: 3650 });
        clusterCsrPem = workspace.csr('cluster', '/CN=cluster-abc234defgh_HSM1').csrPem;
        otherCsrPem = workspace.csr('other', '/CN=cluster-zzz234defgh_HSM1').csrPem;
        goodCertPem = issue(clusterCsrPem, anchor);
    });
    afterAll(() => workspace.dispose());

    it('pass for a certificate issued for the cluster CSR by the trust anchor', () => {
        expect(checkTrustAnchor(anchor.certificatePem)).toBeUndefined();
        expect(checkCertificateMatchesCsr(goodCertPem, clusterCsrPem)).toBeUndefined();
        expect(checkIssuedBy(goodCertPem, anchor.certificatePem)).toBeUndefined();
        expect(checkExternalCertificates({ signedCertPem: goodCertPem, trustAnchorPem: anchor.certificatePem, csrPem: clusterCsrPem })).toBeUndefined();
    });

    it('pass for certificates made entirely by OpenSSL, as the CloudHSM guide does it', () => {
        const opensslRoot = workspace.selfSigned('customer-ca', '/C=US/O=Customer/CN=Customer Root', 'other.key');
        workspace.write('cluster.csr', clusterCsrPem);
        workspace.ok('x509', '-req', '-days', '30', '-in', 'cluster.csr', '-CA', opensslRoot.certFile, '-CAkey', opensslRoot.keyFile, '-CAcreateserial', '-out', 'cluster-openssl.crt');
        const signedCertPem = workspace.read('cluster-openssl.crt');
        expect(checkExternalCertificates({ signedCertPem, trustAnchorPem: opensslRoot.certPem, csrPem: clusterCsrPem })).toBeUndefined();
    });

    it('catch a certificate for another key', () => {
        const certForOtherKey = issue(otherCsrPem, anchor);
        expect(checkCertificateMatchesCsr(certForOtherKey, clusterCsrPem)).toMatch(/^the signed certificate is for a different key than the cluster's CSR/);
        expect(checkIssuedBy(certForOtherKey, anchor.certificatePem)).toBeUndefined();
    });

    it('catch a certificate signed by a different CA that has the same name', () => {
        const impostorCert = issue(clusterCsrPem, sameNameImpostor);
        expect(checkIssuedBy(impostorCert, anchor.certificatePem)).toMatch(/signature does not verify with the trust anchor's key/);
        expect(checkExternalCertificates({ signedCertPem: impostorCert, trustAnchorPem: anchor.certificatePem, csrPem: clusterCsrPem })).toMatch(
            /signature does not verify/,
        );
    });

    it('catch a certificate issued by a differently named CA, naming both', () => {
        expect(checkIssuedBy(issue(clusterCsrPem, otherRoot), anchor.certificatePem)).toBe(
            'the signed certificate was issued by "O=Elsewhere Inc, CN=Other Root", not by the trust anchor "O=Example Corp, CN=Cluster Root"; ' +
                'supply the root CA certificate that signed it',
        );
    });

    it('reject an anchor with a 1024-bit key, and one with an EC key', () => {
        const weak = workspace.selfSigned('weak', '/CN=Weak Root', 'rsa:1024');
        expect(checkTrustAnchor(weak.certPem)).toBe("the trust anchor's key is RSA 1024-bit; CloudHSM requires an RSA 2048 or 4096-bit key");
        const ec = workspace.selfSigned('ec-root', '/CN=EC Root', 'ec:P-256');
        expect(checkTrustAnchor(ec.certPem)).toMatch(/key is EC prime256v1/);
    });

    it('reject a self-signed anchor that is not a CA', () => {
        const leaf = workspace.selfSigned('not-ca', '/CN=Not A CA', 'cluster.key', ['-addext', 'basicConstraints=critical,CA:FALSE']);
        expect(checkTrustAnchor(leaf.certPem)).toMatch(/^the trust anchor is not a CA certificate/);
    });

    it('reject an anchor that is not self-signed, or whose self-signature is broken', () => {
        expect(checkTrustAnchor(goodCertPem)).toMatch(/^the trust anchor is not self-signed: it was issued by "O=Example Corp, CN=Cluster Root"/);
        const der = Buffer.from(pemToDer(anchor.certificatePem, 'CERTIFICATE', 'anchor'));
        der[der.length - 5] ^= 0x01;
        expect(checkTrustAnchor(derToPem(der, 'CERTIFICATE'))).toMatch(/does not verify with its own public key/);
    });

    it('explain input that is not one PEM certificate', () => {
        expect(checkTrustAnchor('garbage')).toMatch(/^the trust anchor is not PEM/);
        expect(checkTrustAnchor(anchor.certificatePem + otherRoot.certificatePem)).toMatch(/holds 2 PEM blocks.*not a chain/);
        expect(checkTrustAnchor(anchor.privateKeyPem)).toMatch(/is a PEM "PRIVATE KEY" block/);
        expect(checkTrustAnchor(derToPem(Buffer.from('not a certificate'), 'CERTIFICATE'))).toMatch(/is PEM but not a valid X\.509 certificate/);
        expect(checkIssuedBy('', anchor.certificatePem)).toMatch(/^the signed certificate is empty/);
        expect(checkCertificateMatchesCsr(goodCertPem, 'nope')).toMatch(/^the CSR is not PEM/);
        expect(checkCertificateMatchesCsr(clusterCsrPem, clusterCsrPem)).toMatch(/^the signed certificate is a PEM "CERTIFICATE REQUEST" block/);
    });
});
