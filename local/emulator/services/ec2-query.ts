import { randomBytes } from 'crypto';
import { AwsError } from '../errors';
import { xmlEscape } from '../server';

/**
 * The EC2 query protocol's two halves: flat request parameters (`InstanceId.1`, `IpPermissions.1.Groups.1.GroupId`)
 * read back into lists, and response XML written with the lower-camel member names and `<item>` lists that the
 * SDK's EC2 deserializer expects.
 */
export type QueryParams = Record<string, string>;

/** `prefix.1`, `prefix.2`, … in index order (gaps allowed, as the SDK never leaves any). */
export function indexedValues(params: QueryParams, prefix: string): string[] {
    return indexedMembers(params, prefix)
        .map((member) => member[''])
        .filter((v): v is string => v !== undefined);
}

/**
 * The members of a list of structures, each with its own keys relative to `prefix.N.` (and `''` for a scalar
 * `prefix.N`): `IpPermissions` gives `[{ IpProtocol: 'tcp', 'Groups.1.GroupId': 'sg-…' }]`.
 */
export function indexedMembers(params: QueryParams, prefix: string): QueryParams[] {
    const byIndex = new Map<number, QueryParams>();
    const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(?:\\.(.+))?$`);
    for (const [key, value] of Object.entries(params)) {
        const match = pattern.exec(key);
        if (!match) continue;
        const index = Number(match[1]);
        const member = byIndex.get(index) ?? {};
        member[match[2] ?? ''] = value;
        byIndex.set(index, member);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, member]) => member);
}

export interface QueryFilter {
    name: string;
    values: string[];
}

export function filtersOf(params: QueryParams): QueryFilter[] {
    return indexedMembers(params, 'Filter').map((member) => ({
        name: member.Name ?? '',
        values: indexedValues(member, 'Value'),
    }));
}

/** EC2 filter values take `*` and `?` wildcards. */
export function filterValueMatches(pattern: string, value: string | undefined): boolean {
    if (value === undefined) return false;
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    return regex.test(value);
}

export function integerParam(params: QueryParams, name: string): number | undefined {
    const raw = params[name];
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new AwsError('InvalidParameterValue', `Value (${raw}) for parameter ${name} is invalid.`);
    return value;
}

/** A new resource ID in the long format EC2 uses today: prefix, dash, 17 lower-case hex digits. */
export function newEc2Id(prefix: string): string {
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** EC2 accepts both the old 8-digit and the current 17-digit IDs. */
export function isEc2Id(prefix: string, id: string): boolean {
    return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}

/** One page of `items` and the token for the next, for the Describe actions that take MaxResults / NextToken. */
export function pageOf<T>(items: T[], params: QueryParams, limits: { min: number; max: number }): { page: T[]; nextToken?: string } {
    const maxResults = integerParam(params, 'MaxResults');
    if (maxResults !== undefined && (maxResults < limits.min || maxResults > limits.max)) {
        throw new AwsError(
            'InvalidParameterValue',
            `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${limits.min} and ${limits.max}.`,
        );
    }
    let start = 0;
    if (params.NextToken !== undefined) {
        const decoded = Number(Buffer.from(params.NextToken, 'base64url').toString('utf8'));
        if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) {
            throw new AwsError('InvalidNextToken', 'The token provided is invalid.');
        }
        start = decoded;
    }
    if (maxResults === undefined) return { page: items.slice(start) };
    const end = start + maxResults;
    return { page: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

/** `<name>value</name>`, or nothing when the value is absent. */
export function leaf(name: string, value: string | number | boolean | undefined): string {
    return value === undefined ? '' : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** `<name>…children…</name>` for already rendered children. */
export function branch(name: string, ...children: string[]): string {
    return `<${name}>${children.join('')}</${name}>`;
}

/** An EC2 list: `<name><item>…</item>…</name>`. */
export function itemSet(name: string, items: string[]): string {
    return branch(name, ...items.map((item) => branch('item', item)));
}

export function tagSet(tags: Array<{ Key: string; Value: string }> | undefined): string {
    if (!tags?.length) return '';
    return itemSet('tagSet', tags.map((t) => leaf('key', t.Key) + leaf('value', t.Value)));
}
