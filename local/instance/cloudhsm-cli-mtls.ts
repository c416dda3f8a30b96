/**
 * `cloudhsm-cli cluster mtls …` of the CloudHSM CLI: the trust anchors an hsm2m.medium cluster accepts client
 * certificates from (mutual TLS between client and HSMs). Output shapes as the CLI reference shows them:
 * `{"trust_anchor": {"certificate-reference", "certificate", "cluster-coverage"}}` and `{"trust_anchors": [...]}`.
 */
import { X509Certificate } from 'crypto';
import { ParsedArgs } from './cli-args';
import { HsmConnection, HsmConnectionError, connect, login, refuseInLimitedWriteMode } from './hsm-connection';
import { ToolContext } from './tool-context';

/** "The maximum number of trust anchors can be registered is two (2)." */
const maxTrustAnchors = 2;
const acceptedRsaBits = [2048, 3072, 4096];
const acceptedCurves = ['prime256v1', 'secp384r1', 'secp521r1'];

function mtlsConnection(ctx: ToolContext, args: ParsedArgs): HsmConnection {
    const connection = connect(ctx, args.values.get('--cluster-id'));
    const { hsmType } = connection.cluster;
    if (hsmType !== 'hsm2m.medium') throw new HsmConnectionError(`mTLS is not supported by ${hsmType} HSMs; it needs hsm2m.medium`);
    return connection;
}

/** The changes are the admin's, and wait while a migration holds the cluster in limited-write mode. */
function asAdmin(ctx: ToolContext, args: ParsedArgs, what: string): HsmConnection {
    const connection = mtlsConnection(ctx, args);
    if (login(ctx, connection).role !== 'admin') throw new HsmConnectionError(`Only an admin can ${what}`);
    refuseInLimitedWriteMode(connection.cluster);
    return connection;
}

const entry = (anchor: { reference: string; certificatePem: string }) => ({
    'certificate-reference': anchor.reference,
    certificate: anchor.certificatePem,
    'cluster-coverage': 'full',
});

/** Any user, without logging in. */
export function listTrustAnchors(ctx: ToolContext, args: ParsedArgs): unknown {
    const { cluster } = mtlsConnection(ctx, args);
    return { trust_anchors: (cluster.mtlsTrustAnchors ?? []).map(entry) };
}

/** Admin only: EC P-256/384/521 or RSA 2048/3072/4096, at most two, read from `--path`. */
export function registerTrustAnchor(ctx: ToolContext, args: ParsedArgs): unknown {
    const { cluster } = asAdmin(ctx, args, 'register a trust anchor');
    const path = args.values.get('--path');
    if (path === undefined) throw new HsmConnectionError('The following required argument was not provided: --path <PATH>');
    const pem = ctx.request.optionFiles?.['--path'];
    if (pem === undefined || pem === null) throw new HsmConnectionError(`Failed to read the trust anchor ${path}: No such file or directory (os error 2)`);
    const certificate = parseCertificate(pem);
    const anchors = (cluster.mtlsTrustAnchors ??= []);
    if (anchors.some((a) => new X509Certificate(a.certificatePem).fingerprint256 === certificate.fingerprint256)) {
        throw new HsmConnectionError('The trust anchor is already registered');
    }
    if (anchors.length >= maxTrustAnchors) throw new HsmConnectionError(`At most ${maxTrustAnchors} trust anchors can be registered; deregister one first`);
    const used = new Set(anchors.map((a) => a.reference));
    let number = 1;
    while (used.has(reference(number))) number++;
    const anchor = { reference: reference(number), certificatePem: certificate.toString() };
    anchors.push(anchor);
    ctx.noteClusterChanged(cluster.clusterId);
    return { trust_anchor: entry(anchor) };
}

/** Admin only; the reference is the one list-trust-anchors shows (hexadecimal or decimal). */
export function deregisterTrustAnchor(ctx: ToolContext, args: ParsedArgs): unknown {
    const { cluster } = asAdmin(ctx, args, 'deregister a trust anchor');
    const given = args.values.get('--certificate-reference');
    if (given === undefined) throw new HsmConnectionError('The following required argument was not provided: --certificate-reference <CERTIFICATE_REFERENCE>');
    const number = /^0x[0-9a-f]+$/i.test(given) ? Number.parseInt(given.slice(2), 16) : /^\d+$/.test(given) ? Number(given) : NaN;
    const anchors = cluster.mtlsTrustAnchors ?? [];
    const found = anchors.find((a) => a.reference === reference(number));
    if (!found) throw new HsmConnectionError(`No trust anchor with reference ${given}`);
    cluster.mtlsTrustAnchors = anchors.filter((a) => a !== found);
    ctx.noteClusterChanged(cluster.clusterId);
    return { message: `Trust anchor ${found.reference} deregistered successfully` };
}

const reference = (number: number) => `0x${number.toString(16).padStart(2, '0')}`;

function parseCertificate(pem: string): X509Certificate {
    let certificate: X509Certificate;
    try {
        certificate = new X509Certificate(pem);
    } catch {
        throw new HsmConnectionError('The trust anchor is not a PEM encoded X.509 certificate');
    }
    const key = certificate.publicKey;
    const details = key.asymmetricKeyDetails ?? {};
    const accepted =
        (key.asymmetricKeyType === 'rsa' && acceptedRsaBits.includes(details.modulusLength ?? 0)) ||
        (key.asymmetricKeyType === 'ec' && acceptedCurves.includes(details.namedCurve ?? ''));
    if (!accepted) {
        const what = key.asymmetricKeyType === 'rsa' ? `RSA ${details.modulusLength}` : `${key.asymmetricKeyType} ${details.namedCurve ?? ''}`.trim();
        throw new HsmConnectionError(`Unsupported trust anchor key (${what}): use EC P-256, P-384 or P-521, or RSA 2048, 3072 or 4096`);
    }
    return certificate;
}
