import { KeyObject, sign, verify } from 'node:crypto';
import { decodeOid, derNull, derOid, derSequence, DerNode, DerTag, expectTag, readChildren } from './der';
import { PkiError } from './errors';
import { Oid } from './oids';

interface SignatureAlgorithm {
    hash: 'sha256' | 'sha384' | 'sha512';
    keyType: 'rsa' | 'ec';
}

// RSA-PSS and SHA-1 are left out: neither CloudHSM nor a new CA here uses them.
const SIGNATURE_ALGORITHMS: Record<string, SignatureAlgorithm> = {
    [Oid.sha256WithRsaEncryption]: { hash: 'sha256', keyType: 'rsa' },
    [Oid.sha384WithRsaEncryption]: { hash: 'sha384', keyType: 'rsa' },
    [Oid.sha512WithRsaEncryption]: { hash: 'sha512', keyType: 'rsa' },
    [Oid.ecdsaWithSha256]: { hash: 'sha256', keyType: 'ec' },
    [Oid.ecdsaWithSha384]: { hash: 'sha384', keyType: 'ec' },
    [Oid.ecdsaWithSha512]: { hash: 'sha512', keyType: 'ec' },
};

/**
 * Verifies `signature` over `signedBytes` with the algorithm named by an AlgorithmIdentifier node.
 * Returns false for a wrong signature; throws for an algorithm this module does not handle.
 */
export function verifySignature(algorithmIdentifier: DerNode, signedBytes: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
    const [oidNode] = readChildren(expectTag(algorithmIdentifier, DerTag.SEQUENCE, 'AlgorithmIdentifier'));
    const oid = decodeOid(oidNode);
    const algorithm = SIGNATURE_ALGORITHMS[oid];
    if (!algorithm) throw new PkiError(`the signature algorithm ${oid} is not supported (use SHA-256/384/512 with RSA or ECDSA)`);
    if (publicKey.asymmetricKeyType !== algorithm.keyType) {
        throw new PkiError(`the signature algorithm ${oid} does not match the ${publicKey.asymmetricKeyType} key`);
    }
    // X.509 carries ECDSA signatures as DER SEQUENCE { r, s }, which is node's default encoding.
    return verify(algorithm.hash, signedBytes, publicKey, signature);
}

/** AlgorithmIdentifier for sha256WithRSAEncryption; RFC 4055 requires the explicit NULL parameters. */
export function sha256WithRsaAlgorithmIdentifier(): Buffer {
    return derSequence(derOid(Oid.sha256WithRsaEncryption), derNull());
}

/** PKCS#1 v1.5 signature with SHA-256, the pairing sha256WithRSAEncryption names. */
export function signSha256WithRsa(signedBytes: Buffer, privateKey: KeyObject): Buffer {
    if (privateKey.asymmetricKeyType !== 'rsa') {
        throw new PkiError(`the CA private key is ${privateKey.asymmetricKeyType}; an RSA key is required`);
    }
    return sign('sha256', signedBytes, privateKey);
}
