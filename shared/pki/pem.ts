import { PkiError } from './errors';

const ANY_PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;

function pemBlocks(text: string): { label: string; body: string }[] {
    return [...text.matchAll(ANY_PEM_BLOCK)].map((match) => ({ label: match[1], body: match[2].replace(/\s+/g, '') }));
}

function isBase64Body(body: string): boolean {
    return body.length > 0 && body.length % 4 === 0 && BASE64_BODY.test(body);
}

/**
 * True when `text` is exactly one PEM block with this label (surrounding whitespace allowed) whose body is
 * well-formed base64. Extra text, several blocks or a different label are rejected: the service takes one
 * object per field.
 */
export function isPem(text: unknown, label: string): boolean {
    if (typeof text !== 'string') return false;
    const trimmed = text.trim();
    const blocks = pemBlocks(trimmed);
    if (blocks.length !== 1 || blocks[0].label !== label || !isBase64Body(blocks[0].body)) return false;
    return trimmed.startsWith(`-----BEGIN ${label}-----`) && trimmed.endsWith(`-----END ${label}-----`);
}

/**
 * The DER bytes of the single PEM block in `text`; `what` names the input in the error (e.g. "the trust anchor").
 * `labels` lists the accepted labels, the first being the one to mention.
 */
export function pemToDer(text: string, labels: string | string[], what: string): Buffer {
    const accepted = Array.isArray(labels) ? labels : [labels];
    const expected = `a single "-----BEGIN ${accepted[0]}-----" PEM block`;
    if (typeof text !== 'string' || text.trim() === '') throw new PkiError(`${what} is empty; expected ${expected}`);
    const blocks = pemBlocks(text.trim());
    if (blocks.length === 0) throw new PkiError(`${what} is not PEM; expected ${expected}`);
    if (blocks.length > 1) {
        throw new PkiError(`${what} holds ${blocks.length} PEM blocks; expected ${expected} (supply one certificate, not a chain)`);
    }
    const label = accepted.find((candidate) => isPem(text, candidate));
    if (!label) {
        if (!accepted.includes(blocks[0].label)) {
            throw new PkiError(`${what} is a PEM "${blocks[0].label}" block; expected ${expected}`);
        }
        throw new PkiError(`${what} is not well-formed PEM (stray text around the block or invalid base64); expected ${expected}`);
    }
    return Buffer.from(blocks[0].body, 'base64');
}

export function derToPem(der: Buffer, label: string): string {
    const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
    return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
