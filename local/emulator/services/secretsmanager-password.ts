import { randomInt } from 'crypto';
import { AwsError } from '../errors';

/** The request fields of GetRandomPassword, as the JSON protocol carries them. */
export interface PasswordRules {
    PasswordLength?: number;
    ExcludeCharacters?: string;
    ExcludeNumbers?: boolean;
    ExcludePunctuation?: boolean;
    ExcludeUppercase?: boolean;
    ExcludeLowercase?: boolean;
    IncludeSpace?: boolean;
    RequireEachIncludedType?: boolean;
}

const DEFAULT_PASSWORD_LENGTH = 32;
const MAX_PASSWORD_LENGTH = 4096;

const LOWERCASE = 'abcdefghijklmnopqrstuvwxyz';
const UPPERCASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
// The set Secrets Manager documents for ExcludePunctuation.
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/**
 * A password as GetRandomPassword makes it: characters drawn uniformly from the included types, and, unless
 * RequireEachIncludedType is false, at least one of each included type (a space never counts as a type).
 */
export function randomPassword(rules: PasswordRules): string {
    const length = rules.PasswordLength ?? DEFAULT_PASSWORD_LENGTH;
    if (!Number.isInteger(length) || length < 1 || length > MAX_PASSWORD_LENGTH) {
        throw new AwsError('InvalidParameterException', `PasswordLength must be between 1 and ${MAX_PASSWORD_LENGTH}.`);
    }
    const excluded = new Set(rules.ExcludeCharacters ?? '');
    const keep = (chars: string) => [...chars].filter((c) => !excluded.has(c)).join('');
    const types = [
        rules.ExcludeLowercase ? '' : keep(LOWERCASE),
        rules.ExcludeUppercase ? '' : keep(UPPERCASE),
        rules.ExcludeNumbers ? '' : keep(DIGITS),
        rules.ExcludePunctuation ? '' : keep(PUNCTUATION),
    ].filter((chars) => chars.length > 0);
    const space = rules.IncludeSpace && !excluded.has(' ') ? ' ' : '';
    const alphabet = types.join('') + space;
    if (alphabet.length === 0) {
        throw new AwsError('InvalidParameterException', 'The password cannot be generated: every character is excluded.');
    }
    const requireEachType = rules.RequireEachIncludedType ?? true;
    if (requireEachType && length < types.length) {
        throw new AwsError('InvalidParameterException', 'Password length is too short based on the required types.');
    }
    const chars: string[] = requireEachType ? types.map(pick) : [];
    while (chars.length < length) chars.push(pick(alphabet));
    for (let i = chars.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    return chars.join('');
}

function pick(chars: string): string {
    return chars[randomInt(chars.length)];
}

export const passwordCharacterSets = { LOWERCASE, UPPERCASE, DIGITS, PUNCTUATION };
