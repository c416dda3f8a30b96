import { KeyObject, randomBytes } from 'node:crypto';
import { derBitString, derExplicit, derInteger, derSequence, derTime } from './der';
import { derToPem } from './pem';
import { sha256WithRsaAlgorithmIdentifier, signSha256WithRsa } from './signature-algorithms';

/** Backdating absorbs clock skew between us, the HSM and whoever validates the certificate next. */
export const BACKDATE_MS = 5 * 60 * 1000;

const MS_PER_DAY = 24 * 60 * 60 * 1000;

export interface CertificateToIssue {
    issuerDer: Buffer;
    subjectDer: Buffer;
    subjectPublicKeyInfoDer: Buffer;
    notBefore: Date;
    notAfter: Date;
    /** Complete Extension elements, in the order to write them. */
    extensions: Buffer[];
    issuerPrivateKey: KeyObject;
}

/**
 * 16 random bytes, positive, with a non-zero first byte so the encoding is always 16 bytes
 * (126 random bits; CA/Browser Forum asks for at least 64).
 */
export function randomSerialNumber(): Buffer {
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x7f) | 0x01;
    return serial;
}

/** Whole seconds: certificates cannot carry milliseconds. */
export function wholeSeconds(epochMs: number): Date {
    return new Date(Math.floor(epochMs / 1000) * 1000);
}

export function daysAfter(start: Date, days: number): Date {
    return wholeSeconds(start.getTime() + days * MS_PER_DAY);
}

/** An X.509 v3 certificate signed with sha256WithRSAEncryption, as PEM. */
export function issueCertificate(certificate: CertificateToIssue): string {
    const signatureAlgorithm = sha256WithRsaAlgorithmIdentifier();
    const tbsCertificate = derSequence(
        derExplicit(0, derInteger(2)),
        derInteger(randomSerialNumber()),
        signatureAlgorithm,
        certificate.issuerDer,
        derSequence(derTime(certificate.notBefore), derTime(certificate.notAfter)),
        certificate.subjectDer,
        certificate.subjectPublicKeyInfoDer,
        derExplicit(3, derSequence(...certificate.extensions)),
    );
    const signature = signSha256WithRsa(tbsCertificate, certificate.issuerPrivateKey);
    return derToPem(derSequence(tbsCertificate, signatureAlgorithm, derBitString(signature)), 'CERTIFICATE');
}
