import { randomInt } from 'crypto';
import { AwsError } from '../errors';
import { ServiceContext, ServiceFactory } from '../server';
import { Secret, SecretVersion } from '../state';
import { randomPassword } from './secretsmanager-password';

/**
 * AWS Secrets Manager (JSON 1.1, target prefix `secretsmanager`): secrets by name or ARN, versions by
 * ClientRequestToken with the AWSCURRENT / AWSPREVIOUS staging labels, deletion with a recovery window.
 * Secret values are never put into an error message, so nothing the emulator records can leak them.
 */

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const DAY_MS = 86_400_000;
const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
/** Versions per secret; Secrets Manager drops unlabeled versions beyond it, but only once they are a day old. */
const MAX_VERSIONS = 100;
const MAX_SECRET_VALUE_BYTES = 65_536;
const MAX_TAGS = 50;
const LIST_PAGE_DEFAULT = 100;
/** The characters the CreateSecret reference lists for Name (`/_+=.@-`); the service's own message also names `!`, the reference does not. */
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const MAX_DESCRIPTION_CHARS = 2048;
const MAX_FILTERS = 10;
const MAX_FILTER_VALUES = 10;
/** SecretIdType and KmsKeyIdType: at most 2048 characters. */
const MAX_ID_CHARS = 2048;
/** SecretVersionStagesType: 1–20 labels of 1–256 characters. */
const MAX_STAGES = 20;
const MAX_STAGE_CHARS = 256;
const ARN_SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const notFoundMessage = "Secrets Manager can't find the specified secret.";
const markedForDeletionMessage = "You can't perform this operation on the secret because it was marked for deletion.";

interface SecretValue {
    secretString?: string;
    secretBinaryBase64?: string;
}

type Tag = { Key: string; Value: string };

export const secretsManagerService: ServiceFactory = (ctx) => {
    const api = new SecretsManagerApi(ctx);
    const actions: Record<string, (input: any) => unknown> = {
        CreateSecret: (input) => api.createSecret(input),
        GetSecretValue: (input) => api.getSecretValue(input),
        PutSecretValue: (input) => api.putSecretValue(input),
        UpdateSecretVersionStage: (input) => api.updateSecretVersionStage(input),
        DescribeSecret: (input) => api.describeSecret(input),
        DeleteSecret: (input) => api.deleteSecret(input),
        RestoreSecret: (input) => api.restoreSecret(input),
        TagResource: (input) => api.tagResource(input),
        UntagResource: (input) => api.untagResource(input),
        ListSecrets: (input) => api.listSecrets(input),
        GetRandomPassword: (input) => ({ RandomPassword: randomPassword(input) }),
    };
    return {
        name: 'secretsmanager',
        targetPrefix: 'secretsmanager',
        protocol: 'json1.1',
        handle(action, input) {
            const run = actions[action];
            if (!run) throw new AwsError('UnknownOperationException', `The emulated Secrets Manager has no action ${action}.`);
            return run(input ?? {});
        },
    };
};

class SecretsManagerApi {
    constructor(private readonly ctx: ServiceContext) {}

    private get secrets() {
        return this.ctx.state.secrets;
    }

    createSecret(input: any) {
        const name = requireName(input.Name);
        if (typeof input.Description === 'string' && input.Description.length > MAX_DESCRIPTION_CHARS) {
            throw validationError('description', `Member must have length less than or equal to ${MAX_DESCRIPTION_CHARS}`);
        }
        const value = secretValueOf(input);
        const token = versionTokenFor(input.ClientRequestToken, value);
        if (input.KmsKeyId !== undefined && (typeof input.KmsKeyId !== 'string' || input.KmsKeyId.trim() === '')) {
            throw new AwsError('InvalidParameterException', 'KmsKeyId must be a key ID, key ARN, alias name or alias ARN.');
        }
        if (input.KmsKeyId !== undefined && input.KmsKeyId.length > MAX_ID_CHARS) {
            throw validationError('kmsKeyId', `Member must have length less than or equal to ${MAX_ID_CHARS}`);
        }
        const tags = validTags(input.Tags ?? []);
        const existing = this.secrets.get(name);
        if (existing?.deletedDate !== undefined) {
            throw new AwsError(
                'InvalidRequestException',
                "You can't create this secret because a secret with this name is already scheduled for deletion.",
            );
        }
        if (existing) {
            // A retry with the same token and value is answered as the first call was; anything else collides.
            const sameVersion = token && existing.versions.find((v) => v.versionId === token);
            if (sameVersion && value && sameValue(sameVersion, value)) {
                return { ARN: existing.arn, Name: existing.name, VersionId: sameVersion.versionId };
            }
            throw new AwsError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        }
        const nowMs = this.ctx.clock.now();
        const secret: Secret = {
            arn: `arn:aws:secretsmanager:${this.ctx.state.region}:${this.ctx.state.accountId}:secret:${name}-${arnSuffix()}`,
            name,
            description: input.Description,
            kmsKeyId: input.KmsKeyId,
            tags,
            versions: [],
            createdDate: nowMs,
            lastChangedDate: nowMs,
        };
        if (value && token) this.addVersion(secret, token, value, [CURRENT]);
        this.secrets.set(name, secret);
        return { ARN: secret.arn, Name: secret.name, VersionId: value ? token : undefined };
    }

    getSecretValue(input: any) {
        if (input.VersionId !== undefined) checkLength('versionId', input.VersionId, 32, 64);
        if (input.VersionStage !== undefined) checkLength('versionStage', input.VersionStage, 1, MAX_STAGE_CHARS);
        const secret = this.findSecret(input.SecretId);
        if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', markedForDeletionMessage);
        const stage: string | undefined = input.VersionStage ?? (input.VersionId ? undefined : CURRENT);
        const version = secret.versions.find(
            (v) => (input.VersionId === undefined || v.versionId === input.VersionId) && (stage === undefined || v.stages.includes(stage)),
        );
        if (!version) {
            const what = input.VersionId ? `VersionId: ${input.VersionId}` : `staging label: ${stage}`;
            throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${what}`);
        }
        return {
            ARN: secret.arn,
            Name: secret.name,
            VersionId: version.versionId,
            SecretString: version.secretString,
            SecretBinary: version.secretBinaryBase64,
            VersionStages: [...version.stages],
            CreatedDate: epochSeconds(version.createdDate),
        };
    }

    putSecretValue(input: any) {
        const secret = this.findSecret(input.SecretId);
        if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', markedForDeletionMessage);
        const value = secretValueOf(input);
        if (!value) throw new AwsError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
        const token = versionTokenFor(input.ClientRequestToken, value)!;
        const stages: string[] = input.VersionStages === undefined ? [CURRENT] : versionStagesOf(input.VersionStages);
        const existing = secret.versions.find((v) => v.versionId === token);
        if (existing) {
            if (!sameValue(existing, value)) {
                throw new AwsError('ResourceExistsException', "You can't modify an existing version, you can only create new versions.");
            }
            // An idempotent retry moves no labels.
            return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
        }
        const version = this.addVersion(secret, token, value, stages);
        return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...version.stages] };
    }

    /**
     * Moves (or removes) one staging label. A label that is attached elsewhere moves only when the caller names
     * the version it is on (RemoveFromVersionId), so two rotations cannot take it from each other unseen;
     * moving AWSCURRENT puts AWSPREVIOUS on the version it left.
     */
    updateSecretVersionStage(input: any) {
        checkLength('versionStage', input.VersionStage, 1, MAX_STAGE_CHARS);
        if (input.RemoveFromVersionId !== undefined) checkLength('removeFromVersionId', input.RemoveFromVersionId, 32, 64);
        if (input.MoveToVersionId !== undefined) checkLength('moveToVersionId', input.MoveToVersionId, 32, 64);
        const secret = this.findSecret(input.SecretId);
        if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', markedForDeletionMessage);
        const stage: string = input.VersionStage;
        const holder = secret.versions.find((v) => v.stages.includes(stage));
        const target = input.MoveToVersionId === undefined ? undefined : secret.versions.find((v) => v.versionId === input.MoveToVersionId);
        if (input.MoveToVersionId !== undefined && !target) {
            throw new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${input.MoveToVersionId}`);
        }
        if (input.RemoveFromVersionId !== undefined && holder?.versionId !== input.RemoveFromVersionId) {
            throw new AwsError('InvalidParameterException', `The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}, so it can't be removed from it.`);
        }
        if (holder && target && holder !== target && input.RemoveFromVersionId === undefined) {
            throw new AwsError(
                'InvalidParameterException',
                `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
            );
        }
        if (!target && stage === CURRENT) {
            throw new AwsError('InvalidParameterException', `You can't remove the staging label ${CURRENT} from a version without moving it to another version (MoveToVersionId).`);
        }
        if (!target && input.RemoveFromVersionId === undefined) {
            throw new AwsError('InvalidParameterException', 'Specify MoveToVersionId, RemoveFromVersionId, or both.');
        }
        if (target && !target.stages.includes(stage) && target.stages.length >= MAX_STAGES) {
            throw new AwsError('LimitExceededException', `A version can have at most ${MAX_STAGES} staging labels.`);
        }
        if (holder && holder !== target) holder.stages = holder.stages.filter((s) => s !== stage);
        if (target && !target.stages.includes(stage)) target.stages.push(stage);
        if (stage === CURRENT && holder && holder !== target) {
            for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
            holder.stages.push(PREVIOUS);
        }
        secret.lastChangedDate = this.ctx.clock.now();
        return { ARN: secret.arn, Name: secret.name };
    }

    describeSecret(input: any) {
        const secret = this.findSecret(input.SecretId);
        return {
            ...this.summary(secret),
            VersionIdsToStages: versionsToStages(secret),
        };
    }

    deleteSecret(input: any) {
        const secret = this.findSecret(input.SecretId);
        const force = input.ForceDeleteWithoutRecovery === true;
        if (force && input.RecoveryWindowInDays !== undefined) {
            throw new AwsError(
                'InvalidParameterException',
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            );
        }
        const nowMs = this.ctx.clock.now();
        if (force) {
            this.secrets.delete(secret.name);
            return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(nowMs) };
        }
        const days = input.RecoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
        if (!Number.isInteger(days) || days < 7 || days > 30) {
            throw new AwsError('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
        }
        if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', markedForDeletionMessage);
        const purgeAtMs = nowMs + days * DAY_MS;
        secret.deletedDate = nowMs;
        secret.purgeAtMs = purgeAtMs;
        this.ctx.scheduler.after(days * 86_400, () => {
            // A restore, or a later deletion with another window, makes this purge stale.
            const current = this.secrets.get(secret.name);
            if (current === secret && secret.purgeAtMs === purgeAtMs) this.secrets.delete(secret.name);
        });
        return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(purgeAtMs) };
    }

    restoreSecret(input: any) {
        const secret = this.findSecret(input.SecretId);
        secret.deletedDate = undefined;
        secret.purgeAtMs = undefined;
        secret.lastChangedDate = this.ctx.clock.now();
        return { ARN: secret.arn, Name: secret.name };
    }

    tagResource(input: any) {
        const secret = this.findSecret(input.SecretId);
        if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', markedForDeletionMessage);
        const merged = new Map(secret.tags.map((t) => [t.Key, t.Value]));
        for (const tag of validTags(input.Tags ?? [])) merged.set(tag.Key, tag.Value);
        if (merged.size > MAX_TAGS) throw new AwsError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags.`);
        secret.tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
        secret.lastChangedDate = this.ctx.clock.now();
        return {};
    }

    untagResource(input: any) {
        const secret = this.findSecret(input.SecretId);
        if (secret.deletedDate !== undefined) throw new AwsError('InvalidRequestException', markedForDeletionMessage);
        const removed = new Set<string>(input.TagKeys ?? []);
        secret.tags = secret.tags.filter((t) => !removed.has(t.Key));
        secret.lastChangedDate = this.ctx.clock.now();
        return {};
    }

    listSecrets(input: any) {
        const pageSize = input.MaxResults ?? LIST_PAGE_DEFAULT;
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
            throw new AwsError('InvalidParameterException', 'MaxResults must be between 1 and 100.');
        }
        const filters: Array<{ Key: string; Values?: string[] }> = input.Filters ?? [];
        if (filters.length > MAX_FILTERS) throw validationError('filters', `Member must have length less than or equal to ${MAX_FILTERS}`);
        filters.forEach((filter, i) => {
            const count = filter.Values?.length;
            if (count !== undefined && (count < 1 || count > MAX_FILTER_VALUES)) {
                throw validationError(`filters.${i + 1}.member.values`, `Member must have length between 1 and ${MAX_FILTER_VALUES}`);
            }
        });
        let secrets = [...this.secrets.values()]
            .filter((s) => input.IncludePlannedDeletion === true || s.deletedDate === undefined)
            .filter((s) => filters.every((f) => matchesFilter(s, f)))
            .sort((a, b) => a.createdDate - b.createdDate || a.name.localeCompare(b.name));
        if (input.SortOrder === 'desc') secrets = secrets.reverse();
        const start = input.NextToken === undefined ? 0 : offsetFromToken(input.NextToken);
        const page = secrets.slice(start, start + pageSize);
        const next = start + pageSize < secrets.length ? tokenForOffset(start + pageSize) : undefined;
        return {
            SecretList: page.map((s) => ({ ...this.summary(s), SecretVersionsToStages: versionsToStages(s) })),
            NextToken: next,
        };
    }

    private summary(secret: Secret) {
        return {
            ARN: secret.arn,
            Name: secret.name,
            Description: secret.description,
            KmsKeyId: secret.kmsKeyId,
            CreatedDate: epochSeconds(secret.createdDate),
            LastChangedDate: secret.lastChangedDate === undefined ? undefined : epochSeconds(secret.lastChangedDate),
            DeletedDate: secret.deletedDate === undefined ? undefined : epochSeconds(secret.deletedDate),
            Tags: secret.tags.length ? secret.tags.map((t) => ({ ...t })) : undefined,
        };
    }

    /** Looks a secret up by name, full ARN, or partial ARN (the ARN without its random suffix). */
    private findSecret(secretId: unknown): Secret {
        if (typeof secretId !== 'string' || secretId === '') {
            throw new AwsError('InvalidParameterException', 'SecretId is required.');
        }
        checkLength('secretId', secretId, 1, MAX_ID_CHARS);
        if (!secretId.startsWith('arn:')) {
            const byName = this.secrets.get(secretId);
            if (byName) return byName;
        } else {
            for (const secret of this.secrets.values()) {
                if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret;
            }
        }
        throw new AwsError('ResourceNotFoundException', notFoundMessage);
    }

    private addVersion(secret: Secret, token: string, value: SecretValue, stages: string[]): SecretVersion {
        const nowMs = this.ctx.clock.now();
        this.makeRoomForVersion(secret, nowMs);
        const version: SecretVersion = { versionId: token, ...value, stages: [], createdDate: nowMs };
        for (const stage of new Set(stages)) {
            const holder = secret.versions.find((v) => v.stages.includes(stage));
            if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
            if (stage === CURRENT && holder) {
                for (const v of secret.versions) v.stages = v.stages.filter((s) => s !== PREVIOUS);
                holder.stages.push(PREVIOUS);
            }
            version.stages.push(stage);
        }
        secret.versions.push(version);
        secret.lastChangedDate = nowMs;
        return version;
    }

    private makeRoomForVersion(secret: Secret, nowMs: number): void {
        while (secret.versions.length >= MAX_VERSIONS) {
            const droppable = secret.versions.find((v) => v.stages.length === 0 && nowMs - v.createdDate >= DAY_MS);
            if (!droppable) {
                throw new AwsError(
                    'LimitExceededException',
                    `The secret ${secret.name} has reached the limit of ${MAX_VERSIONS} versions; unlabeled versions are removed once they are 24 hours old.`,
                );
            }
            secret.versions.splice(secret.versions.indexOf(droppable), 1);
        }
    }
}

function requireName(name: unknown): string {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
        throw new AwsError(
            'InvalidParameterException',
            'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
        );
    }
    return name;
}

/**
 * Both value members are 1–65,536 long in the API model; the Secrets Manager quotas page counts the value in
 * bytes, the stricter reading for SecretString.
 */
function secretValueOf(input: any): SecretValue | undefined {
    const hasString = typeof input.SecretString === 'string';
    const hasBinary = typeof input.SecretBinary === 'string';
    if (hasString && hasBinary) {
        throw new AwsError(
            'InvalidParameterException',
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        );
    }
    if (hasString) {
        checkValueLength('secretString', Buffer.byteLength(input.SecretString, 'utf8'));
        return { secretString: input.SecretString };
    }
    if (hasBinary) {
        checkValueLength('secretBinary', Buffer.from(input.SecretBinary, 'base64').length);
        return { secretBinaryBase64: input.SecretBinary };
    }
    return undefined;
}

function checkValueLength(member: string, length: number): void {
    if (length < 1) throw validationError(member, 'Member must have length greater than or equal to 1');
    if (length > MAX_SECRET_VALUE_BYTES) {
        throw validationError(member, `Member must have length less than or equal to ${MAX_SECRET_VALUE_BYTES}`);
    }
}

function checkLength(member: string, value: unknown, min: number, max: number): void {
    if (typeof value !== 'string' || value.length < min || value.length > max) {
        throw validationError(member, `Member must have length between ${min} and ${max}`);
    }
}

function versionStagesOf(stages: unknown): string[] {
    if (!Array.isArray(stages) || stages.length < 1 || stages.length > MAX_STAGES) {
        throw validationError('versionStages', `Member must have length between 1 and ${MAX_STAGES}`);
    }
    stages.forEach((stage) => checkLength('versionStages', stage, 1, MAX_STAGE_CHARS));
    return [...stages];
}

/**
 * AWS's request validation answers a model constraint with ValidationException in this wording; the value is
 * left out (AWS leaves it out for sensitive members, and here it may be a secret).
 */
function validationError(member: string, constraint: string): AwsError {
    return new AwsError('ValidationException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`);
}

/** The SDKs fill ClientRequestToken in; a raw request with a value but no token is refused. */
function versionTokenFor(token: unknown, value: SecretValue | undefined): string | undefined {
    if (token === undefined) {
        if (value) throw new AwsError('InvalidRequestException', 'You must provide a ClientRequestToken value. We recommend a UUID-type value.');
        return undefined;
    }
    if (typeof token !== 'string' || token.length < 32 || token.length > 64) {
        throw new AwsError('InvalidParameterException', 'ClientRequestToken must be 32-64 characters long.');
    }
    return token;
}

function sameValue(version: SecretVersion, value: SecretValue): boolean {
    return version.secretString === value.secretString && version.secretBinaryBase64 === value.secretBinaryBase64;
}

function validTags(tags: unknown): Tag[] {
    if (!Array.isArray(tags)) throw new AwsError('InvalidParameterException', 'Tags must be a list.');
    if (tags.length > MAX_TAGS) throw new AwsError('InvalidParameterException', `A secret can have at most ${MAX_TAGS} tags.`);
    return tags.map((tag) => {
        const key = tag?.Key;
        const value = tag?.Value ?? '';
        if (typeof key !== 'string' || key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
            throw new AwsError('InvalidParameterException', `Invalid tag key: ${String(key)}`);
        }
        if (typeof value !== 'string' || value.length > 256) {
            throw new AwsError('InvalidParameterException', `Invalid value for tag ${key}.`);
        }
        return { Key: key, Value: value };
    });
}

/** Prefix matching, values within a filter OR-ed, a leading `!` negating (as ListSecrets documents). */
function matchesFilter(secret: Secret, filter: { Key: string; Values?: string[] }): boolean {
    const candidates = (() => {
        switch (filter.Key) {
            case 'name':
                return [secret.name];
            case 'description':
                return [secret.description ?? ''];
            case 'tag-key':
                return secret.tags.map((t) => t.Key);
            case 'tag-value':
                return secret.tags.map((t) => t.Value);
            case 'all':
                return [secret.name, secret.description ?? '', ...secret.tags.flatMap((t) => [t.Key, t.Value])];
            default:
                throw new AwsError('InvalidParameterException', `The emulated ListSecrets does not support the filter key ${filter.Key}.`);
        }
    })();
    return (filter.Values ?? []).some((raw) => {
        const negated = raw.startsWith('!');
        const prefix = negated ? raw.slice(1) : raw;
        const hit = candidates.some((c) => c.startsWith(prefix));
        return negated ? !hit : hit;
    });
}

function versionsToStages(secret: Secret): Record<string, string[]> {
    const map: Record<string, string[]> = {};
    for (const v of secret.versions) if (v.stages.length) map[v.versionId] = [...v.stages];
    return map;
}

function tokenForOffset(offset: number): string {
    return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function offsetFromToken(token: string): number {
    try {
        const offset = JSON.parse(Buffer.from(token, 'base64').toString('utf8')).offset;
        if (Number.isInteger(offset) && offset >= 0) return offset;
    } catch {
        // fall through to the service's answer for a token it did not issue
    }
    throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
}

function arnSuffix(): string {
    let suffix = '';
    for (let i = 0; i < 6; i++) suffix += ARN_SUFFIX_ALPHABET[randomInt(ARN_SUFFIX_ALPHABET.length)];
    return suffix;
}

function epochSeconds(ms: number): number {
    return ms / 1000;
}
