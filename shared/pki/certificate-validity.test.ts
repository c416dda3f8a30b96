import { X509Certificate } from 'node:crypto';
import { installSharedClock } from '../../local/clock';
import { checkIssuedBy, checkTrustAnchor } from './certificate-checks';
import { OpensslWorkspace } from './openssl.test-support';
import { createRootCa } from './root-ca';
import { signCsr } from './sign-csr';

// The shared clock replaces Date in this test file's realm only; time moves by advancing it, never by waiting.
const wallClockAtStartMs = Date.now();
const clock = installSharedClock();
const MS_PER_DAY = 86_400_000;

describe('certificate validity against the shared clock', () => {
    let workspace: OpensslWorkspace;
    beforeAll(() => (workspace = new OpensslWorkspace()));
    afterAll(() => workspace.dispose());

    it('dates a new root from the shared clock, not the wall clock', () => {
        clock.advance(400 * 86_400);
        const root = createRootCa({ commonName: 'Future Root', validityDays: 10 });
        const validFromMs = Date.parse(new X509Certificate(root.certificatePem).validFrom);
        const backdateMs = clock.now() - validFromMs;
        expect(backdateMs).toBeGreaterThanOrEqual(5 * 60_000 - 1_000);
        expect(backdateMs).toBeLessThanOrEqual(5 * 60_000 + 10_000);
        expect(validFromMs - wallClockAtStartMs).toBeGreaterThan(399 * MS_PER_DAY);
    });

    it('reports an expired trust anchor and an expired signed certificate', () => {
        const root = createRootCa({ commonName: 'Short Root', validityDays: 10 });
        workspace.write('reused.key', root.privateKeyPem);
        const csrPem = workspace.csr('cluster', '/CN=cluster-abc234defgh_HSM1', 'reused.key').csrPem;
        const certPem = signCsr({ csrPem, caCertificatePem: root.certificatePem, caPrivateKeyPem: root.privateKeyPem, validityDays: 2 });
        expect(checkTrustAnchor(root.certificatePem)).toBeUndefined();
        expect(checkIssuedBy(certPem, root.certificatePem)).toBeUndefined();

        clock.advance(3 * 86_400);
        expect(checkTrustAnchor(root.certificatePem)).toBeUndefined();
        expect(checkIssuedBy(certPem, root.certificatePem)).toMatch(/^the signed certificate expired on \d{4}-\d\d-\d\dT/);

        clock.advance(8 * 86_400);
        expect(checkTrustAnchor(root.certificatePem)).toMatch(/^the trust anchor expired on .*issue a new one$/);
        expect(() => signCsr({ csrPem, caCertificatePem: root.certificatePem, caPrivateKeyPem: root.privateKeyPem, validityDays: 2 })).toThrow(
            /the CA certificate expired on/,
        );
    });
});
