/**
 * CloudFormation sends every primitive property as a string ("2", "true"). These transforms turn such
 * strings into the schema's type and leave anything else as it is, so validation can name the bad value.
 */
import { TransformFnParams } from 'class-transformer';

export function toInteger({ value }: TransformFnParams): unknown {
    if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
    return value;
}

export function toBoolean({ value }: TransformFnParams): unknown {
    if (value === 'true') return true;
    if (value === 'false') return false;
    return value;
}
