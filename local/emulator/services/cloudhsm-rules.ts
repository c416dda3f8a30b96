/**
 * The input rules of the emulated CloudHSM v2 API: its errors, ID formats, tag limits, retention range and
 * paging. The model's member constraints (patterns, lengths, ranges, enums) are checked first, as data
 * (cloudhsm-constraints.ts), and answer ValidationException; what the model cannot say (a bad argument for the
 * state, an unknown subnet, a retention outside 7–379 days) answers CloudHsmInvalidRequestException, as the
 * reference (aws-behaviour.md) names it.
 */
import { randomBytes, randomInt } from 'crypto';
import { AwsError } from '../errors';

export const invalidRequest = (message: string) => new AwsError('CloudHsmInvalidRequestException', message);
export const resourceNotFound = (message: string) => new AwsError('CloudHsmResourceNotFoundException', message);
export const tagError = (message: string) => new AwsError('CloudHsmTagException', message);
/** The API model lists CloudHsmResourceLimitExceededException for TagResource only. */
export const limitExceeded = (message: string) => new AwsError('CloudHsmResourceLimitExceededException', message);
/**
 * Cluster and HSM quotas: CreateCluster and CreateHsm do not list CloudHsmResourceLimitExceededException in the
 * API model, so a quota reaches the caller as CloudHsmInvalidRequestException with a message (its real text is
 * not published; this one says "limit exceeded" and names the quota).
 */
export const quotaExceeded = (message: string) => invalidRequest(message);

/** Cluster, HSM and backup IDs: a prefix and 11 characters of the base32 alphabet AWS uses (`[2-7a-z]`). */
export function newCloudHsmId(prefix: 'cluster' | 'hsm' | 'backup'): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    let suffix = '';
    for (let i = 0; i < 11; i++) suffix += alphabet[randomInt(alphabet.length)];
    return `${prefix}-${suffix}`;
}

/** EC2-style IDs (`eni-`, `sg-`) with 17 hex characters. */
export function newEc2Id(prefix: 'eni' | 'sg'): string {
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** The adjustable service quotas of an account and region; AWS raises them on request, so may a test. */
export interface CloudHsmQuotas {
    clustersPerRegion: number;
    hsmsPerAccountPerRegion: number;
}

export const defaultQuotas: CloudHsmQuotas = { clustersPerRegion: 4, hsmsPerAccountPerRegion: 6 };

/** Fixed by AWS. */
export const maximumHsmsPerCluster = 28;

export function requireString(input: any, member: string): string {
    const value = input?.[member];
    if (typeof value !== 'string' || value.length === 0) {
        throw invalidRequest(`Missing required parameter ${member}.`);
    }
    return value;
}

export function optionalString(input: any, member: string): string | undefined {
    const value = input?.[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidRequest(`Parameter ${member} must be a string.`);
    return value;
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], member: string): T {
    if (!(allowed as readonly string[]).includes(value)) {
        throw invalidRequest(`Invalid value '${value}' for ${member}. Valid values: ${allowed.join(', ')}.`);
    }
    return value as T;
}

export const minimumRetentionDays = 7;
export const maximumRetentionDays = 379;
export const defaultRetentionDays = 90;

/** `BackupRetentionPolicy {Type: "DAYS", Value: "7".."379"}`; the value travels as a string. */
export function retentionDaysFrom(policy: any): number {
    if (policy === null || typeof policy !== 'object') throw invalidRequest('BackupRetentionPolicy must be an object.');
    if (policy.Type !== 'DAYS') {
        throw invalidRequest(`Invalid backup retention type '${policy.Type ?? ''}'. The only supported type is DAYS.`);
    }
    const text = String(policy.Value ?? '');
    const days = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(days) || days < minimumRetentionDays || days > maximumRetentionDays) {
        throw invalidRequest(
            `Invalid backup retention period '${text}'. The value must be between ${minimumRetentionDays} and ${maximumRetentionDays} days.`,
        );
    }
    return days;
}

export const maximumTagsPerResource = 50;
const reservedTagPrefix = 'aws:';

/** Checks a TagList ({Key, Value}[]) against the CloudHSM limits and returns it as a map. */
export function tagsFrom(tagList: unknown): Record<string, string> {
    if (tagList === undefined || tagList === null) return {};
    if (!Array.isArray(tagList)) throw tagError('TagList must be a list of tags.');
    if (tagList.length > maximumTagsPerResource) {
        throw tagError(`A resource can have at most ${maximumTagsPerResource} tags; the request has ${tagList.length}.`);
    }
    const tags: Record<string, string> = {};
    for (const [index, tag] of tagList.entries()) {
        const key = tag?.Key;
        const value = tag?.Value ?? '';
        checkTagKey(key, `tagList.${index + 1}.member.key`);
        if (typeof value !== 'string' || value.length > 256) {
            throw tagError(`The value of tag '${key}' must be a string of at most 256 characters.`);
        }
        checkTagPattern(value, `tagList.${index + 1}.member.value`);
        if (key in tags) throw tagError(`The tag key '${key}' appears more than once in the request.`);
        tags[key] = value;
    }
    return tags;
}

export function checkTagKey(key: unknown, member: string): asserts key is string {
    if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
        throw tagError('Tag keys must be between 1 and 128 characters long.');
    }
    checkTagPattern(key, member);
    if (key.toLowerCase().startsWith(reservedTagPrefix)) {
        throw tagError(`The tag key '${key}' uses the prefix '${reservedTagPrefix}', which is reserved for AWS use.`);
    }
}

/** `TagKey` and `TagValue` in the API model: letters, separators (spaces), digits and `_ . : / = + - @`. */
const tagPattern = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

function checkTagPattern(text: string, member: string): void {
    if (!tagPattern.test(text)) {
        throw tagError(
            `1 validation error detected: Value '${text}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`,
        );
    }
}

/** A sort key that orders by creation time, then ID. */
export function creationKey(createTimestampSeconds: number, id: string): string {
    return `${Math.round(createTimestampSeconds * 1000).toString().padStart(15, '0')}|${id}`;
}

export function tagListOf(tags: Record<string, string>): Array<{ Key: string; Value: string }> {
    return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Validates MaxResults against the action's range; absent means the largest page. */
export function pageSizeFrom(input: any, maximum: number): number {
    const value = input?.MaxResults;
    if (value === undefined || value === null) return maximum;
    if (!Number.isInteger(value) || value < 1 || value > maximum) {
        throw invalidRequest(`Invalid MaxResults value ${value}. MaxResults must be between 1 and ${maximum}.`);
    }
    return value;
}

/**
 * One page of `items`, which are in answer order: by `keyOf`, ascending or descending. The token names the last
 * key returned, not an offset, so a caller that pages while items come and go neither skips nor repeats one
 * that stayed.
 */
export function pageOf<T>(
    items: T[],
    keyOf: (item: T) => string,
    pageSize: number,
    nextToken: unknown,
    ascending = true,
): { page: T[]; nextToken?: string } {
    let start = 0;
    if (nextToken !== undefined && nextToken !== null) {
        const afterKey = decodeToken(nextToken);
        start = items.findIndex((item) => (ascending ? keyOf(item) > afterKey : keyOf(item) < afterKey));
        if (start < 0) start = items.length;
    }
    const page = items.slice(start, start + pageSize);
    const more = start + pageSize < items.length;
    return { page, nextToken: more ? encodeToken(keyOf(page[page.length - 1])) : undefined };
}

function encodeToken(key: string): string {
    return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64');
}

function decodeToken(token: unknown): string {
    try {
        const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8'));
        if (typeof parsed?.after === 'string') return parsed.after;
    } catch {
        // falls through to the error below
    }
    throw invalidRequest('The NextToken is invalid or has expired.');
}
