import { derBoolean, derImplicit, derNamedBits, derOctetString, derOid, derSequence } from './der';
import { Oid } from './oids';

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }; DER omits a false default. */
function extension(oid: string, critical: boolean, valueDer: Buffer): Buffer {
    return critical
        ? derSequence(derOid(oid), derBoolean(true), derOctetString(valueDer))
        : derSequence(derOid(oid), derOctetString(valueDer));
}

/** cA DEFAULT FALSE is omitted for an end entity, leaving an empty SEQUENCE. */
export function basicConstraintsExtension(isCertificateAuthority: boolean): Buffer {
    const value = isCertificateAuthority ? derSequence(derBoolean(true)) : derSequence();
    return extension(Oid.basicConstraints, true, value);
}

export const KeyUsageBit = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export function keyUsageExtension(bits: number[]): Buffer {
    return extension(Oid.keyUsage, true, derNamedBits(bits));
}

export function subjectKeyIdentifierExtension(keyIdentifier: Buffer): Buffer {
    return extension(Oid.subjectKeyIdentifier, false, derOctetString(keyIdentifier));
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING, … } */
export function authorityKeyIdentifierExtension(keyIdentifier: Buffer): Buffer {
    return extension(Oid.authorityKeyIdentifier, false, derSequence(derImplicit(0, keyIdentifier)));
}
