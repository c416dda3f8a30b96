import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { parseCertificateDer } from './certificate';
import { parseCsr } from './csr';
import { PkiError } from './errors';
import { OpensslWorkspace } from './openssl.test-support';
import { derToPem, pemToDer } from './pem';
import { createRootCa, RootCa } from './root-ca';
import { signCsr } from './sign-csr';

const parse = (pem: string) => parseCertificateDer(pemToDer(pem, 'CERTIFICATE', 'certificate'));

describe('signCsr', () => {
    let workspace: OpensslWorkspace;
    let rootCa: RootCa;
    let request: { keyFile: string; csrPem: string };
    let certificatePem: string;

    beforeAll(() => {
        workspace = new OpensslWorkspace();
        rootCa = createRootCa({ commonName: 'Signing Root', organization: 'Example Corp', validityDays: 3650 });
        request = workspace.csr('cluster', '/C=US/ST=Virginia/O=Amazon Web Services/OU=CloudHSM/CN=cluster-abc234defgh_HSM1');
        certificatePem = signCsr({ csrPem: request.csrPem, caCertificatePem: rootCa.certificatePem, caPrivateKeyPem: rootCa.privateKeyPem, validityDays: 365 });
        workspace.write('anchor.pem', rootCa.certificatePem);
        workspace.write('cert.pem', certificatePem);
    });
    afterAll(() => workspace.dispose());

    it('issues a certificate that `openssl verify -CAfile anchor.pem` accepts', () => {
        const result = workspace.run('verify', '-CAfile', 'anchor.pem', 'cert.pem');
        expect(result.output).toMatch(/cert\.pem: OK/);
        expect(result.status).toBe(0);
    });

    it('is for the request’s subject and key, issued under the CA’s subject copied byte for byte', () => {
        const certificate = parse(certificatePem);
        const ca = parse(rootCa.certificatePem);
        const csr = parseCsr(request.csrPem);
        expect(certificate.issuerDer.equals(ca.subjectDer)).toBe(true);
        expect(certificate.subjectDer.equals(csr.subjectDer)).toBe(true);
        const x509 = new X509Certificate(certificatePem);
        expect(x509.publicKey.equals(createPublicKey(csr.publicKeyPem))).toBe(true);
        expect(x509.verify(new X509Certificate(rootCa.certificatePem).publicKey)).toBe(true);
        expect(x509.ca).toBe(false);
        expect(certificate.serialNumber).not.toBe(ca.serialNumber);
    });

    it('carries CA:FALSE and an authority key identifier equal to the CA’s subject key identifier', () => {
        const text = workspace.ok('x509', '-in', 'cert.pem', '-noout', '-text');
        expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
        expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
        const caKeyId = /X509v3 Subject Key Identifier:\s+([0-9A-F:]+)/.exec(workspace.ok('x509', '-in', 'anchor.pem', '-noout', '-text'))?.[1];
        expect(caKeyId).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){19}$/);
        expect(text).toMatch(new RegExp(`X509v3 Authority Key Identifier:\\s+(keyid:)?${caKeyId}`));
    });

    it('ends the certificate no later than the CA', () => {
        const shortCa = createRootCa({ commonName: 'Short Root', validityDays: 30 });
        const longRequested = signCsr({ csrPem: request.csrPem, caCertificatePem: shortCa.certificatePem, caPrivateKeyPem: shortCa.privateKeyPem, validityDays: 3650 });
        expect(parse(longRequested).notAfter.getTime()).toBe(parse(shortCa.certificatePem).notAfter.getTime());
        expect(parse(longRequested).notBefore.getTime()).toBeGreaterThanOrEqual(parse(shortCa.certificatePem).notBefore.getTime());
    });

    it('signs with a CA made by OpenSSL, keeping its issuer name bytes', () => {
        // The root's key is reused for speed; only the certificate, and so the name encoding, differs.
        workspace.write('reused-ca.key', rootCa.privateKeyPem);
        const opensslCa = workspace.selfSigned('openssl-ca', '/C=US/O=Other Corp/CN=OpenSSL Root', 'reused-ca.key');
        const issued = signCsr({
            csrPem: request.csrPem,
            caCertificatePem: opensslCa.certPem,
            caPrivateKeyPem: workspace.read(opensslCa.keyFile),
            validityDays: 10,
        });
        expect(parse(issued).issuerDer.equals(parse(opensslCa.certPem).subjectDer)).toBe(true);
        workspace.write('issued-by-openssl-ca.pem', issued);
        expect(workspace.run('verify', '-CAfile', opensslCa.certFile, 'issued-by-openssl-ca.pem').output).toMatch(/: OK/);
    });

    it('certifies an EC key from an ECDSA request', () => {
        const ecRequest = workspace.csr('ec', '/CN=ec client', 'ec:P-256');
        const issued = signCsr({ csrPem: ecRequest.csrPem, caCertificatePem: rootCa.certificatePem, caPrivateKeyPem: rootCa.privateKeyPem, validityDays: 10 });
        workspace.write('ec-cert.pem', issued);
        expect(workspace.run('verify', '-CAfile', 'anchor.pem', 'ec-cert.pem').output).toMatch(/ec-cert\.pem: OK/);
        expect(new X509Certificate(issued).publicKey.asymmetricKeyType).toBe('ec');
    });

    it('refuses a CA key that does not belong to the CA certificate', () => {
        const unrelatedKeyPem = workspace.read(request.keyFile);
        expect(() =>
            signCsr({ csrPem: request.csrPem, caCertificatePem: rootCa.certificatePem, caPrivateKeyPem: unrelatedKeyPem, validityDays: 10 }),
        ).toThrow('the CA private key does not belong to the CA certificate');
    });

    it('refuses a non-RSA CA key and unreadable keys without echoing them', () => {
        const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
        expect(() => signCsr({ csrPem: request.csrPem, caCertificatePem: rootCa.certificatePem, caPrivateKeyPem: ecKey, validityDays: 10 })).toThrow(
            /an RSA key is required/,
        );
        const secretLooking = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldC1zZWNyZXQ=\n-----END PRIVATE KEY-----\n';
        let thrown: unknown;
        try {
            signCsr({ csrPem: request.csrPem, caCertificatePem: rootCa.certificatePem, caPrivateKeyPem: secretLooking, validityDays: 10 });
        } catch (error) {
            thrown = error;
        }
        expect(thrown).toBeInstanceOf(PkiError);
        expect((thrown as PkiError).message).toBe('the CA private key is not a readable unencrypted PEM private key');
        expect((thrown as PkiError).cause).toBeUndefined();
    });

    it('refuses a tampered request, a broken CA certificate and impossible validity', () => {
        const der = Buffer.from(pemToDer(request.csrPem, 'CERTIFICATE REQUEST', 'csr'));
        der[der.length - 3] ^= 0xff;
        const tampered = derToPem(der, 'CERTIFICATE REQUEST');
        const base = { caCertificatePem: rootCa.certificatePem, caPrivateKeyPem: rootCa.privateKeyPem, validityDays: 10 };
        expect(() => signCsr({ ...base, csrPem: tampered })).toThrow(/signature does not verify/);
        expect(() => signCsr({ ...base, csrPem: request.csrPem, caCertificatePem: 'garbage' })).toThrow(/the CA certificate is not PEM/);
        expect(() => signCsr({ ...base, csrPem: request.csrPem, validityDays: 0 })).toThrow(/validityDays/);
    });
});
