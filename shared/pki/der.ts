import { PkiError } from './errors';

/**
 * The subset of ASN.1 DER that X.509 certificates and PKCS#10 requests need: single-byte tags
 * (tag numbers below 31), definite lengths.
 */
export const DerTag = {
    BOOLEAN: 0x01,
    INTEGER: 0x02,
    BIT_STRING: 0x03,
    OCTET_STRING: 0x04,
    NULL: 0x05,
    OBJECT_IDENTIFIER: 0x06,
    UTF8_STRING: 0x0c,
    PRINTABLE_STRING: 0x13,
    T61_STRING: 0x14,
    IA5_STRING: 0x16,
    UTC_TIME: 0x17,
    GENERALIZED_TIME: 0x18,
    BMP_STRING: 0x1e,
    SEQUENCE: 0x30,
    SET: 0x31,
} as const;

const CONSTRUCTED_BIT = 0x20;
const CONTEXT_CLASS = 0x80;

export interface DerNode {
    /** The identifier octet as it appears on the wire, e.g. 0x30 for SEQUENCE, 0xa0 for [0] constructed. */
    tag: number;
    constructed: boolean;
    /** The contents octets. */
    value: Buffer;
    /** The whole TLV: identifier, length and contents (what a signature covers). */
    encoded: Buffer;
}

// ---------------------------------------------------------------- reading

/** Reads the TLV that starts at `offset`. */
export function readDer(buffer: Buffer, offset = 0): DerNode {
    if (offset >= buffer.length) throw new PkiError('DER: unexpected end of data while reading a tag');
    const tag = buffer[offset];
    if ((tag & 0x1f) === 0x1f) throw new PkiError('DER: multi-byte tags are not supported');
    let cursor = offset + 1;
    if (cursor >= buffer.length) throw new PkiError('DER: unexpected end of data while reading a length');
    const firstLengthByte = buffer[cursor++];
    let length: number;
    if (firstLengthByte < 0x80) {
        length = firstLengthByte;
    } else {
        const lengthByteCount = firstLengthByte & 0x7f;
        if (lengthByteCount === 0) throw new PkiError('DER: indefinite lengths are not allowed');
        // Four length bytes already allow 4 GiB, far beyond any certificate.
        if (lengthByteCount > 4) throw new PkiError('DER: length field too long');
        if (cursor + lengthByteCount > buffer.length) throw new PkiError('DER: unexpected end of data inside a length');
        length = 0;
        for (let i = 0; i < lengthByteCount; i++) length = length * 256 + buffer[cursor++];
    }
    const end = cursor + length;
    if (end > buffer.length) {
        throw new PkiError(`DER: element of ${length} bytes runs past the end of the data`);
    }
    return {
        tag,
        constructed: (tag & CONSTRUCTED_BIT) !== 0,
        value: buffer.subarray(cursor, end),
        encoded: buffer.subarray(offset, end),
    };
}

/** Decodes a buffer that must hold exactly one TLV, with nothing after it. */
export function decodeDer(buffer: Buffer): DerNode {
    const node = readDer(buffer, 0);
    if (node.encoded.length !== buffer.length) {
        throw new PkiError(`DER: ${buffer.length - node.encoded.length} unexpected bytes after the element`);
    }
    return node;
}

/** The elements inside a constructed node, in order. */
export function readChildren(node: DerNode | undefined): DerNode[] {
    if (!node) throw new PkiError('DER: missing element');
    if (!node.constructed) throw new PkiError(`DER: tag 0x${hexTag(node.tag)} is not a constructed type`);
    const children: DerNode[] = [];
    let offset = 0;
    while (offset < node.value.length) {
        const child = readDer(node.value, offset);
        children.push(child);
        offset += child.encoded.length;
    }
    return children;
}

/** Returns `node` if it carries `tag`, otherwise throws naming `what` was expected. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
    if (!node) throw new PkiError(`DER: missing ${what}`);
    if (node.tag !== tag) {
        throw new PkiError(`DER: expected ${what} (tag 0x${hexTag(tag)}), found tag 0x${hexTag(node.tag)}`);
    }
    return node;
}

export function decodeInteger(node: DerNode | undefined): bigint {
    node = expectTag(node, DerTag.INTEGER, 'INTEGER');
    if (node.value.length === 0) throw new PkiError('DER: empty INTEGER');
    const magnitude = BigInt('0x' + node.value.toString('hex'));
    const negative = (node.value[0] & 0x80) !== 0;
    return negative ? magnitude - (1n << BigInt(node.value.length * 8)) : magnitude;
}

export function decodeBoolean(node: DerNode | undefined): boolean {
    node = expectTag(node, DerTag.BOOLEAN, 'BOOLEAN');
    if (node.value.length !== 1) throw new PkiError('DER: BOOLEAN must be one byte');
    return node.value[0] !== 0;
}

export function decodeOid(node: DerNode | undefined): string {
    node = expectTag(node, DerTag.OBJECT_IDENTIFIER, 'OBJECT IDENTIFIER');
    if (node.value.length === 0) throw new PkiError('DER: empty OBJECT IDENTIFIER');
    const subidentifiers: bigint[] = [];
    let current = 0n;
    for (let i = 0; i < node.value.length; i++) {
        const byte = node.value[i];
        current = (current << 7n) | BigInt(byte & 0x7f);
        if ((byte & 0x80) === 0) {
            subidentifiers.push(current);
            current = 0n;
        } else if (i === node.value.length - 1) {
            throw new PkiError('DER: OBJECT IDENTIFIER ends inside a subidentifier');
        }
    }
    const first = subidentifiers[0];
    const leadingArcs = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
    return [...leadingArcs, ...subidentifiers.slice(1)].join('.');
}

export function decodeBitString(node: DerNode | undefined): { unusedBits: number; bytes: Buffer } {
    node = expectTag(node, DerTag.BIT_STRING, 'BIT STRING');
    if (node.value.length === 0) throw new PkiError('DER: BIT STRING without its unused-bits byte');
    const unusedBits = node.value[0];
    if (unusedBits > 7 || (unusedBits > 0 && node.value.length === 1)) {
        throw new PkiError('DER: invalid unused-bits count in BIT STRING');
    }
    return { unusedBits, bytes: node.value.subarray(1) };
}

/** Decodes the character string types that appear in X.509 names. */
export function decodeString(node: DerNode | undefined): string {
    if (!node) throw new PkiError('DER: missing string');
    switch (node.tag) {
        case DerTag.UTF8_STRING:
            return node.value.toString('utf8');
        case DerTag.PRINTABLE_STRING:
        case DerTag.IA5_STRING:
            return node.value.toString('ascii');
        case DerTag.T61_STRING:
            // Certificates in practice put Latin-1 in T61String.
            return node.value.toString('latin1');
        case DerTag.BMP_STRING: {
            const swapped = Buffer.from(node.value);
            swapped.swap16();
            return swapped.toString('utf16le');
        }
        default:
            throw new PkiError(`DER: tag 0x${hexTag(node.tag)} is not a supported string type`);
    }
}

/** Decodes UTCTime (years 1950–2049) or GeneralizedTime; both must be in UTC ("Z"). */
export function decodeTime(node: DerNode | undefined): Date {
    if (!node) throw new PkiError('DER: missing time');
    const text = node.value.toString('ascii');
    let match: RegExpMatchArray | null;
    let year: number;
    if (node.tag === DerTag.UTC_TIME) {
        match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
        if (!match) throw new PkiError(`DER: malformed UTCTime "${text}"`);
        const twoDigitYear = Number(match[1]);
        year = twoDigitYear >= 50 ? 1900 + twoDigitYear : 2000 + twoDigitYear;
    } else if (node.tag === DerTag.GENERALIZED_TIME) {
        match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/.exec(text);
        if (!match) throw new PkiError(`DER: malformed GeneralizedTime "${text}"`);
        year = Number(match[1]);
    } else {
        throw new PkiError(`DER: expected a time, found tag 0x${hexTag(node.tag)}`);
    }
    const [month, day, hour, minute, second] = match.slice(2, 7).map(Number);
    const epochMs = Date.UTC(year, month - 1, day, hour, minute, second);
    const parsed = new Date(epochMs);
    if (Number.isNaN(epochMs) || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
        throw new PkiError(`DER: impossible date "${text}"`);
    }
    return parsed;
}

// ---------------------------------------------------------------- writing

function encodeLength(length: number): Buffer {
    if (length < 0x80) return Buffer.from([length]);
    const bytes: number[] = [];
    for (let remaining = length; remaining > 0; remaining = Math.floor(remaining / 256)) bytes.unshift(remaining & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given identifier octet. */
export function derElement(tag: number, contents: Buffer): Buffer {
    return Buffer.concat([Buffer.from([tag]), encodeLength(contents.length), contents]);
}

export function derSequence(...elements: Buffer[]): Buffer {
    return derElement(DerTag.SEQUENCE, Buffer.concat(elements));
}

/** SET OF: DER orders the elements by their encodings. */
export function derSet(...elements: Buffer[]): Buffer {
    return derElement(DerTag.SET, Buffer.concat([...elements].sort(Buffer.compare)));
}

/**
 * A bigint or number is encoded as a two's-complement signed integer. A Buffer is read as an unsigned
 * big-endian magnitude (serial numbers, RSA moduli), so a leading 0x00 is added when its top bit is set.
 */
export function derInteger(value: Buffer | bigint | number): Buffer {
    if (Buffer.isBuffer(value)) {
        let start = 0;
        while (start < value.length - 1 && value[start] === 0) start++;
        const magnitude = value.length === 0 ? Buffer.from([0]) : value.subarray(start);
        const contents = magnitude[0] & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude;
        return derElement(DerTag.INTEGER, contents);
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
        throw new PkiError(`DER: ${value} is not a safe integer`);
    }
    return derElement(DerTag.INTEGER, twosComplement(BigInt(value)));
}

function twosComplement(value: bigint): Buffer {
    let byteCount = 1;
    if (value >= 0n) {
        while (value >= 1n << BigInt(byteCount * 8 - 1)) byteCount++;
    } else {
        while (value < -(1n << BigInt(byteCount * 8 - 1))) byteCount++;
    }
    const unsigned = value >= 0n ? value : (1n << BigInt(byteCount * 8)) + value;
    return Buffer.from(unsigned.toString(16).padStart(byteCount * 2, '0'), 'hex');
}

export function derOid(dotted: string): Buffer {
    if (!/^\d+(\.\d+)+$/.test(dotted)) throw new PkiError(`DER: "${dotted}" is not a dotted OID`);
    const arcs = dotted.split('.').map((arc) => BigInt(arc));
    if (arcs[0] > 2n || (arcs[0] < 2n && arcs[1] >= 40n)) throw new PkiError(`DER: "${dotted}" is not a valid OID`);
    const subidentifiers = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
    const bytes: number[] = [];
    for (const subidentifier of subidentifiers) {
        const groups: number[] = [Number(subidentifier & 0x7fn)];
        for (let rest = subidentifier >> 7n; rest > 0n; rest >>= 7n) groups.unshift(Number(rest & 0x7fn) | 0x80);
        bytes.push(...groups);
    }
    return derElement(DerTag.OBJECT_IDENTIFIER, Buffer.from(bytes));
}

export function derUtf8String(text: string): Buffer {
    return derElement(DerTag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

const PRINTABLE_CHARACTERS = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function derPrintableString(text: string): Buffer {
    if (!PRINTABLE_CHARACTERS.test(text)) throw new PkiError(`DER: "${text}" has characters PrintableString cannot hold`);
    return derElement(DerTag.PRINTABLE_STRING, Buffer.from(text, 'ascii'));
}

function twoDigits(value: number): string {
    return String(value).padStart(2, '0');
}

function timeDigitsAfterYear(date: Date): string {
    return (
        twoDigits(date.getUTCMonth() + 1) +
        twoDigits(date.getUTCDate()) +
        twoDigits(date.getUTCHours()) +
        twoDigits(date.getUTCMinutes()) +
        twoDigits(date.getUTCSeconds()) +
        'Z'
    );
}

/** Seconds precision; milliseconds are dropped (RFC 5280 forbids fractions). */
export function derUtcTime(date: Date): Buffer {
    const year = date.getUTCFullYear();
    if (year < 1950 || year > 2049) throw new PkiError(`DER: UTCTime cannot hold the year ${year}`);
    return derElement(DerTag.UTC_TIME, Buffer.from(twoDigits(year % 100) + timeDigitsAfterYear(date), 'ascii'));
}

export function derGeneralizedTime(date: Date): Buffer {
    const year = date.getUTCFullYear();
    if (year < 0 || year > 9999) throw new PkiError(`DER: GeneralizedTime cannot hold the year ${year}`);
    return derElement(DerTag.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + timeDigitsAfterYear(date), 'ascii'));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (and before 1950). */
export function derTime(date: Date): Buffer {
    const year = date.getUTCFullYear();
    return year >= 1950 && year < 2050 ? derUtcTime(date) : derGeneralizedTime(date);
}

export function derBitString(bytes: Buffer, unusedBits = 0): Buffer {
    if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (unusedBits > 0 && bytes.length === 0)) {
        throw new PkiError(`DER: invalid unused-bits count ${unusedBits}`);
    }
    return derElement(DerTag.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A BIT STRING of named bits (bit 0 is the most significant bit of the first byte), as keyUsage uses;
 * DER drops trailing zero bits.
 */
export function derNamedBits(bitNumbers: number[]): Buffer {
    if (bitNumbers.length === 0) return derBitString(Buffer.alloc(0));
    const highestBit = Math.max(...bitNumbers);
    const bytes = Buffer.alloc(Math.floor(highestBit / 8) + 1);
    for (const bit of bitNumbers) bytes[bit >> 3] |= 0x80 >> (bit & 7);
    return derBitString(bytes, bytes.length * 8 - (highestBit + 1));
}

export function derOctetString(bytes: Buffer): Buffer {
    return derElement(DerTag.OCTET_STRING, bytes);
}

export function derNull(): Buffer {
    return Buffer.from([DerTag.NULL, 0x00]);
}

export function derBoolean(value: boolean): Buffer {
    return derElement(DerTag.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

function contextTag(tagNumber: number, constructed: boolean): number {
    if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) {
        throw new PkiError(`DER: context tag [${tagNumber}] is not supported`);
    }
    return CONTEXT_CLASS | (constructed ? CONSTRUCTED_BIT : 0) | tagNumber;
}

/** `[n] EXPLICIT`: wraps a whole element. */
export function derExplicit(tagNumber: number, element: Buffer): Buffer {
    return derElement(contextTag(tagNumber, true), element);
}

/** `[n] IMPLICIT`: replaces the tag of an element whose contents are given. */
export function derImplicit(tagNumber: number, contents: Buffer, constructed = false): Buffer {
    return derElement(contextTag(tagNumber, constructed), contents);
}

export function contextTagOf(tagNumber: number, constructed: boolean): number {
    return contextTag(tagNumber, constructed);
}

function hexTag(tag: number): string {
    return tag.toString(16).padStart(2, '0');
}
