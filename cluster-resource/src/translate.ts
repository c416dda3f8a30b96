/**
 * Pure translation between the resource model and the CloudHSM API: defaults, the tags the type keeps on
 * the cluster, secret names, and the model read back from a DescribeClusters entry. No I/O here.
 */
import type { Cluster, Hsm, Tag as ApiTag } from '@aws-sdk/client-cloudhsm-v2';
import { createHash } from 'crypto';
import type { CurrentClusterMembers, CurrentHsmMembers } from '../../shared/aws/cloudhsm-wire';
import { IMPORT_CONSENT_TAG } from '../../shared/registry/import-consent';
import { ClusterModel, HsmSummary, Tag } from './resource-model';

export type ApiHsm = Hsm & CurrentHsmMembers;
export type ApiCluster = Omit<Cluster, 'Hsms'> & CurrentClusterMembers & { Hsms?: ApiHsm[] };

export const DEFAULTS = {
    HsmType: 'hsm2m.medium',
    Mode: 'FIPS',
    NetworkType: 'IPV4',
    HsmsPerSubnet: 1,
    BackupRetentionDays: 90,
    CertificateAuthority: 'SELF_SIGNED',
    AdminPasswordVersion: 1,
} as const;

/**
 * Tags the type keeps on the cluster, so that an earlier attempt can be found (CreateCluster has no client
 * token) and read can recover the properties CloudHSM itself does not hold; and the tag by which the owner of
 * a cluster the type did not create lets one stack manage it, which the type reads but never writes.
 */
export const INTERNAL_TAG = {
    requestToken: 'cloudhsm-type:request-token',
    certificateAuthority: 'cloudhsm-type:certificate-authority',
    management: 'cloudhsm-type:management',
    secretsKmsKey: 'cloudhsm-type:secrets-kms-key',
    /** While the cluster is parked (HsmsPerSubnet 0): the IPv4 addresses its HSMs had, to take again (parked-addresses.ts). */
    parkedHsmAddresses: 'cloudhsm-type:parked-hsm-ips',
    /** While the cluster waits for an external certificate: digests of the CSR keys it published (published-csrs.ts). */
    publishedCsrKeys: 'cloudhsm-type:published-csr-keys',
    /** On an imported cluster, set by its owner: the stack allowed to change it (shared/registry/import-consent.ts). */
    importInto: IMPORT_CONSENT_TAG,
    /** On an imported cluster: which copies of the owner's secrets the type made and keeps (steps/imported-cluster.ts). */
    importedSecrets: 'cloudhsm-type:imported-secrets',
} as const;

/**
 * The type's tags that can sit on one cluster at the same time, for the room left to the user's tags: a cluster
 * the type made never carries the import tags, an imported one never the tags of a creation.
 */
const TAGS_OF_A_MADE_CLUSTER = [
    INTERNAL_TAG.requestToken,
    INTERNAL_TAG.certificateAuthority,
    INTERNAL_TAG.management,
    INTERNAL_TAG.secretsKmsKey,
    INTERNAL_TAG.parkedHsmAddresses,
    INTERNAL_TAG.publishedCsrKeys,
];
const TAGS_OF_AN_IMPORTED_CLUSTER = [INTERNAL_TAG.importInto, INTERNAL_TAG.importedSecrets, INTERNAL_TAG.management, INTERNAL_TAG.parkedHsmAddresses];
export const MAX_INTERNAL_TAGS = Math.max(TAGS_OF_A_MADE_CLUSTER.length, TAGS_OF_AN_IMPORTED_CLUSTER.length);

const INTERNAL_PREFIX = 'cloudhsm-type:';
/** The type's tags and the import consent share a prefix that Tags refuses: none is a user tag to read or sync. */
export const isInternalTag = (key: string | undefined): boolean => !!key?.startsWith(INTERNAL_PREFIX);

/** The CloudFormation request token is a credential the library redacts from logs; tags hold only a digest. */
export const requestTokenDigest = (token: string): string => createHash('sha256').update(token).digest('hex').slice(0, 32);
export const MAX_CLUSTER_TAGS = 50;

/** The type's tag on every secret it makes, naming the cluster the secret belongs to. */
export const SECRET_CLUSTER_TAG = 'cloudhsm-type:cluster-id';

/**
 * Tag on the admin secret: the AdminPasswordVersion whose password the secret's AWSCURRENT version holds and
 * the HSMs know (read recovers the version from there). A rotation writes it once the new password is current.
 */
export const ADMIN_PASSWORD_VERSION_TAG = 'cloudhsm-type:admin-password-version';

/** Where the type keeps each secret of a cluster (the CA private key only until initialization). */
export const secretNames = (clusterId: string) => ({
    admin: `cloudhsm/${clusterId}/admin-credentials`,
    trustAnchor: `cloudhsm/${clusterId}/trust-anchor`,
    caPrivateKey: `cloudhsm/${clusterId}/ca-private-key`,
});

export interface Management {
    instanceId: string;
    /** The instance's security group that the type allowed into the cluster's group. */
    sourceGroupId?: string;
}

export const formatManagement = (m: Management): string => (m.sourceGroupId ? `${m.instanceId}/${m.sourceGroupId}` : m.instanceId);

export function parseManagement(value: string | undefined): Management | undefined {
    if (!value) return undefined;
    const [instanceId, sourceGroupId] = value.split('/');
    return { instanceId, sourceGroupId: sourceGroupId || undefined };
}

export function tagValue(cluster: ApiCluster, key: string): string | undefined {
    return cluster.TagList?.find((t) => t.Key === key)?.Value;
}

/**
 * Every cluster the type creates carries its request token from CreateCluster on; one without it came from
 * elsewhere (the AWS sample, the console) and was imported into the stack.
 */
export const madeByType = (cluster: ApiCluster): boolean => tagValue(cluster, INTERNAL_TAG.requestToken) !== undefined;

/** The owner's secrets that the type copies for an imported cluster, by the suffix of the copy's name. */
export type ImportedSecret = 'admin-credentials' | 'trust-anchor';

export const importedSecretsOf = (cluster: ApiCluster): ImportedSecret[] =>
    (tagValue(cluster, INTERNAL_TAG.importedSecrets) ?? '').split(' ').filter((s): s is ImportedSecret => s === 'admin-credentials' || s === 'trust-anchor');

export const formatImportedSecrets = (secrets: ImportedSecret[]): string => [...new Set(secrets)].sort().join(' ');

/** The user's tags: stack-level tags first, the resource's own Tags win. */
export function userTags(model: ClusterModel, stackTags: Record<string, string> | undefined): ApiTag[] {
    const merged = new Map<string, string>(Object.entries(stackTags ?? {}));
    for (const tag of model.Tags ?? []) merged.set(tag.Key!, tag.Value ?? '');
    return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

export const withDefaults = (model: ClusterModel): Required<Pick<ClusterModel, keyof typeof DEFAULTS>> => ({
    HsmType: model.HsmType ?? DEFAULTS.HsmType,
    Mode: model.Mode ?? DEFAULTS.Mode,
    NetworkType: model.NetworkType ?? DEFAULTS.NetworkType,
    HsmsPerSubnet: model.HsmsPerSubnet ?? DEFAULTS.HsmsPerSubnet,
    BackupRetentionDays: model.BackupRetentionDays ?? DEFAULTS.BackupRetentionDays,
    CertificateAuthority: model.CertificateAuthority ?? DEFAULTS.CertificateAuthority,
    AdminPasswordVersion: model.AdminPasswordVersion ?? DEFAULTS.AdminPasswordVersion,
});

/** HSMs that count towards the desired number: not on their way out. */
export const isLiveHsm = (hsm: Hsm): boolean => hsm.State !== 'DELETE_IN_PROGRESS' && hsm.State !== 'DELETED';

/**
 * The HSMs per subnet the cluster has now, when every subnet has the same number; otherwise undefined
 * (an alignment is under way, or AWS is replacing an HSM).
 */
export function observedHsmsPerSubnet(cluster: ApiCluster): number | undefined {
    const azs = Object.keys(cluster.SubnetMapping ?? {});
    const counts = azs.map((az) => (cluster.Hsms ?? []).filter((h) => isLiveHsm(h) && h.AvailabilityZone === az).length);
    return counts.length && counts.every((c) => c === counts[0]) ? counts[0] : undefined;
}

export interface SecretArns {
    admin?: string;
    trustAnchor?: string;
    /** From the admin secret's ADMIN_PASSWORD_VERSION_TAG. */
    adminPasswordVersion?: number;
}

/** The model as read from AWS: everything CloudHSM and the type's tags and secrets can tell. */
export function modelFromCluster(cluster: ApiCluster, secrets: SecretArns & { trustAnchorPem?: string }, desiredHsmsPerSubnet?: number): ClusterModel {
    const model = new ClusterModel();
    const mapping = cluster.SubnetMapping ?? {};
    const management = parseManagement(tagValue(cluster, INTERNAL_TAG.management));
    model.ClusterId = cluster.ClusterId;
    model.SubnetIds = Object.keys(mapping)
        .sort()
        .map((az) => mapping[az]);
    model.HsmType = cluster.HsmType;
    model.Mode = cluster.Mode ?? DEFAULTS.Mode;
    model.NetworkType = cluster.NetworkType ?? DEFAULTS.NetworkType;
    model.HsmsPerSubnet = observedHsmsPerSubnet(cluster) ?? desiredHsmsPerSubnet;
    const retention = cluster.BackupRetentionPolicy?.Value;
    model.BackupRetentionDays = retention ? Number(retention) : undefined;
    model.SourceBackupId = cluster.SourceBackupId || undefined;
    // Who signed an imported cluster's certificate, and with which key its secrets were made, are not the type's
    // to say, whatever tags the cluster has; the management instance is, once the type has set it up.
    const made = madeByType(cluster);
    model.CertificateAuthority = made ? (tagValue(cluster, INTERNAL_TAG.certificateAuthority) ?? (cluster.SourceBackupId ? undefined : DEFAULTS.CertificateAuthority)) : undefined;
    model.ManagementInstanceId = management?.instanceId;
    model.SecretsKmsKeyId = made ? tagValue(cluster, INTERNAL_TAG.secretsKmsKey) : undefined;
    const tags = (cluster.TagList ?? []).filter((t) => !isInternalTag(t.Key));
    model.Tags = tags.length ? tags.map((t) => Object.assign(new Tag(), { Key: t.Key, Value: t.Value })) : undefined;

    model.State = cluster.State;
    model.VpcId = cluster.VpcId;
    model.SecurityGroupId = cluster.SecurityGroup;
    model.Hsms = (cluster.Hsms ?? []).map((h) =>
        Object.assign(new HsmSummary(), {
            HsmId: h.HsmId,
            AvailabilityZone: h.AvailabilityZone,
            SubnetId: h.SubnetId,
            EniIp: h.EniIp,
            ...(h.EniIpV6 ? { EniIpV6: h.EniIpV6 } : {}),
            State: h.State,
        }),
    );
    model.ClusterCsr = cluster.State === 'UNINITIALIZED' ? cluster.Certificates?.ClusterCsr || undefined : undefined;
    model.TrustAnchorCertificate = secrets.trustAnchorPem;
    model.AdminSecretArn = secrets.admin;
    model.AdminPasswordVersion = secrets.adminPasswordVersion;
    model.TrustAnchorSecretArn = secrets.trustAnchor;
    return model;
}

/** HSMs to add (by AZ) or remove (by HSM) so that each subnet has `perSubnet` live HSMs. */
export function hsmAlignment(cluster: ApiCluster, perSubnet: number): { create: string[]; remove: Hsm[] } {
    const create: string[] = [];
    const remove: Hsm[] = [];
    for (const az of Object.keys(cluster.SubnetMapping ?? {}).sort()) {
        const live = (cluster.Hsms ?? []).filter((h) => isLiveHsm(h) && h.AvailabilityZone === az);
        for (let i = live.length; i < perSubnet; i++) create.push(az);
        // Remove the least useful first: a DEGRADED HSM, then one still being created, then the newest.
        const byUselessness = [...live].sort((a, b) => rank(a) - rank(b));
        remove.push(...byUselessness.slice(0, Math.max(0, live.length - perSubnet)));
    }
    return { create, remove };
}

const rank = (hsm: Hsm): number => (hsm.State === 'DEGRADED' ? 0 : hsm.State === 'CREATE_IN_PROGRESS' ? 1 : 2);
