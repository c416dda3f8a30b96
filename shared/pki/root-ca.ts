import { generateKeyPairSync } from 'node:crypto';
import { basicConstraintsExtension, KeyUsageBit, keyUsageExtension, subjectKeyIdentifierExtension } from './extensions';
import { PkiError } from './errors';
import { BACKDATE_MS, daysAfter, issueCertificate, wholeSeconds } from './issue-certificate';
import { keyIdentifierOf, spkiOf, TRUST_ANCHOR_RSA_BITS } from './keys';
import { buildName } from './x509-name';

export interface RootCaOptions {
    commonName: string;
    organization?: string;
    /** Whole days from now; the certificate starts a few minutes in the past to absorb clock skew. */
    validityDays: number;
    /** CloudHSM accepts only 2048 or 4096 for a trust anchor. Default 2048. */
    keyBits?: 2048 | 4096;
}

export interface RootCa {
    certificatePem: string;
    /** PKCS#8 PEM, unencrypted: store it only in Secrets Manager and never log it. */
    privateKeyPem: string;
}

/** 100 years: past that the dates stop meaning anything to anyone. */
export const MAX_VALIDITY_DAYS = 36_500;

export function checkValidityDays(validityDays: number): void {
    if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
        throw new PkiError(`validityDays must be a whole number from 1 to ${MAX_VALIDITY_DAYS}, got ${validityDays}`);
    }
}

/** A self-signed RSA root CA suitable as a CloudHSM trust anchor. */
export function createRootCa(options: RootCaOptions): RootCa {
    const keyBits = options.keyBits ?? 2048;
    if (!TRUST_ANCHOR_RSA_BITS.includes(keyBits)) {
        throw new PkiError(`keyBits must be ${TRUST_ANCHOR_RSA_BITS.join(' or ')} (the sizes CloudHSM accepts for a trust anchor), got ${keyBits}`);
    }
    checkValidityDays(options.validityDays);
    const name = buildName({ commonName: options.commonName, organization: options.organization });

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: keyBits, publicExponent: 0x10001 });
    const subjectPublicKeyInfoDer = spkiOf(publicKey);
    const nowMs = Date.now();
    const certificatePem = issueCertificate({
        issuerDer: name,
        subjectDer: name,
        subjectPublicKeyInfoDer,
        notBefore: wholeSeconds(nowMs - BACKDATE_MS),
        notAfter: daysAfter(wholeSeconds(nowMs), options.validityDays),
        extensions: [
            basicConstraintsExtension(true),
            keyUsageExtension([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]),
            subjectKeyIdentifierExtension(keyIdentifierOf(subjectPublicKeyInfoDer)),
        ],
        issuerPrivateKey: privateKey,
    });
    return { certificatePem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}
