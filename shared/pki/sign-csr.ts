import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readCertificatePem } from './certificate';
import { readCsr } from './csr';
import { decodeDer, DerTag, expectTag } from './der';
import { PkiError } from './errors';
import { authorityKeyIdentifierExtension, basicConstraintsExtension, subjectKeyIdentifierExtension } from './extensions';
import { BACKDATE_MS, daysAfter, issueCertificate, wholeSeconds } from './issue-certificate';
import { keyIdentifierOf, publicKeyFromSpki } from './keys';
import { Oid } from './oids';
import { checkValidityDays } from './root-ca';

export interface SignCsrOptions {
    csrPem: string;
    caCertificatePem: string;
    caPrivateKeyPem: string;
    /** Whole days from now, cut short at the CA certificate's own expiry. */
    validityDays: number;
}

function readCaPrivateKey(caPrivateKeyPem: string): KeyObject {
    try {
        return createPrivateKey(caPrivateKeyPem);
    } catch {
        // The node message and cause are kept out on purpose: nothing derived from key text goes into an error.
        throw new PkiError('the CA private key is not a readable unencrypted PEM private key');
    }
}

/**
 * Issues an end-entity certificate for the request's subject and key, signed by the CA. The issuer is the
 * CA certificate's subject copied byte for byte, so name chaining cannot fail on a re-encoding.
 */
export function signCsr(options: SignCsrOptions): string {
    checkValidityDays(options.validityDays);
    const csr = readCsr(options.csrPem);
    const ca = readCertificatePem(options.caCertificatePem, 'the CA certificate');
    const caPrivateKey = readCaPrivateKey(options.caPrivateKeyPem);
    if (caPrivateKey.asymmetricKeyType !== 'rsa') {
        throw new PkiError(`the CA private key is ${caPrivateKey.asymmetricKeyType}; an RSA key is required`);
    }
    if (!createPublicKey(caPrivateKey).equals(publicKeyFromSpki(ca.subjectPublicKeyInfoDer))) {
        throw new PkiError('the CA private key does not belong to the CA certificate');
    }

    const nowMs = Date.now();
    if (ca.notAfter.getTime() <= nowMs) throw new PkiError(`the CA certificate expired on ${ca.notAfter.toISOString()}`);
    if (ca.notBefore.getTime() > nowMs) throw new PkiError(`the CA certificate is not valid until ${ca.notBefore.toISOString()}`);
    // A certificate cannot be trusted outside its issuer's validity, so neither end is allowed past it.
    const notBefore = new Date(Math.max(wholeSeconds(nowMs - BACKDATE_MS).getTime(), ca.notBefore.getTime()));
    const notAfter = new Date(Math.min(daysAfter(wholeSeconds(nowMs), options.validityDays).getTime(), ca.notAfter.getTime()));

    const caSubjectKeyIdentifier = ca.extensions.get(Oid.subjectKeyIdentifier);
    const caKeyIdentifier = caSubjectKeyIdentifier
        ? Buffer.from(expectTag(decodeDer(caSubjectKeyIdentifier.valueDer), DerTag.OCTET_STRING, 'SubjectKeyIdentifier').value)
        : keyIdentifierOf(ca.subjectPublicKeyInfoDer);

    return issueCertificate({
        issuerDer: ca.subjectDer,
        subjectDer: csr.subjectDer,
        subjectPublicKeyInfoDer: csr.subjectPublicKeyInfoDer,
        notBefore,
        notAfter,
        extensions: [
            basicConstraintsExtension(false),
            subjectKeyIdentifierExtension(keyIdentifierOf(csr.subjectPublicKeyInfoDer)),
            authorityKeyIdentifierExtension(caKeyIdentifier),
        ],
        issuerPrivateKey: caPrivateKey,
    });
}
