/** Input checks that need no AWS call; every problem names the property and says what is accepted. */
import { InvalidInputError } from '../../shared/engine/errors';
import { KmsKeyModel } from './resource-model';
import { DEFAULTS, TYPE_TAG_PREFIX } from './translate';

const KEY_STORE_ID = /^cks-[a-z0-9]{17}$/;
/** "Key policies in AWS KMS": a key policy document is at most 32 KB. */
const MAX_POLICY_BYTES = 32 * 1024;
const MAX_DESCRIPTION = 8192;
/** KMS allows 50 tags on a key; the type keeps two (translate.ts REQUEST_TOKEN_TAG, DELETE_REQUEST_TAG). */
const MAX_TAGS = 48;
const show = (v: unknown) => JSON.stringify(v);

/** A CloudHSM key store holds single-Region symmetric encryption keys whose material KMS generates, never rotated. */
const ONLY_VALUE: Array<{ property: 'KeySpec' | 'KeyUsage' | 'Origin' | 'MultiRegion' | 'EnableKeyRotation'; reason: string }> = [
    { property: 'KeySpec', reason: 'a CloudHSM key store holds symmetric encryption keys only (no asymmetric or HMAC keys)' },
    { property: 'KeyUsage', reason: 'a CloudHSM key store holds symmetric encryption keys only' },
    { property: 'Origin', reason: 'KMS generates the key material in the key store\'s cluster; imported (EXTERNAL) key material is not supported' },
    { property: 'MultiRegion', reason: 'a key in a CloudHSM key store cannot be a multi-Region key' },
    { property: 'EnableKeyRotation', reason: 'KMS does not rotate the key material of a key in a CloudHSM key store automatically' },
];

export function problemsWithKeyInput(model: KmsKeyModel): string[] {
    const problems: string[] = [];
    if (typeof model.CustomKeyStoreId !== 'string' || !KEY_STORE_ID.test(model.CustomKeyStoreId)) {
        problems.push(`CustomKeyStoreId ${show(model.CustomKeyStoreId)} is not a key store ID like cks-0123456789abcdef0: give the Ref of a Community::CloudHsm::KeyStore.`);
    }
    if (model.Description !== undefined && (typeof model.Description !== 'string' || model.Description.length > MAX_DESCRIPTION)) {
        problems.push(`Description must be a string of at most ${MAX_DESCRIPTION} characters.`);
    }
    for (const property of ['Enabled', 'BypassPolicyLockoutSafetyCheck'] as const) {
        if (model[property] !== undefined && typeof model[property] !== 'boolean') problems.push(`${property} must be true or false (got ${show(model[property])}).`);
    }
    problems.push(...problemsWithPolicy(model.KeyPolicy));
    const window = model.PendingWindowInDays;
    if (window !== undefined && (typeof window !== 'number' || !Number.isInteger(window) || window < 7 || window > 30)) {
        problems.push(`PendingWindowInDays must be a whole number of days from 7 to 30 (got ${show(window)}).`);
    }
    for (const { property, reason } of ONLY_VALUE) {
        const value = model[property];
        if (value !== undefined && value !== DEFAULTS[property]) problems.push(`${property} ${show(value)} is not supported: ${reason}. Leave it out or set ${show(DEFAULTS[property])}.`);
    }
    problems.push(...problemsWithTags(model.Tags));
    return problems;
}

function problemsWithPolicy(policy: unknown): string[] {
    if (policy === undefined) return [];
    let document = policy;
    if (typeof policy === 'string') {
        try {
            document = JSON.parse(policy);
        } catch {
            return ['KeyPolicy is a string but not a JSON document: give the policy as a JSON object or as its JSON text.'];
        }
    }
    if (!document || typeof document !== 'object' || Array.isArray(document)) return ['KeyPolicy must be a policy document: a JSON object with a Statement list.'];
    if (!('Statement' in document)) return ['KeyPolicy has no Statement: a key policy needs at least one statement.'];
    const size = Buffer.byteLength(typeof policy === 'string' ? policy : JSON.stringify(policy));
    if (size > MAX_POLICY_BYTES) return [`KeyPolicy is ${size} bytes; KMS accepts a key policy of at most ${MAX_POLICY_BYTES} bytes.`];
    return [];
}

function problemsWithTags(tags: unknown): string[] {
    if (tags === undefined) return [];
    if (!Array.isArray(tags)) return ['Tags must be a list of {Key, Value}.'];
    const problems: string[] = [];
    if (tags.length > MAX_TAGS) problems.push(`Tags has ${tags.length} tags; at most ${MAX_TAGS} (KMS allows 50 per key and the type keeps two).`);
    const seen = new Set<string>();
    for (const tag of tags as Array<{ Key?: unknown; Value?: unknown }>) {
        const key = tag?.Key;
        if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
            problems.push(`Tags: tag key ${show(key)} must be 1 to 128 characters.`);
            continue;
        }
        if (key.toLowerCase().startsWith('aws:')) problems.push(`Tags: tag key ${show(key)} starts with aws:, which is reserved for AWS.`);
        if (key.startsWith(TYPE_TAG_PREFIX)) problems.push(`Tags: tag key ${show(key)} starts with ${TYPE_TAG_PREFIX}, which the type keeps for its own tags.`);
        if (seen.has(key)) problems.push(`Tags: tag key ${show(key)} appears more than once.`);
        seen.add(key);
        if (typeof tag.Value !== 'string' || tag.Value.length > 256) problems.push(`Tags: the value of tag ${show(key)} must be a string of at most 256 characters.`);
    }
    return problems;
}

export function assertValidKeyInput(model: KmsKeyModel): void {
    const problems = problemsWithKeyInput(model);
    if (problems.length) throw new InvalidInputError(problems.join(' '));
}
