/** Pure translation between the KMS key model and KMS: defaults, the key policy's two forms, tags. No I/O. */
import type { KeyMetadata, Tag as KmsTag } from '@aws-sdk/client-kms';
import { KeyTag, KmsKeyModel } from './resource-model';

/** What KMS allows in a CloudHSM key store, and AWS::KMS::Key's other defaults. */
export const DEFAULTS = {
    Enabled: true,
    PendingWindowInDays: 30,
    BypassPolicyLockoutSafetyCheck: false,
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    Origin: 'AWS_CLOUDHSM',
    MultiRegion: false,
    EnableKeyRotation: false,
} as const;

/**
 * The tag CreateKey puts on the key: a digest of the CloudFormation request token, so that a create whose answer
 * was lost can find the key it made (CreateKey takes no client token). Kept on the key, and hidden from Tags.
 */
export const REQUEST_TOKEN_TAG = 'cloudhsm-type:request-token';
/** The tag a delete puts on the key just before scheduling its deletion: see steps/delete.ts. */
export const DELETE_REQUEST_TAG = 'cloudhsm-type:delete-request';
/** Tag keys the type keeps for itself; a declared tag may not use the prefix. */
export const TYPE_TAG_PREFIX = 'cloudhsm-type:';

/**
 * The create request's journal (see steps/create-key.ts): named from the request token's digest, under the prefix
 * only this type's execution role writes.
 */
export const createRequestJournalName = (requestTokenDigest: string) => `cloudhsm/kms-keys/create-requests/${requestTokenDigest}`;

/** AWS::KMS::Key's default key policy: the account decides through IAM. */
export const defaultKeyPolicy = (accountId: string) => ({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
});

/** The policy as KMS takes it: a JSON string (an object is serialized; a string is sent as written). */
export function policyDocument(model: KmsKeyModel, accountId: string): string {
    const policy = model.KeyPolicy ?? defaultKeyPolicy(accountId);
    return typeof policy === 'string' ? policy : JSON.stringify(policy);
}

/** Key order and whitespace do not change a policy: compare the parsed documents with sorted keys. */
export function samePolicy(a: string, b: string): boolean {
    try {
        return canonical(JSON.parse(a)) === canonical(JSON.parse(b));
    } catch {
        return a === b;
    }
}

function canonical(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
    if (value && typeof value === 'object') {
        return `{${Object.keys(value as object)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
            .join(',')}}`;
    }
    return JSON.stringify(value);
}

export const kmsTags = (tags: KeyTag[] | undefined): KmsTag[] => (tags ?? []).map((t) => ({ TagKey: t.Key, TagValue: t.Value }));

/** The declared tags: KMS's tags without the type's own. */
export const declaredTags = (tags: KmsTag[]): KeyTag[] =>
    tags.filter((t) => !t.TagKey!.startsWith(TYPE_TAG_PREFIX)).map((t) => Object.assign(new KeyTag(), { Key: t.TagKey, Value: t.TagValue ?? '' }));

/** What changes to go from `current` tags to `desired` ones: tags to set (new or new value) and keys to remove. */
export function tagChanges(current: KeyTag[], desired: KeyTag[]): { set: KeyTag[]; remove: string[] } {
    const now = new Map(current.map((t) => [t.Key!, t.Value ?? '']));
    const wanted = new Map(desired.map((t) => [t.Key!, t.Value ?? '']));
    return {
        set: [...wanted].filter(([k, v]) => now.get(k) !== v).map(([Key, Value]) => Object.assign(new KeyTag(), { Key, Value })),
        remove: [...now.keys()].filter((k) => !wanted.has(k)),
    };
}

/** A key this type manages: in a CloudHSM key store, and not on its way out. */
export const isLiveCloudHsmKey = (metadata: KeyMetadata | undefined): metadata is KeyMetadata =>
    !!metadata && metadata.Origin === 'AWS_CLOUDHSM' && metadata.KeyState !== 'PendingDeletion' && metadata.KeyState !== 'PendingReplicaDeletion';

/** The model as KMS tells it. */
export function modelFromKey(metadata: KeyMetadata, extra: { policy?: string; tags?: KmsTag[] } = {}): KmsKeyModel {
    const model = new KmsKeyModel();
    model.KeyId = metadata.KeyId;
    model.Arn = metadata.Arn;
    model.CustomKeyStoreId = metadata.CustomKeyStoreId;
    model.Description = metadata.Description ?? '';
    // An Unavailable key (its store is not connected) keeps the enabled state it had; KMS does not report it then.
    model.Enabled = metadata.KeyState === 'Unavailable' ? undefined : metadata.KeyState === 'Enabled';
    model.KeySpec = metadata.KeySpec;
    model.KeyUsage = metadata.KeyUsage;
    model.Origin = metadata.Origin;
    model.MultiRegion = metadata.MultiRegion ?? false;
    model.KeyState = metadata.KeyState;
    model.CloudHsmClusterId = metadata.CloudHsmClusterId;
    if (extra.policy !== undefined) model.KeyPolicy = parsedPolicy(extra.policy);
    const tags = declaredTags(extra.tags ?? []);
    if (tags.length) model.Tags = tags;
    return model;
}

function parsedPolicy(policy: string): unknown {
    try {
        return JSON.parse(policy);
    } catch {
        return policy;
    }
}
