import { createPrivateKey, createPublicKey, KeyObject, sign } from 'node:crypto';
import { parseCsr } from './csr';
import { derBitString, derImplicit, derInteger, derNull, derOid, derPrintableString, derSequence, derSet, derUtf8String } from './der';
import { PkiError } from './errors';
import { Oid } from './oids';
import { OpensslWorkspace } from './openssl.test-support';
import { derToPem, pemToDer } from './pem';
import { describeName } from './x509-name';

/** A PKCS#10 request assembled with this module's DER writer, to let OpenSSL judge the writer. */
function csrFromDerWriter(commonName: string, keys: { publicKey: KeyObject; privateKey: KeyObject }): string {
    const subject = derSequence(
        derSet(derSequence(derOid(Oid.countryName), derPrintableString('DE'))),
        derSet(derSequence(derOid(Oid.commonName), derUtf8String(commonName))),
    );
    const info = derSequence(derInteger(0), subject, keys.publicKey.export({ type: 'spki', format: 'der' }), derImplicit(0, Buffer.alloc(0), true));
    const signature = sign('sha256', info, keys.privateKey);
    return derToPem(derSequence(info, derSequence(derOid(Oid.sha256WithRsaEncryption), derNull()), derBitString(signature)), 'CERTIFICATE REQUEST');
}

/** Flips the lowest bit of the byte `byteOffset` picks. */
function tamper(csrPem: string, byteOffset: (der: Buffer) => number): string {
    const der = Buffer.from(pemToDer(csrPem, 'CERTIFICATE REQUEST', 'csr'));
    der[byteOffset(der)] ^= 0x01;
    return derToPem(der, 'CERTIFICATE REQUEST');
}

describe('parseCsr', () => {
    let workspace: OpensslWorkspace;
    let rsaCsr: { keyFile: string; csrPem: string };

    beforeAll(() => {
        workspace = new OpensslWorkspace();
        rsaCsr = workspace.csr('rsa', '/C=US/O=Example Corp/CN=cluster-abc234defgh_HSM1');
    });
    afterAll(() => workspace.dispose());

    it('reads an OpenSSL RSA request: subject, common name and public key', () => {
        const parsed = parseCsr(rsaCsr.csrPem);
        expect(parsed.subjectCommonName).toBe('cluster-abc234defgh_HSM1');
        expect(describeName(parsed.subjectDer)).toBe('C=US, O=Example Corp, CN=cluster-abc234defgh_HSM1');
        const opensslPublicKey = workspace.ok('pkey', '-in', rsaCsr.keyFile, '-pubout');
        expect(createPublicKey(parsed.publicKeyPem).equals(createPublicKey(opensslPublicKey))).toBe(true);
    });

    it('verifies SHA-384 RSA and ECDSA P-256 requests too', () => {
        expect(parseCsr(workspace.csr('rsa384', '/CN=sha384', rsaCsr.keyFile, 'sha384').csrPem).subjectCommonName).toBe('sha384');
        const ec = parseCsr(workspace.csr('ec', '/CN=ec', 'ec:P-256').csrPem);
        expect(createPublicKey(ec.publicKeyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    });

    it('leaves subjectCommonName out when the subject has none', () => {
        const parsed = parseCsr(workspace.csr('nocn', '/O=No Common Name', rsaCsr.keyFile).csrPem);
        expect(parsed.subjectCommonName).toBeUndefined();
        expect('subjectCommonName' in parsed).toBe(false);
    });

    it('accepts a request built with the DER writer, as OpenSSL does', () => {
        const privateKey = createPrivateKey(workspace.read(rsaCsr.keyFile));
        const keys = { privateKey, publicKey: createPublicKey(privateKey) };
        const csrPem = csrFromDerWriter('Grüße HSM', keys);
        workspace.write('writer.csr', csrPem);
        expect(workspace.csrSelfSignatureVerifies('writer.csr')).toBe(true);
        const parsed = parseCsr(csrPem);
        expect(parsed.subjectCommonName).toBe('Grüße HSM');
        expect(createPublicKey(parsed.publicKeyPem).equals(keys.publicKey)).toBe(true);
    });

    it('rejects a request whose signature was altered, as OpenSSL does', () => {
        const tampered = tamper(rsaCsr.csrPem, (der) => der.length - 10);
        workspace.write('tampered.csr', tampered);
        expect(workspace.csrSelfSignatureVerifies('tampered.csr')).toBe(false);
        expect(() => parseCsr(tampered)).toThrow(PkiError);
        expect(() => parseCsr(tampered)).toThrow(/signature does not verify with its own public key/);
    });

    it('rejects a request whose subject was altered after signing', () => {
        const tampered = tamper(rsaCsr.csrPem, (der) => der.indexOf(Buffer.from('Example Corp')));
        expect(() => parseCsr(tampered)).toThrow(/signature does not verify/);
    });

    it('explains unusable input', () => {
        expect(() => parseCsr('')).toThrow(/the CSR is empty/);
        expect(() => parseCsr('not a csr')).toThrow(/the CSR is not PEM/);
        expect(() => parseCsr(derToPem(Buffer.from('3003020101', 'hex'), 'CERTIFICATE'))).toThrow(/PEM "CERTIFICATE" block/);
        expect(() => parseCsr(derToPem(Buffer.from('3003020101', 'hex'), 'CERTIFICATE REQUEST'))).toThrow(/not a valid PKCS#10/);
        const truncated = pemToDer(rsaCsr.csrPem, 'CERTIFICATE REQUEST', 'csr').subarray(0, 200);
        expect(() => parseCsr(derToPem(truncated, 'CERTIFICATE REQUEST'))).toThrow(/not a valid PKCS#10/);
    });

    it('refuses signature algorithms it does not check (SHA-1)', () => {
        expect(() => parseCsr(workspace.csr('sha1', '/CN=old', rsaCsr.keyFile, 'sha1').csrPem)).toThrow(/1\.2\.840\.113549\.1\.1\.5 is not supported/);
    });
});
