import { contextTagOf, decodeBitString, decodeBoolean, decodeDer, decodeInteger, decodeOid, decodeTime, DerNode, DerTag, expectTag, readChildren } from './der';
import { PkiError } from './errors';
import { pemToDer } from './pem';

export interface CertificateExtension {
    critical: boolean;
    /** The contents of extnValue: the DER of the extension's own structure. */
    valueDer: Buffer;
}

/** The fields of an X.509 certificate that issuing and checking need, with the exact bytes where they matter. */
export interface ParsedCertificate {
    der: Buffer;
    tbsDer: Buffer;
    /** 1 for v1, 3 for v3. */
    version: number;
    serialNumber: bigint;
    signatureAlgorithmOid: string;
    issuerDer: Buffer;
    subjectDer: Buffer;
    notBefore: Date;
    notAfter: Date;
    subjectPublicKeyInfoDer: Buffer;
    extensions: Map<string, CertificateExtension>;
    signature: Buffer;
}

function readExtensions(wrapper: DerNode | undefined): Map<string, CertificateExtension> {
    const extensions = new Map<string, CertificateExtension>();
    if (!wrapper) return extensions;
    const [sequence] = readChildren(wrapper);
    for (const extension of readChildren(expectTag(sequence, DerTag.SEQUENCE, 'Extensions'))) {
        const fields = readChildren(expectTag(extension, DerTag.SEQUENCE, 'Extension'));
        const oid = decodeOid(fields[0]);
        const critical = fields.length === 3 ? decodeBoolean(fields[1]) : false;
        const value = expectTag(fields[fields.length - 1], DerTag.OCTET_STRING, 'extnValue');
        if (extensions.has(oid)) throw new PkiError(`certificate repeats the extension ${oid}`);
        extensions.set(oid, { critical, valueDer: Buffer.from(value.value) });
    }
    return extensions;
}

export function parseCertificateDer(der: Buffer): ParsedCertificate {
    const [tbs, signatureAlgorithm, signatureValue] = readChildren(expectTag(decodeDer(der), DerTag.SEQUENCE, 'Certificate'));
    const tbsFields = readChildren(expectTag(tbs, DerTag.SEQUENCE, 'TBSCertificate'));
    let index = 0;
    let version = 1;
    if (tbsFields[0]?.tag === contextTagOf(0, true)) {
        version = Number(decodeInteger(readChildren(tbsFields[0])[0])) + 1;
        index = 1;
    }
    const serialNumber = decodeInteger(tbsFields[index]);
    const issuer = expectTag(tbsFields[index + 2], DerTag.SEQUENCE, 'issuer');
    const [notBefore, notAfter] = readChildren(expectTag(tbsFields[index + 3], DerTag.SEQUENCE, 'Validity'));
    const subject = expectTag(tbsFields[index + 4], DerTag.SEQUENCE, 'subject');
    const subjectPublicKeyInfo = expectTag(tbsFields[index + 5], DerTag.SEQUENCE, 'SubjectPublicKeyInfo');
    const extensionsWrapper = tbsFields.slice(index + 6).find((field) => field.tag === contextTagOf(3, true));
    const [algorithmOid] = readChildren(expectTag(signatureAlgorithm, DerTag.SEQUENCE, 'signatureAlgorithm'));
    return {
        der,
        tbsDer: Buffer.from(tbs.encoded),
        version,
        serialNumber,
        signatureAlgorithmOid: decodeOid(algorithmOid),
        issuerDer: Buffer.from(issuer.encoded),
        subjectDer: Buffer.from(subject.encoded),
        notBefore: decodeTime(notBefore),
        notAfter: decodeTime(notAfter),
        subjectPublicKeyInfoDer: Buffer.from(subjectPublicKeyInfo.encoded),
        extensions: readExtensions(extensionsWrapper),
        signature: Buffer.from(decodeBitString(signatureValue).bytes),
    };
}

/** Parses a PEM certificate; `what` names it in errors ("the trust anchor"). */
export function readCertificatePem(pem: string, what: string): ParsedCertificate {
    const der = pemToDer(pem, 'CERTIFICATE', what);
    try {
        return parseCertificateDer(der);
    } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new PkiError(`${what} is PEM but not a valid X.509 certificate (${reason})`, { cause: error });
    }
}
