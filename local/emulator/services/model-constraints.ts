/**
 * The member constraints of an API model (pattern, min/max, enum), declared as data per operation and checked
 * before the operation runs, as AWS's request validation checks them: the first violation answers
 * ValidationException "1 validation error detected: Value '…' at 'member' failed to satisfy constraint: …"
 * ("Common Errors": 400 ValidationException). Types and required members stay with each operation, which
 * answers them in its own words.
 */
import { AwsError } from '../errors';

export interface Constraint {
    /** Matched against the whole value, as AWS's validation does (Java `matches`). */
    pattern?: string;
    /** Length of a string, item count of a list, entry count of a map, value of a number. */
    min?: number;
    max?: number;
    enum?: readonly string[];
    /** Each item of a list. */
    member?: Constraint;
    /** Each key of a map. */
    key?: Constraint;
    /** Members of a structure. */
    members?: MemberConstraints;
}

export type MemberConstraints = Readonly<Record<string, Constraint>>;

/** Throws ValidationException for the first member of `input` that breaks its constraint. */
export function checkConstraints(input: unknown, constraints: MemberConstraints | undefined): void {
    if (!constraints || input === null || typeof input !== 'object') return;
    for (const [member, constraint] of Object.entries(constraints)) {
        const value = (input as Record<string, unknown>)[member];
        if (value !== undefined && value !== null) checkValue(value, constraint, wireMemberName(member));
    }
}

function checkValue(value: unknown, constraint: Constraint, path: string): void {
    const fail = (rule: string) => {
        throw new AwsError('ValidationException', `1 validation error detected: Value ${shown(value)} at '${path}' failed to satisfy constraint: ${rule}`);
    };
    const size = typeof value === 'number' ? value : typeof value === 'string' || Array.isArray(value) ? value.length : isMap(value) ? Object.keys(value).length : undefined;
    const measure = typeof value === 'number' ? 'value' : 'length';
    if (size !== undefined && constraint.min !== undefined && size < constraint.min) fail(`Member must have ${measure} greater than or equal to ${constraint.min}`);
    if (size !== undefined && constraint.max !== undefined && size > constraint.max) fail(`Member must have ${measure} less than or equal to ${constraint.max}`);
    if (typeof value === 'string' && constraint.enum && !constraint.enum.includes(value)) fail(`Member must satisfy enum value set: [${constraint.enum.join(', ')}]`);
    if (typeof value === 'string' && constraint.pattern && !new RegExp(`^(?:${constraint.pattern})$`, 'u').test(value)) {
        fail(`Member must satisfy regular expression pattern: ${constraint.pattern}`);
    }
    if (Array.isArray(value) && constraint.member) value.forEach((item, index) => checkValue(item, constraint.member!, `${path}.${index + 1}.member`));
    if (isMap(value) && constraint.key) Object.keys(value).forEach((key) => checkValue(key, constraint.key!, `${path}.${key}.key`));
    if (isMap(value) && constraint.members) {
        for (const [member, inner] of Object.entries(constraint.members)) {
            const innerValue = value[member];
            if (innerValue !== undefined && innerValue !== null) checkValue(innerValue, inner, `${path}.${wireMemberName(member)}`);
        }
    }
}

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** AWS names members in camelCase in validation messages. */
function wireMemberName(member: string): string {
    return member.charAt(0).toLowerCase() + member.slice(1);
}

/** How AWS shows a value in the message: `'text'`, `'[a, b]'` for a list, `'{k=[v]}'` for a map. */
function shown(value: unknown): string {
    const text = (v: unknown): string =>
        Array.isArray(v) ? `[${v.map(text).join(', ')}]` : isMap(v) ? `{${Object.entries(v).map(([k, x]) => `${k}=${text(x)}`).join(', ')}}` : String(v);
    return `'${text(value)}'`;
}
