/**
 * The input rules of the emulated KMS API: its errors, ID formats, member constraints and paging. Model
 * constraints (lengths, ranges, enums) answer with ValidationException in the wording AWS's request validation
 * uses ("1 validation error detected: Value … at 'member' failed to satisfy constraint: …"), with the value left
 * out for sensitive members such as KeyStorePassword, as AWS does.
 */
import { randomBytes } from 'crypto';
import { AwsError } from '../errors';

export const kmsError = (code: string, message: string) => new AwsError(code, message);

/** AWS names the member in camelCase in validation messages. */
function wireMemberName(member: string): string {
    return member.charAt(0).toLowerCase() + member.slice(1);
}

export function validationError(member: string, value: unknown, constraint: string, sensitive = false): AwsError {
    const shown = value === undefined || value === null ? 'null' : sensitive ? '' : `'${String(value)}'`;
    const valuePart = shown === '' ? 'Value' : `Value ${shown}`;
    return kmsError(
        'ValidationException',
        `1 validation error detected: ${valuePart} at '${wireMemberName(member)}' failed to satisfy constraint: ${constraint}`,
    );
}

interface StringRule {
    minLength?: number;
    maxLength?: number;
    /** Matched against the whole value, as AWS's request validation does. */
    pattern?: string;
    sensitive?: boolean;
}

export function optionalString(input: any, member: string, rule: StringRule = {}): string | undefined {
    const value = input?.[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw validationError(member, value, 'Member must be a string', rule.sensitive);
    const minLength = rule.minLength ?? 1;
    if (value.length < minLength) {
        throw validationError(member, value, `Member must have length greater than or equal to ${minLength}`, rule.sensitive);
    }
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        throw validationError(member, value, `Member must have length less than or equal to ${rule.maxLength}`, rule.sensitive);
    }
    if (rule.pattern !== undefined && !new RegExp(`^(?:${rule.pattern})$`).test(value)) {
        throw validationError(member, value, `Member must satisfy regular expression pattern: ${rule.pattern}`, rule.sensitive);
    }
    return value;
}

export function requireString(input: any, member: string, rule: StringRule = {}): string {
    const value = optionalString(input, member, rule);
    if (value === undefined) throw validationError(member, undefined, 'Member must not be null');
    return value;
}

export function optionalEnum<T extends string>(input: any, member: string, allowed: readonly T[]): T | undefined {
    const value = input?.[member];
    if (value === undefined || value === null) return undefined;
    if (!(allowed as readonly unknown[]).includes(value)) {
        throw validationError(member, value, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    return value as T;
}

/** `Limit` of the list operations: 1–1000, and `defaultLimit` when absent. */
export function limitFrom(input: any, defaultLimit: number): number {
    const value = input?.Limit;
    if (value === undefined || value === null) return defaultLimit;
    if (!Number.isInteger(value)) throw validationError('Limit', value, 'Member must be an integer');
    if (value < 1) throw validationError('Limit', value, 'Member must have value greater than or equal to 1');
    if (value > 1000) throw validationError('Limit', value, 'Member must have value less than or equal to 1000');
    return value;
}

/**
 * One page of `items` (already in answer order by `keyOf`). The marker names the last key returned rather than
 * an offset, so paging while items come and go neither skips nor repeats an item that stayed.
 */
export function pageOf<T>(items: T[], keyOf: (item: T) => string, limit: number, marker: unknown): { page: T[]; nextMarker?: string } {
    let start = 0;
    if (marker !== undefined && marker !== null) {
        const afterKey = decodeMarker(marker);
        start = items.findIndex((item) => keyOf(item) > afterKey);
        if (start < 0) start = items.length;
    }
    const page = items.slice(start, start + limit);
    const more = start + limit < items.length;
    return { page, nextMarker: more ? encodeMarker(keyOf(page[page.length - 1])) : undefined };
}

/** `{…, NextMarker, Truncated}` as the KMS list operations answer. */
export function pagingMembers(nextMarker: string | undefined): { Truncated: boolean; NextMarker?: string } {
    return nextMarker ? { NextMarker: nextMarker, Truncated: true } : { Truncated: false };
}

function encodeMarker(key: string): string {
    return Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64');
}

function decodeMarker(marker: unknown): string {
    try {
        const parsed = JSON.parse(Buffer.from(String(marker), 'base64').toString('utf8'));
        if (typeof parsed?.after === 'string') return parsed.after;
    } catch {
        // falls through to the error below
    }
    throw kmsError('InvalidMarkerException', 'The marker that specifies where pagination should next begin is not valid.');
}

/** A sort key that orders by creation time, then ID. */
export function creationKey(creationDateSeconds: number, id: string): string {
    return `${Math.round(creationDateSeconds * 1000).toString().padStart(15, '0')}|${id}`;
}

/** Custom key store IDs: `cks-` and 17 lower-case hex characters. */
export function newCustomKeyStoreId(): string {
    return `cks-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/**
 * The password KMS gives `kmsuser` when it connects: KMS never reveals it, so only its length and alphabet
 * matter, and both fit the CloudHSM password rules (8–32 characters).
 */
export function newKmsUserPassword(): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    return [...randomBytes(32)].map((byte) => alphabet[byte % alphabet.length]).join('');
}
