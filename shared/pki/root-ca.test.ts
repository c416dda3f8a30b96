import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { parseCertificateDer } from './certificate';
import { checkTrustAnchor } from './certificate-checks';
import { decodeDer, DerTag, readChildren } from './der';
import { PkiError } from './errors';
import { keyIdentifierOf } from './keys';
import { OpensslWorkspace } from './openssl.test-support';
import { pemToDer } from './pem';
import { createRootCa, RootCa } from './root-ca';

const MS_PER_DAY = 86_400_000;

describe('createRootCa', () => {
    let workspace: OpensslWorkspace;
    let rootCa: RootCa;
    let longLived: RootCa;
    let createdAtMs: number;

    beforeAll(() => {
        workspace = new OpensslWorkspace();
        createdAtMs = Date.now();
        rootCa = createRootCa({ commonName: 'Example Cluster Root', organization: 'Example Corp', validityDays: 3650 });
        workspace.write('ca.pem', rootCa.certificatePem);
        longLived = createRootCa({ commonName: 'Long Lived Root', validityDays: 36_500 });
    });
    afterAll(() => workspace.dispose());

    it('is a self-signed CA certificate that node parses and verifies with its own key', () => {
        const certificate = new X509Certificate(rootCa.certificatePem);
        expect(certificate.ca).toBe(true);
        expect(certificate.checkIssued(certificate)).toBe(true);
        expect(certificate.verify(certificate.publicKey)).toBe(true);
        expect(certificate.subject).toBe('O=Example Corp\nCN=Example Cluster Root');
        expect(certificate.issuer).toBe(certificate.subject);
        expect(certificate.publicKey.asymmetricKeyType).toBe('rsa');
        expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    });

    it('has a positive 16-byte random serial and a validity starting minutes before now', () => {
        const parsed = parseCertificateDer(pemToDer(rootCa.certificatePem, 'CERTIFICATE', 'ca'));
        expect(parsed.version).toBe(3);
        expect(parsed.serialNumber > 0n).toBe(true);
        expect(parsed.serialNumber >= 2n ** 120n).toBe(true);
        expect(parsed.serialNumber < 2n ** 127n).toBe(true);
        const backdateMs = createdAtMs - parsed.notBefore.getTime();
        expect(backdateMs).toBeGreaterThanOrEqual(4 * 60_000);
        expect(backdateMs).toBeLessThanOrEqual(6 * 60_000);
        expect(Math.abs(parsed.notAfter.getTime() - createdAtMs - 3650 * MS_PER_DAY)).toBeLessThan(60_000);
        const other = parseCertificateDer(pemToDer(longLived.certificatePem, 'CERTIFICATE', 'ca'));
        expect(other.serialNumber).not.toBe(parsed.serialNumber);
    });

    it('returns the matching private key as unencrypted PKCS#8', () => {
        expect(rootCa.privateKeyPem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
        const publicFromPrivate = createPublicKey(createPrivateKey(rootCa.privateKeyPem));
        expect(publicFromPrivate.equals(new X509Certificate(rootCa.certificatePem).publicKey)).toBe(true);
    });

    it('carries the CA extensions OpenSSL expects, marked critical, and a SHA-256 RSA signature', () => {
        const text = workspace.ok('x509', '-in', 'ca.pem', '-noout', '-text');
        expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
        expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
        expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
        expect(text).toMatch(/X509v3 Subject Key Identifier:/);
        expect(workspace.ok('verify', '-CAfile', 'ca.pem', 'ca.pem')).toMatch(/ca\.pem: OK/);
    });

    it('computes the subject key identifier the way OpenSSL does for the same key', () => {
        workspace.write('ca.key', rootCa.privateKeyPem);
        workspace.ok('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=same key', '-days', '1', '-out', 'openssl-ca.pem');
        const opensslSki = workspace.ok('x509', '-in', 'openssl-ca.pem', '-noout', '-ext', 'subjectKeyIdentifier');
        const ourSki = workspace.ok('x509', '-in', 'ca.pem', '-noout', '-ext', 'subjectKeyIdentifier');
        expect(ourSki).toBe(opensslSki);
        const spki = parseCertificateDer(pemToDer(rootCa.certificatePem, 'CERTIFICATE', 'ca')).subjectPublicKeyInfoDer;
        expect(opensslSki.replace(/[^0-9A-F]/g, '').slice(-40)).toBe(keyIdentifierOf(spki).toString('hex').toUpperCase());
    });

    it('passes the trust anchor checks', () => {
        expect(checkTrustAnchor(rootCa.certificatePem)).toBeUndefined();
    });

    it('writes expiry dates from 2050 on as GeneralizedTime, which OpenSSL and node accept', () => {
        const parsed = parseCertificateDer(pemToDer(longLived.certificatePem, 'CERTIFICATE', 'ca'));
        expect(parsed.notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2050);
        const [tbs] = readChildren(decodeDer(parsed.der));
        const [, , , , validity] = readChildren(tbs);
        expect(readChildren(validity).map((time) => time.tag)).toEqual([DerTag.UTC_TIME, DerTag.GENERALIZED_TIME]);
        expect(new X509Certificate(longLived.certificatePem).validTo).toContain(String(parsed.notAfter.getUTCFullYear()));
        workspace.write('long.pem', longLived.certificatePem);
        expect(workspace.ok('verify', '-CAfile', 'long.pem', 'long.pem')).toMatch(/long\.pem: OK/);
        expect(checkTrustAnchor(longLived.certificatePem)).toBeUndefined();
    });

    it('makes a 4096-bit root when asked', () => {
        const strong = createRootCa({ commonName: 'Strong Root', validityDays: 30, keyBits: 4096 });
        expect(new X509Certificate(strong.certificatePem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
        expect(checkTrustAnchor(strong.certificatePem)).toBeUndefined();
    });

    it('refuses options CloudHSM or X.509 would not accept', () => {
        expect(() => createRootCa({ commonName: 'x', validityDays: 30, keyBits: 1024 as 2048 })).toThrow(/keyBits must be 2048 or 4096/);
        expect(() => createRootCa({ commonName: 'x', validityDays: 0 })).toThrow(/validityDays/);
        expect(() => createRootCa({ commonName: 'x', validityDays: 1.5 })).toThrow(PkiError);
        expect(() => createRootCa({ commonName: 'x', validityDays: 36_501 })).toThrow(PkiError);
        expect(() => createRootCa({ commonName: ' ', validityDays: 30 })).toThrow(/common name must not be empty/);
        expect(() => createRootCa({ commonName: 'x'.repeat(65), validityDays: 30 })).toThrow(/longer than 64/);
        expect(() => createRootCa({ commonName: 'x', organization: '', validityDays: 30 })).toThrow(/organization/);
    });
});
