/**
 * Command-line parsing for the stand-in tools, strict in the way the real tools are (clap for the CloudHSM
 * tools): an unknown option or a missing value is a usage error, so a script that passes something the real
 * tool would reject fails here too.
 */
export interface OptionSpec {
    /** Options that take exactly one value (`--username alice` or `--username=alice`). */
    values?: string[];
    /** Options that take one or more values, up to the next option (`configure-cli -a 10.0.0.1 10.0.0.2`). */
    lists?: string[];
    /** Options without a value. */
    flags?: string[];
}

export interface ParsedArgs {
    positionals: string[];
    values: Map<string, string>;
    lists: Map<string, string[]>;
    flags: Set<string>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: OptionSpec): ParsedArgs {
    const parsed: ParsedArgs = { positionals: [], values: new Map(), lists: new Map(), flags: new Set() };
    const values = new Set(spec.values ?? []);
    const lists = new Set(spec.lists ?? []);
    const flags = new Set(spec.flags ?? []);
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith('-') || arg === '-') {
            parsed.positionals.push(arg);
            continue;
        }
        const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
        const name = equals > 0 ? arg.slice(0, equals) : arg;
        const inline = equals > 0 ? arg.slice(equals + 1) : undefined;
        if (flags.has(name)) {
            if (inline !== undefined) throw new UsageError(`error: unexpected value '${inline}' for '${name}' found`);
            parsed.flags.add(name);
        } else if (values.has(name)) {
            if (parsed.values.has(name)) throw new UsageError(`error: the argument '${name}' cannot be used multiple times`);
            const value = inline ?? argv[++i];
            if (value === undefined) throw new UsageError(`error: a value is required for '${name}' but none was supplied`);
            parsed.values.set(name, value);
        } else if (lists.has(name)) {
            const items = inline !== undefined ? [inline] : [];
            while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) items.push(argv[++i]);
            if (items.length === 0) throw new UsageError(`error: a value is required for '${name}' but none was supplied`);
            parsed.lists.set(name, [...(parsed.lists.get(name) ?? []), ...items]);
        } else {
            throw new UsageError(`error: unexpected argument '${name}' found`);
        }
    }
    return parsed;
}
