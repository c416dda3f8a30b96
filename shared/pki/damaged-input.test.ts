import { checkIssuedBy, checkTrustAnchor } from './certificate-checks';
import { parseCsr } from './csr';
import { PkiError } from './errors';
import { derToPem, pemToDer } from './pem';
import { createRootCa } from './root-ca';
import { signCsr } from './sign-csr';
import { OpensslWorkspace } from './openssl.test-support';

/**
 * Every truncation and every single-byte corruption of a good certificate or request must come back as a
 * message (or a PkiError), never as a stray TypeError from deep inside a parser.
 */
describe('damaged input', () => {
    let workspace: OpensslWorkspace;
    let anchorPem: string;
    let certPem: string;
    let csrPem: string;

    beforeAll(() => {
        workspace = new OpensslWorkspace();
        const root = createRootCa({ commonName: 'Damage Root', validityDays: 30 });
        workspace.write('reused.key', root.privateKeyPem);
        csrPem = workspace.csr('request', '/CN=damage', 'reused.key').csrPem;
        anchorPem = root.certificatePem;
        certPem = signCsr({ csrPem, caCertificatePem: root.certificatePem, caPrivateKeyPem: root.privateKeyPem, validityDays: 10 });
    });
    afterAll(() => workspace.dispose());

    function variants(pem: string, label: string): string[] {
        const der = pemToDer(pem, label, 'input');
        const damaged: string[] = [];
        for (let length = 0; length < der.length; length += 3) damaged.push(derToPem(der.subarray(0, length), label));
        for (let offset = 0; offset < der.length; offset += 2) {
            const corrupted = Buffer.from(der);
            corrupted[offset] ^= offset % 4 === 0 ? 0xff : 0x80;
            damaged.push(derToPem(corrupted, label));
        }
        return damaged;
    }

    it('certificate checks answer every damaged certificate with a message', () => {
        let rejected = 0;
        for (const damagedAnchor of variants(anchorPem, 'CERTIFICATE')) {
            const message = checkTrustAnchor(damagedAnchor);
            if (message !== undefined) rejected++;
            expect(['string', 'undefined']).toContain(typeof message);
        }
        for (const damagedCert of variants(certPem, 'CERTIFICATE')) {
            expect(['string', 'undefined']).toContain(typeof checkIssuedBy(damagedCert, anchorPem));
        }
        expect(rejected).toBeGreaterThan(100);
    });

    it('parseCsr throws only PkiError for every damaged request', () => {
        let rejected = 0;
        for (const damaged of variants(csrPem, 'CERTIFICATE REQUEST')) {
            try {
                parseCsr(damaged);
            } catch (error) {
                expect(error).toBeInstanceOf(PkiError);
                rejected++;
            }
        }
        expect(rejected).toBeGreaterThan(100);
    });
});
