/**
 * Input checks that need no AWS call. Every problem names the property and what would be accepted, and all
 * problems are reported at once, before anything is created.
 */
import { X509Certificate } from 'crypto';
import { InvalidInputError } from '../../shared/engine/errors';
import { ClusterModel } from './resource-model';
import { DEFAULTS, MAX_CLUSTER_TAGS, MAX_INTERNAL_TAGS, userTags } from './translate';

const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const BACKUP_ID = /^backup-[2-7a-zA-Z]{11,16}$/;
const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
/** KMS KeyIdType forms: a key ID, a multi-Region key ID, an alias name, or the ARN of a key or an alias. */
const KMS_KEY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
const KMS_ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;
const KMS_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/[a-zA-Z0-9-]+|alias\/[a-zA-Z0-9/_-]+)$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:[a-zA-Z0-9/_+=.@-]+$/;

/** HSM types CloudHSM knows; only the current ones can be used for a new cluster. */
const HSM_TYPES: Record<string, { current: boolean; nonFips: boolean; dualStack: boolean }> = {
    'hsm2m.medium': { current: true, nonFips: true, dualStack: true },
    // CloudHSM added IPv6 after hsm1.medium's end of sale; no source says hsm1 HSMs take IPv6 addresses.
    'hsm1.medium': { current: false, nonFips: false, dualStack: false },
};
const MAX_HSMS_PER_CLUSTER = 28;
/** CloudHSM's TagKey and TagValue pattern (API model): letters, spaces, digits and `_ . : / = + - @`. */
const CLOUDHSM_TAG_TEXT = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const TAG_CHARACTERS = 'letters, spaces, digits and _ . : / = + - @';
const INTERNAL_TAG_COUNT = MAX_INTERNAL_TAGS;

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const show = (v: unknown): string => JSON.stringify(v);

/** What the checks need from the request besides the model. */
export interface InputContext {
    stackTags?: Record<string, string>;
    /** The stack's account and region: the secrets' KMS key and the source secrets must be in them. */
    accountId?: string;
    region?: string;
    /** In an update: the cluster's HSM type now. A cluster made before end of support may keep it. */
    existingHsmType?: string;
    /** In an update: the cluster was not created by this type but imported into the stack. */
    imported?: boolean;
    /** A create: there is no cluster yet that Imported* properties could describe. */
    creating?: boolean;
}

export function problemsWithClusterInput(model: ClusterModel, context: InputContext): string[] {
    const problems: string[] = [];
    const subnets = model.SubnetIds;
    if (!Array.isArray(subnets) || subnets.length === 0) {
        problems.push('SubnetIds is required: give one private subnet per Availability Zone, at least two for a KMS key store.');
    } else {
        if (subnets.length > 10) problems.push(`SubnetIds has ${subnets.length} subnets; CloudHSM accepts at most 10.`);
        const bad = subnets.filter((s) => typeof s !== 'string' || !SUBNET_ID.test(s));
        if (bad.length) problems.push(`SubnetIds has malformed subnet IDs ${show(bad)}; expected IDs like subnet-0123456789abcdef0.`);
        if (new Set(subnets).size !== subnets.length) problems.push('SubnetIds lists a subnet twice.');
    }

    const hsmType = model.HsmType ?? DEFAULTS.HsmType;
    const known = HSM_TYPES[hsmType];
    if (!known) problems.push(`HsmType ${show(hsmType)} is not an HSM type CloudHSM offers; use hsm2m.medium.`);
    else if (!known.current && !model.SourceBackupId && hsmType !== context.existingHsmType) problems.push(`HsmType ${hsmType} reached end of support and cannot be used for a new cluster; use hsm2m.medium.`);

    const mode = model.Mode ?? DEFAULTS.Mode;
    if (mode !== 'FIPS' && mode !== 'NON_FIPS') problems.push(`Mode ${show(mode)} is not FIPS or NON_FIPS.`);
    else if (mode === 'NON_FIPS' && known && !known.nonFips) problems.push(`Mode NON_FIPS needs HsmType hsm2m.medium; ${hsmType} runs in FIPS mode only.`);

    const networkType = model.NetworkType ?? DEFAULTS.NetworkType;
    if (networkType !== 'IPV4' && networkType !== 'DUALSTACK') problems.push(`NetworkType ${show(networkType)} is not IPV4 or DUALSTACK.`);
    else if (networkType === 'DUALSTACK' && known && !known.dualStack) {
        problems.push(`NetworkType DUALSTACK needs HsmType hsm2m.medium; ${hsmType} HSMs have IPv4 addresses only.`);
    }

    const perSubnet = model.HsmsPerSubnet ?? DEFAULTS.HsmsPerSubnet;
    if (!isInteger(perSubnet) || perSubnet < 0 || perSubnet > MAX_HSMS_PER_CLUSTER) {
        problems.push(`HsmsPerSubnet must be a whole number from 0 to 28 (got ${show(perSubnet)}).`);
    } else if (Array.isArray(subnets) && perSubnet * subnets.length > MAX_HSMS_PER_CLUSTER) {
        problems.push(
            `HsmsPerSubnet ${perSubnet} × ${subnets.length} subnets is ${perSubnet * subnets.length} HSMs; a cluster holds at most ${MAX_HSMS_PER_CLUSTER}.`,
        );
    }

    const retention = model.BackupRetentionDays ?? DEFAULTS.BackupRetentionDays;
    if (!isInteger(retention) || retention < 7 || retention > 379) {
        problems.push(`BackupRetentionDays must be a whole number of days from 7 to 379 (got ${show(retention)}).`);
    }

    if (model.SourceBackupId !== undefined && (typeof model.SourceBackupId !== 'string' || !BACKUP_ID.test(model.SourceBackupId))) {
        problems.push(`SourceBackupId ${show(model.SourceBackupId)} is not a backup ID like backup-abcdefghijk.`);
    }

    const ca = model.CertificateAuthority ?? DEFAULTS.CertificateAuthority;
    if (ca !== 'SELF_SIGNED' && ca !== 'EXTERNAL') problems.push(`CertificateAuthority ${show(ca)} is not SELF_SIGNED or EXTERNAL.`);
    if (ca !== 'EXTERNAL' && (model.ExternalClusterCertificate || model.ExternalTrustAnchor)) {
        problems.push('ExternalClusterCertificate and ExternalTrustAnchor are only used with CertificateAuthority EXTERNAL.');
    }
    if (model.SourceBackupId && model.CertificateAuthority) {
        problems.push('CertificateAuthority does not apply to a cluster created from SourceBackupId: its certificates come from the backup.');
    }
    for (const property of ['ExternalClusterCertificate', 'ExternalTrustAnchor'] as const) {
        const pem = model[property];
        if (pem !== undefined && (typeof pem !== 'string' || !PEM_CERTIFICATE.test(pem))) {
            problems.push(`${property} must be one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----).`);
        }
    }
    if (context.imported && (model.ExternalClusterCertificate || model.ExternalTrustAnchor)) {
        problems.push('ExternalClusterCertificate and ExternalTrustAnchor initialize a cluster this type created; an imported cluster was initialized outside it. Remove them.');
    }
    if (!!model.ExternalClusterCertificate !== !!model.ExternalTrustAnchor) {
        problems.push('ExternalClusterCertificate and ExternalTrustAnchor go together: give both to initialize the cluster.');
    }

    const passwordVersion = model.AdminPasswordVersion ?? DEFAULTS.AdminPasswordVersion;
    if (!isInteger(passwordVersion) || passwordVersion < 1) problems.push(`AdminPasswordVersion must be a whole number from 1 (got ${show(passwordVersion)}).`);

    if (model.ManagementInstanceId !== undefined && (typeof model.ManagementInstanceId !== 'string' || !INSTANCE_ID.test(model.ManagementInstanceId))) {
        problems.push(`ManagementInstanceId ${show(model.ManagementInstanceId)} is not an instance ID like i-0123456789abcdef0.`);
    }
    problems.push(...problemsWithTrustAnchors(model, hsmType));
    problems.push(...problemsWithSecretsKmsKey(model.SecretsKmsKeyId, context));
    problems.push(...problemsWithSourceSecrets(model, context));
    problems.push(...problemsWithImportedSecrets(model, context));
    problems.push(...problemsWithTags(model, context.stackTags));
    return problems;
}

/** What `cluster mtls register-trust-anchor` accepts ("Register a trust anchor with CloudHSM CLI"). */
const MAX_TRUST_ANCHORS = 2;
const TRUST_ANCHOR_RSA_BITS = [2048, 3072, 4096];
const TRUST_ANCHOR_CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function problemsWithTrustAnchors(model: ClusterModel, hsmType: unknown): string[] {
    const anchors: unknown = model.MtlsTrustAnchors;
    if (anchors === undefined || (Array.isArray(anchors) && anchors.length === 0)) return [];
    if (!Array.isArray(anchors) || anchors.length > MAX_TRUST_ANCHORS) return [`MtlsTrustAnchors must be a list of at most ${MAX_TRUST_ANCHORS} PEM certificates.`];
    const problems: string[] = [];
    if (hsmType !== 'hsm2m.medium') problems.push(`MtlsTrustAnchors needs HsmType hsm2m.medium; ${show(hsmType)} HSMs have no mTLS.`);
    if (!model.ManagementInstanceId) problems.push('MtlsTrustAnchors are registered from the management instance: set ManagementInstanceId.');
    if (model.SourceBackupId && !model.SourceAdminSecretArn) {
        problems.push('MtlsTrustAnchors are registered as admin: a cluster restored from SourceBackupId needs SourceAdminSecretArn for the admin password.');
    }
    const fingerprints = new Set<string>();
    anchors.forEach((pem, i) => {
        const which = `MtlsTrustAnchors[${i}]`;
        let certificate: X509Certificate | undefined;
        try {
            if (typeof pem === 'string' && PEM_CERTIFICATE.test(pem)) certificate = new X509Certificate(pem);
        } catch {
            certificate = undefined;
        }
        if (!certificate) return problems.push(`${which} must be one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----).`);
        const key = certificate.publicKey;
        const details = key.asymmetricKeyDetails ?? {};
        const rsaOk = key.asymmetricKeyType === 'rsa' && TRUST_ANCHOR_RSA_BITS.includes(details.modulusLength ?? 0);
        const ecOk = key.asymmetricKeyType === 'ec' && !!TRUST_ANCHOR_CURVES[details.namedCurve ?? ''];
        if (!rsaOk && !ecOk) {
            const found = key.asymmetricKeyType === 'rsa' ? `an RSA ${details.modulusLength}-bit key` : `a ${key.asymmetricKeyType} key${details.namedCurve ? ` on ${details.namedCurve}` : ''}`;
            problems.push(`${which} has ${found}; CloudHSM accepts trust anchors with EC P-256, P-384 or P-521, or RSA 2048, 3072 or 4096 keys.`);
        }
        if (fingerprints.has(certificate.fingerprint256)) problems.push(`${which} repeats an earlier certificate.`);
        fingerprints.add(certificate.fingerprint256);
    });
    return problems;
}

/**
 * Whoever controls the KMS key can decrypt the secrets, so it must be a key of the stack's own account (a key
 * ID or alias name is one by construction) and, as Secrets Manager requires, of the stack's region.
 */
function problemsWithSecretsKmsKey(keyId: unknown, context: InputContext): string[] {
    if (keyId === undefined) return [];
    if (typeof keyId !== 'string' || keyId.length > 256) return ['SecretsKmsKeyId must be a KMS key ID, ARN or alias of at most 256 characters.'];
    if (KMS_KEY_ID.test(keyId) || KMS_ALIAS_NAME.test(keyId)) return [];
    const arn = KMS_ARN.exec(keyId);
    if (!arn) return [`SecretsKmsKeyId ${show(keyId)} is not a KMS key ID, key ARN, alias name (alias/…) or alias ARN.`];
    const [, region, account] = arn;
    if (context.accountId && account !== context.accountId) {
        return [`SecretsKmsKeyId ${keyId} is a key of account ${account}; give a key of this stack's account ${context.accountId}: whoever controls the key can read the secrets.`];
    }
    if (context.region && region !== context.region) return [`SecretsKmsKeyId ${keyId} is a key of ${region}; Secrets Manager needs a key in ${context.region}, the stack's region.`];
    return [];
}

function problemsWithSourceSecrets(model: ClusterModel, context: InputContext): string[] {
    const problems: string[] = [];
    for (const property of ['SourceAdminSecretArn', 'SourceTrustAnchorSecretArn'] as const) {
        const value = model[property];
        if (value === undefined) continue;
        if (!model.SourceBackupId) {
            problems.push(`${property} is only used with SourceBackupId: it names the secret of the backup's cluster to copy.`);
            continue;
        }
        const arn = typeof value === 'string' ? SECRET_ARN.exec(value) : null;
        if (!arn) problems.push(`${property} ${show(value)} is not a Secrets Manager secret ARN (the AdminSecretArn / TrustAnchorSecretArn of the backup's cluster).`);
        else if ((context.accountId && arn[2] !== context.accountId) || (context.region && arn[1] !== context.region)) {
            problems.push(`${property} ${value} is not a secret of this stack's account and region.`);
        }
    }
    return problems;
}

/** ImportedAdminSecretArn, ImportedTrustAnchorSecretArn: secrets of a cluster that was imported, not created, by the type. */
function problemsWithImportedSecrets(model: ClusterModel, context: InputContext): string[] {
    const problems: string[] = [];
    for (const property of ['ImportedAdminSecretArn', 'ImportedTrustAnchorSecretArn'] as const) {
        const value = model[property];
        if (value === undefined) continue;
        if (context.creating || context.imported === false) {
            const own = context.creating ? 'a cluster this type creates gets its own secrets' : 'this cluster was created by this type, which keeps its own (AdminSecretArn, TrustAnchorSecretArn)';
            problems.push(`${property} is only for a cluster imported into the stack (resource import); ${own}. Remove ${property}.`);
            continue;
        }
        const arn = typeof value === 'string' ? SECRET_ARN.exec(value) : null;
        if (!arn) problems.push(`${property} ${show(value)} is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>).`);
        else if ((context.accountId && arn[2] !== context.accountId) || (context.region && arn[1] !== context.region)) {
            problems.push(`${property} ${value} is not a secret of this stack's account and region.`);
        }
    }
    return problems;
}

function problemsWithTags(model: ClusterModel, stackTags: Record<string, string> | undefined): string[] {
    const problems: string[] = [];
    for (const tag of model.Tags ?? []) {
        if (typeof tag.Key !== 'string' || tag.Key.length < 1 || tag.Key.length > 128) problems.push(`Tags: key ${show(tag.Key)} must be 1 to 128 characters.`);
        else if (tag.Key.startsWith('aws:')) problems.push(`Tags: key ${tag.Key} uses the reserved prefix aws:.`);
        else if (tag.Key.startsWith('cloudhsm-type:')) problems.push(`Tags: key ${tag.Key} uses the prefix cloudhsm-type:, which this type keeps for itself.`);
        if (typeof tag.Value !== 'string' || tag.Value.length > 256) problems.push(`Tags: the value of ${show(tag.Key)} must be a string of at most 256 characters.`);
    }
    // The stack's tags go on the cluster too (userTags), so CloudHSM's character rules apply to them as well,
    // and the type's prefix: a stack tag could otherwise write the consent or the type's records on the cluster.
    for (const key of Object.keys(stackTags ?? {})) {
        if (key.startsWith('cloudhsm-type:') && !model.Tags?.some((t) => t.Key === key)) {
            problems.push(`Tags: the stack tag ${show(key)} uses the prefix cloudhsm-type:, which this type keeps for itself; remove it from the stack's tags.`);
        }
    }
    for (const { Key: key, Value: value } of userTags(model, stackTags)) {
        const badKey = typeof key === 'string' && !CLOUDHSM_TAG_TEXT.test(key);
        const badValue = typeof value === 'string' && !CLOUDHSM_TAG_TEXT.test(value);
        if (!badKey && !badValue) continue;
        const origin = model.Tags?.some((t) => t.Key === key) ? 'the tag' : 'the stack tag';
        problems.push(`Tags: ${origin} ${show(key)} has a character CloudHSM does not allow in its ${badKey ? 'key' : 'value'}; tag keys and values may hold only ${TAG_CHARACTERS}.`);
    }
    const count = userTags(model, stackTags).length;
    if (count > MAX_CLUSTER_TAGS - INTERNAL_TAG_COUNT) {
        problems.push(`Tags: ${count} tags (with the stack's) exceed the ${MAX_CLUSTER_TAGS - INTERNAL_TAG_COUNT} that fit beside the type's own ${INTERNAL_TAG_COUNT}.`);
    }
    return problems;
}

export function assertValidClusterInput(model: ClusterModel, context: InputContext): void {
    const problems = problemsWithClusterInput(model, context);
    if (problems.length) throw new InvalidInputError(problems.join(' '));
}
