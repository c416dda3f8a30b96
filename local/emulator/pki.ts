/**
 * The emulated CloudHSM cluster's side of the PKI: the HSM's key pair and CSR, and the checks
 * InitializeCluster makes on the customer's certificates.
 *
 * Deliberately written apart from shared/pki (own DER writer, node's X509Certificate for all checks), so a
 * mistake made in both places at once cannot make the product look right.
 */
import { createPublicKey, generateKeyPairSync, KeyObject, sign, X509Certificate } from 'node:crypto';

// Just enough DER to write one PKCS#10 request.
function tlv(tag: number, body: Buffer): Buffer {
    let lengthBytes: number[];
    if (body.length < 128) {
        lengthBytes = [body.length];
    } else {
        const digits: number[] = [];
        for (let n = body.length; n > 0; n >>>= 8) digits.unshift(n & 0xff);
        lengthBytes = [0x80 + digits.length, ...digits];
    }
    return Buffer.concat([Buffer.from([tag, ...lengthBytes]), body]);
}
const sequence = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
function objectIdentifier(dotted: string): Buffer {
    const [first, second, ...rest] = dotted.split('.').map(Number);
    const bytes = [first * 40 + second];
    for (const arc of rest) {
        const septets = [arc & 0x7f];
        for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) septets.unshift((n & 0x7f) | 0x80);
        bytes.push(...septets);
    }
    return tlv(0x06, Buffer.from(bytes));
}

const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const ATTRIBUTE_TYPES = { C: '2.5.4.6', ST: '2.5.4.8', L: '2.5.4.7', O: '2.5.4.10', OU: '2.5.4.11', CN: '2.5.4.3' } as const;

/** The subject an HSM puts in its cluster CSR (modelled on the service's; the CN names the cluster's first HSM). */
function hsmSubject(clusterId: string): Buffer {
    const attributes: [keyof typeof ATTRIBUTE_TYPES, string][] = [
        ['C', 'US'],
        ['ST', 'Virginia'],
        ['L', 'Herndon'],
        ['O', 'Amazon Web Services'],
        ['OU', 'CloudHSM'],
        ['CN', `${clusterId}_HSM1`],
    ];
    return sequence(
        ...attributes.map(([type, value]) =>
            // countryName is PrintableString by definition; the rest as UTF8String.
            set(sequence(objectIdentifier(ATTRIBUTE_TYPES[type]), tlv(type === 'C' ? 0x13 : 0x0c, Buffer.from(value, 'utf8')))),
        ),
    );
}

function toPem(der: Buffer, label: string): string {
    return `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/**
 * A fresh RSA 2048 key for the cluster's HSM and its self-signed PKCS#10 request. The private key is
 * dropped once the request is signed: the emulator only needs the public half to recognise certificates.
 */
export function createClusterKeyAndCsr(clusterId: string): { csrPem: string; publicKeyPem: string } {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const requestInfo = sequence(
        tlv(0x02, Buffer.from([0])),
        hsmSubject(clusterId),
        publicKey.export({ type: 'spki', format: 'der' }),
        tlv(0xa0, Buffer.alloc(0)),
    );
    const signature = sign('sha256', requestInfo, privateKey);
    const request = sequence(
        requestInfo,
        sequence(objectIdentifier(SHA256_WITH_RSA), tlv(0x05, Buffer.alloc(0))),
        tlv(0x03, Buffer.concat([Buffer.from([0]), signature])),
    );
    return { csrPem: toPem(request, 'CERTIFICATE REQUEST'), publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

function readCertificate(pem: string): { certificate: X509Certificate; publicKey: KeyObject } | undefined {
    if (typeof pem !== 'string' || !/^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(pem)) return undefined;
    try {
        const certificate = new X509Certificate(pem);
        // node parses the key lazily; a malformed key would otherwise throw later, from a getter.
        return { certificate, publicKey: certificate.publicKey };
    } catch {
        return undefined;
    }
}

/**
 * What InitializeCluster checks before accepting certificates: returns the CloudHsmInvalidRequestException
 * message, or undefined when the certificates are acceptable.
 */
export function verifyInitializeCertificates(input: { clusterPublicKeyPem: string; signedCertPem: string; trustAnchorPem: string }): string | undefined {
    const signed = readCertificate(input.signedCertPem);
    if (!signed) return 'SignedCert is not a valid PEM-encoded X.509 certificate.';
    const anchor = readCertificate(input.trustAnchorPem);
    if (!anchor) return 'TrustAnchor is not a valid PEM-encoded X.509 certificate.';

    if (!anchor.certificate.checkIssued(anchor.certificate) || !anchor.certificate.verify(anchor.publicKey)) {
        return 'TrustAnchor must be a self-signed certificate.';
    }
    // A root without CA:TRUE cannot issue anything in an OpenSSL chain check, so no SignedCert could verify.
    if (!anchor.certificate.ca) return 'TrustAnchor must be a CA certificate (basicConstraints CA:TRUE).';
    const anchorBits = anchor.publicKey.asymmetricKeyDetails?.modulusLength;
    if (anchor.publicKey.asymmetricKeyType !== 'rsa' || (anchorBits !== 2048 && anchorBits !== 4096)) {
        return 'TrustAnchor key must be RSA 2048 or RSA 4096.';
    }
    if (!signed.publicKey.equals(createPublicKey(input.clusterPublicKeyPem))) {
        return 'SignedCert does not match the cluster CSR: its public key is not the HSM key.';
    }
    if (!signed.certificate.checkIssued(anchor.certificate) || !signed.certificate.verify(anchor.publicKey)) {
        return 'SignedCert could not be verified with the TrustAnchor.';
    }
    return undefined;
}
