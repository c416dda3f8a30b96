import { KeyObject } from 'node:crypto';
import { decodeBitString, decodeDer, decodeInteger, DerTag, expectTag, readChildren } from './der';
import { PkiError } from './errors';
import { publicKeyFromSpki } from './keys';
import { pemToDer } from './pem';
import { verifySignature } from './signature-algorithms';
import { readCommonName } from './x509-name';

export interface ParsedCsr {
    /** The subject Name exactly as encoded in the request. */
    subjectDer: Buffer;
    publicKeyPem: string;
    subjectCommonName?: string;
}

export interface CsrContents extends ParsedCsr {
    subjectPublicKeyInfoDer: Buffer;
    publicKey: KeyObject;
}

const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/** Parses a PKCS#10 request and verifies its self-signature (proof that the requester holds the key). */
export function readCsr(csrPem: string): CsrContents {
    const der = pemToDer(csrPem, CSR_LABELS, 'the CSR');
    let structure;
    try {
        const [info, signatureAlgorithm, signatureValue] = readChildren(expectTag(decodeDer(der), DerTag.SEQUENCE, 'CertificationRequest'));
        const [version, subject, subjectPublicKeyInfo] = readChildren(expectTag(info, DerTag.SEQUENCE, 'CertificationRequestInfo'));
        if (decodeInteger(version) !== 0n) throw new PkiError('unknown PKCS#10 version');
        structure = {
            info,
            signatureAlgorithm: expectTag(signatureAlgorithm, DerTag.SEQUENCE, 'signatureAlgorithm'),
            signature: decodeBitString(signatureValue).bytes,
            subjectDer: Buffer.from(expectTag(subject, DerTag.SEQUENCE, 'subject').encoded),
            subjectPublicKeyInfoDer: Buffer.from(expectTag(subjectPublicKeyInfo, DerTag.SEQUENCE, 'SubjectPublicKeyInfo').encoded),
        };
    } catch (error) {
        throw new PkiError(`the CSR is PEM but not a valid PKCS#10 certificate request (${describe(error)})`, { cause: error });
    }

    let publicKey: KeyObject;
    try {
        publicKey = publicKeyFromSpki(structure.subjectPublicKeyInfoDer);
    } catch (error) {
        throw new PkiError(`the CSR's public key cannot be read (${describe(error)})`, { cause: error });
    }
    let signatureValid: boolean;
    try {
        signatureValid = verifySignature(structure.signatureAlgorithm, Buffer.from(structure.info.encoded), structure.signature, publicKey);
    } catch (error) {
        throw new PkiError(`the CSR's signature cannot be checked: ${describe(error)}`, { cause: error });
    }
    if (!signatureValid) {
        throw new PkiError("the CSR's signature does not verify with its own public key: the request was altered or damaged; copy the cluster's CSR again");
    }

    let subjectCommonName: string | undefined;
    try {
        subjectCommonName = readCommonName(structure.subjectDer);
    } catch (error) {
        throw new PkiError(`the CSR's subject name cannot be read (${describe(error)})`, { cause: error });
    }
    return {
        subjectDer: structure.subjectDer,
        subjectPublicKeyInfoDer: structure.subjectPublicKeyInfoDer,
        publicKey,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
        subjectCommonName,
    };
}

export function parseCsr(csrPem: string): ParsedCsr {
    const { subjectDer, publicKeyPem, subjectCommonName } = readCsr(csrPem);
    return subjectCommonName === undefined ? { subjectDer, publicKeyPem } : { subjectDer, publicKeyPem, subjectCommonName };
}
