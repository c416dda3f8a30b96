import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import { decodeBitString, decodeDer, DerTag, expectTag, readChildren } from './der';

/**
 * RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. SHA-1 here is an identifier, not a
 * security property, and is what other tools compute, so chains built elsewhere still line up.
 */
export function keyIdentifierOf(subjectPublicKeyInfoDer: Buffer): Buffer {
    const [, subjectPublicKey] = readChildren(expectTag(decodeDer(subjectPublicKeyInfoDer), DerTag.SEQUENCE, 'SubjectPublicKeyInfo'));
    return createHash('sha1').update(decodeBitString(subjectPublicKey).bytes).digest();
}

export function publicKeyFromSpki(subjectPublicKeyInfoDer: Buffer): KeyObject {
    return createPublicKey({ key: subjectPublicKeyInfoDer, format: 'der', type: 'spki' });
}

export function spkiOf(key: KeyObject): Buffer {
    return key.export({ format: 'der', type: 'spki' });
}

/** "RSA 2048-bit", "EC prime256v1" — for messages. */
export function describeKey(key: KeyObject): string {
    const details = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === 'rsa') return `RSA ${details.modulusLength}-bit`;
    if (key.asymmetricKeyType === 'ec') return `EC ${details.namedCurve}`;
    return String(key.asymmetricKeyType).toUpperCase();
}

/** CloudHSM accepts only these trust anchor key sizes. */
export const TRUST_ANCHOR_RSA_BITS: readonly number[] = [2048, 4096];

export function isAcceptedTrustAnchorKey(key: KeyObject): boolean {
    return key.asymmetricKeyType === 'rsa' && TRUST_ANCHOR_RSA_BITS.includes(key.asymmetricKeyDetails?.modulusLength ?? 0);
}
