import { KeyObject, X509Certificate } from 'node:crypto';
import { ParsedCertificate, readCertificatePem } from './certificate';
import { readCsr } from './csr';
import { PkiError } from './errors';
import { describeKey, isAcceptedTrustAnchorKey, TRUST_ANCHOR_RSA_BITS } from './keys';
import { describeName } from './x509-name';

/**
 * Checks for certificates a user brings in "external" mode. Each returns a message saying what is wrong
 * and what to do about it, or undefined when the check passes, so that InitializeCluster is only called
 * with input it will accept.
 */

interface LoadedCertificate {
    parsed: ParsedCertificate;
    x509: X509Certificate;
    publicKey: KeyObject;
}

function loadCertificate(pem: string, what: string): LoadedCertificate {
    const parsed = readCertificatePem(pem, what);
    try {
        const x509 = new X509Certificate(parsed.der);
        // Read eagerly: node parses the key lazily and throws from the getter when it is malformed.
        return { parsed, x509, publicKey: x509.publicKey };
    } catch (error) {
        throw new PkiError(`${what} cannot be read as an X.509 certificate (${error instanceof Error ? error.message : String(error)})`);
    }
}

/** Runs a check, turning a PkiError (unreadable input) into its message. */
function messageOrUndefined(check: () => string | undefined): string | undefined {
    try {
        return check();
    } catch (error) {
        if (error instanceof PkiError) return error.message;
        throw error;
    }
}

function validityProblem(certificate: ParsedCertificate, what: string): string | undefined {
    const nowMs = Date.now();
    if (nowMs < certificate.notBefore.getTime()) {
        return `${what} is not valid until ${certificate.notBefore.toISOString()}; issue one whose validity has started`;
    }
    if (nowMs > certificate.notAfter.getTime()) {
        return `${what} expired on ${certificate.notAfter.toISOString()}; issue a new one`;
    }
    return undefined;
}

/**
 * Byte-equal names match; so do names that only differ in string encoding, which OpenSSL prints alike
 * (RFC 5280 name matching ignores such differences too).
 */
function namesMatch(issuer: LoadedCertificate, subject: LoadedCertificate, issuerOf: 'issuer' | 'subject'): boolean {
    const issuerDer = issuerOf === 'issuer' ? issuer.parsed.issuerDer : issuer.parsed.subjectDer;
    const issuerText = issuerOf === 'issuer' ? issuer.x509.issuer : issuer.x509.subject;
    return issuerDer.equals(subject.parsed.subjectDer) || issuerText === subject.x509.subject;
}

export function checkCertificateMatchesCsr(certPem: string, csrPem: string): string | undefined {
    return messageOrUndefined(() => {
        const certificate = loadCertificate(certPem, 'the signed certificate');
        const csr = readCsr(csrPem);
        if (!certificate.publicKey.equals(csr.publicKey)) {
            return "the signed certificate is for a different key than the cluster's CSR; sign the CSR the cluster published (Certificates.ClusterCsr), not another request";
        }
        return undefined;
    });
}

export function checkTrustAnchor(anchorPem: string): string | undefined {
    return messageOrUndefined(() => {
        const anchor = loadCertificate(anchorPem, 'the trust anchor');
        if (!namesMatch(anchor, anchor, 'issuer')) {
            return (
                `the trust anchor is not self-signed: it was issued by "${describeName(anchor.parsed.issuerDer)}" ` +
                `for "${describeName(anchor.parsed.subjectDer)}"; supply the root CA certificate at the top of the chain`
            );
        }
        if (!anchor.x509.verify(anchor.publicKey)) {
            return 'the trust anchor is not self-signed: its signature does not verify with its own public key; supply the root CA certificate';
        }
        if (!anchor.x509.ca) {
            return 'the trust anchor is not a CA certificate: it needs basicConstraints CA:TRUE (and keyCertSign if it has a keyUsage extension)';
        }
        if (!isAcceptedTrustAnchorKey(anchor.publicKey)) {
            return `the trust anchor's key is ${describeKey(anchor.publicKey)}; CloudHSM requires an RSA ${TRUST_ANCHOR_RSA_BITS.join(' or ')}-bit key`;
        }
        return validityProblem(anchor.parsed, 'the trust anchor');
    });
}

/**
 * `options.whenever`: only whether the anchor issued the certificate, not whether it is valid now (the
 * certificate of a cluster initialized long ago may have expired; the cluster keeps working).
 */
export function checkIssuedBy(certPem: string, anchorPem: string, options: { whenever?: boolean } = {}): string | undefined {
    return messageOrUndefined(() => {
        const certificate = loadCertificate(certPem, 'the signed certificate');
        const anchor = loadCertificate(anchorPem, 'the trust anchor');
        if (!namesMatch(certificate, anchor, 'issuer')) {
            return (
                `the signed certificate was issued by "${describeName(certificate.parsed.issuerDer)}", not by the trust anchor ` +
                `"${describeName(anchor.parsed.subjectDer)}"; supply the root CA certificate that signed it`
            );
        }
        if (!certificate.x509.verify(anchor.publicKey)) {
            return (
                "the signed certificate's signature does not verify with the trust anchor's key: a different CA with the same name " +
                'signed it; supply that CA as the trust anchor or sign the CSR again with this one'
            );
        }
        if (!certificate.x509.checkIssued(anchor.x509)) {
            return (
                "the trust anchor cannot have issued the signed certificate: the certificate's authorityKeyIdentifier " +
                "or the anchor's keyUsage (keyCertSign) rules it out"
            );
        }
        return options.whenever ? undefined : validityProblem(certificate.parsed, 'the signed certificate');
    });
}

/** All external-mode checks in the order a user would fix them; the first problem found, if any. */
export function checkExternalCertificates(input: { signedCertPem: string; trustAnchorPem: string; csrPem: string }): string | undefined {
    return (
        checkTrustAnchor(input.trustAnchorPem) ??
        checkCertificateMatchesCsr(input.signedCertPem, input.csrPem) ??
        checkIssuedBy(input.signedCertPem, input.trustAnchorPem)
    );
}
