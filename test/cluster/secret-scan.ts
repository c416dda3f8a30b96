/**
 * Searching everything the type leaves readable for any piece of a secret: every 8-character substring of
 * every password and of the secret part of every private key, in progress events, returned models, the
 * handlers' console lines, CloudWatch Logs, SSM command texts and outputs, and the command lines and
 * environments of the tools run on the instance. Failures name where and the first characters of the secret.
 */
import { createPrivateKey } from 'crypto';
import { OperationReport } from '../../local/driver/driver';
import { EmulatorState } from '../../local/emulator/state';
import { LocalAws } from '../../local/runtime';

/** Long enough that a random match is out of reach, short enough that a cut or re-wrapped secret is still found. */
export const FRAGMENT_CHARS = 8;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g;

export interface Text {
    where: string;
    text: string;
}

/** Every FRAGMENT_CHARS-long substring of `secret`. */
export function fragmentsOf(secret: string): string[] {
    const fragments: string[] = [];
    for (let i = 0; i + FRAGMENT_CHARS <= secret.length; i++) fragments.push(secret.slice(i, i + FRAGMENT_CHARS));
    return fragments;
}

/**
 * The fragments of a private key PEM that encode only private bytes. A key's PEM begins with fixed ASN.1
 * headers and the public modulus, which the published trust anchor certificate holds too; the base64 from
 * the private exponent on encodes nothing public. Fragments stay within the PEM's lines, as a leaked PEM
 * would be printed (or re-wrapped) with its line breaks.
 */
export function privateKeyFragments(pem: string): string[] {
    const lines = pem.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('-----'));
    const der = Buffer.from(lines.join(''), 'base64');
    const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as { d: string };
    const privateFrom = der.indexOf(Buffer.from(jwk.d, 'base64url'));
    if (privateFrom < 0) throw new Error('The private exponent is not in the key DER');
    const firstPrivateChar = Math.ceil(privateFrom / 3) * 4;
    const fragments: string[] = [];
    let offset = 0;
    for (const line of lines) {
        const skip = Math.max(0, firstPrivateChar - offset);
        if (skip < line.length) fragments.push(...fragmentsOf(line.slice(skip)));
        offset += line.length;
    }
    return fragments;
}

/** Secrets by kind, gathered from where they truly live: every version the emulated Secrets Manager ever held. */
export class SecretHarvest {
    readonly passwords = new Set<string>();
    readonly privateKeys = new Set<string>();

    collect(state: EmulatorState): void {
        for (const secret of state.secrets.values()) {
            for (const version of secret.versions) this.add(version.secretString);
        }
    }

    /** A value seen elsewhere (a secret since destroyed, a planted value). */
    add(secretString: string | undefined): void {
        if (secretString === undefined) return;
        let strings = [secretString];
        try {
            const parsed = JSON.parse(secretString) as Record<string, unknown>;
            if (parsed && typeof parsed === 'object') {
                if (typeof parsed.password === 'string') this.passwords.add(parsed.password);
                strings = Object.values(parsed).filter((v): v is string => typeof v === 'string');
            }
        } catch {
            // Not JSON: a certificate, or a plain string.
        }
        for (const pem of strings.flatMap((s) => s.match(PRIVATE_KEY_PEM) ?? [])) this.privateKeys.add(pem);
    }

    /** Fragment → the first characters of the secret it came from (never the whole secret, in a failure). */
    fragments(): Map<string, string> {
        const all = new Map<string, string>();
        for (const password of this.passwords) fragmentsOf(password).forEach((f) => all.set(f, `password ${password.slice(0, 4)}…`));
        for (const pem of this.privateKeys) privateKeyFragments(pem).forEach((f) => all.set(f, 'a private key'));
        return all;
    }
}

/** Where any fragment occurs in the texts; one finding per text and secret. */
export function exposures(texts: Text[], fragments: Map<string, string>): Array<{ where: string; secret: string }> {
    const found = new Map<string, { where: string; secret: string }>();
    for (const { where, text } of texts) {
        for (let i = 0; i + FRAGMENT_CHARS <= text.length; i++) {
            const secret = fragments.get(text.slice(i, i + FRAGMENT_CHARS));
            if (secret !== undefined) found.set(`${where}\n${secret}`, { where, secret });
        }
    }
    return [...found.values()];
}

/** Every text a user, an operator or a log reader could see after the operations. */
export function everyText(aws: LocalAws, consoleLines: string[], progressEvents: unknown[], reports: OperationReport[]): Text[] {
    const state = aws.emulator.state;
    const texts: Text[] = [];
    consoleLines.forEach((text, i) => texts.push({ where: `console line ${i}`, text }));
    progressEvents.forEach((event, i) => texts.push({ where: `progress event ${i}`, text: JSON.stringify(event) }));
    reports.forEach((r, i) => texts.push({ where: `${r.action} #${i} report`, text: JSON.stringify({ model: r.model, models: r.models, message: r.message, events: r.events }) }));
    for (const [group, streams] of state.logGroups) {
        for (const [stream, events] of streams) events.forEach((event, i) => texts.push({ where: `log ${group} / ${stream} #${i}`, text: event.message }));
    }
    for (const invocation of [...state.commands.values()].flat()) {
        texts.push({
            where: `SSM command ${invocation.commandId}`,
            text: JSON.stringify({
                commands: invocation.commands,
                parameters: invocation.parameters,
                comment: invocation.comment,
                stdout: invocation.stdout,
                stderr: invocation.stderr,
            }),
        });
    }
    aws.instances.invocations.forEach((invocation, i) => {
        texts.push({ where: `argv of ${invocation.tool} call ${i}`, text: invocation.argv.join(' ') });
        texts.push({ where: `argv of the parent of ${invocation.tool} call ${i}`, text: invocation.parentArgv.join(' ') });
        texts.push({ where: `environment of ${invocation.tool} call ${i}`, text: Object.entries(invocation.env).map(([k, v]) => `${k}=${v}`).join('\n') });
        texts.push({ where: `stdin of ${invocation.tool} call ${i}`, text: invocation.stdin });
    });
    return texts;
}
