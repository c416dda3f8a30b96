import {
    decodeBitString, decodeBoolean, decodeDer, decodeInteger, decodeOid, decodeString, decodeTime, derBitString, derBoolean,
    derElement, derExplicit, derGeneralizedTime, derImplicit, derInteger, derNamedBits, derNull, derOctetString, derOid,
    derPrintableString, derSequence, derSet, derTime, DerTag, derUtcTime, derUtf8String, readChildren, readDer,
} from './der';
import { PkiError } from './errors';
import { OpensslWorkspace } from './openssl.test-support';

const hex = (buffer: Buffer) => buffer.toString('hex');

describe('DER INTEGER', () => {
    it.each([
        [0, '020100'],
        [127, '02017f'],
        [128, '02020080'],
        [255, '020200ff'],
        [256, '02020100'],
        [-1, '0201ff'],
        [-128, '020180'],
        [-129, '0202ff7f'],
        [-256, '0202ff00'],
    ])('encodes the number %d as %s (two’s complement, minimal)', (value, expected) => {
        expect(hex(derInteger(value))).toBe(expected);
        expect(hex(derInteger(BigInt(value)))).toBe(expected);
    });

    it('reads a Buffer as an unsigned magnitude: strips leading zeros and pads a set top bit', () => {
        expect(hex(derInteger(Buffer.from([0x00, 0x00, 0x80])))).toBe('02020080');
        expect(hex(derInteger(Buffer.from([0x7f, 0xff])))).toBe('02027fff');
        expect(hex(derInteger(Buffer.from([0x00])))).toBe('020100');
        expect(hex(derInteger(Buffer.alloc(0)))).toBe('020100');
    });

    it('round-trips large positive and negative bigints', () => {
        const values = [2n ** 64n, -(2n ** 64n), 2n ** 127n - 1n, -(2n ** 127n), 2n ** 2048n - 12345n, -(2n ** 63n) - 1n];
        for (const value of values) expect(decodeInteger(decodeDer(derInteger(value)))).toBe(value);
    });

    it('rejects numbers that are not safe integers', () => {
        expect(() => derInteger(1.5)).toThrow(PkiError);
        expect(() => derInteger(2 ** 60)).toThrow(PkiError);
    });
});

describe('DER OBJECT IDENTIFIER', () => {
    it.each([
        ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
        ['2.5.29.19', '0603551d13'],
        ['2.999.3', '0603883703'],
        ['1.3.6.1.4.1.311.21.20', '06092b0601040182371514'],
    ])('encodes %s', (dotted, expected) => {
        expect(hex(derOid(dotted))).toBe(expected);
        expect(decodeOid(decodeDer(derOid(dotted)))).toBe(dotted);
    });

    it('round-trips arcs beyond 2^53', () => {
        const dotted = '2.25.329800735698586629295641978511506172918';
        expect(decodeOid(decodeDer(derOid(dotted)))).toBe(dotted);
    });

    it.each(['3.1', '1.40', 'abc', '1', '1..2'])('rejects %s', (dotted) => {
        expect(() => derOid(dotted)).toThrow(PkiError);
    });
});

describe('DER lengths', () => {
    it.each([
        [0, '0400'],
        [127, '047f'],
        [128, '048180'],
        [300, '0482012c'],
        [70000, '0483011170'],
    ])('writes a %d-byte OCTET STRING with header %s and reads it back', (length, header) => {
        const encoded = derOctetString(Buffer.alloc(length, 0xab));
        expect(hex(encoded.subarray(0, header.length / 2))).toBe(header);
        const node = decodeDer(encoded);
        expect(node.tag).toBe(DerTag.OCTET_STRING);
        expect(node.value.length).toBe(length);
        expect(node.value.every((byte) => byte === 0xab)).toBe(true);
    });
});

describe('DER times', () => {
    it('uses UTCTime through 2049 and GeneralizedTime from 2050', () => {
        const lastUtc = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
        const firstGeneralized = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
        expect(derTime(lastUtc).toString('latin1')).toBe('\x17\x0d491231235959Z');
        expect(derTime(firstGeneralized).toString('latin1')).toBe('\x18\x0f20500101000000Z');
        expect(derTime(new Date(Date.UTC(1950, 0, 1))).toString('latin1')).toBe('\x17\x0d500101000000Z');
        expect(derTime(new Date(Date.UTC(1949, 11, 31))).toString('latin1')).toBe('\x18\x0f19491231000000Z');
    });

    it('round-trips, dropping milliseconds', () => {
        for (const iso of ['1999-03-04T05:06:07.890Z', '2024-02-29T23:59:59.000Z', '2051-07-01T12:00:00.999Z', '9999-12-31T23:59:59.000Z']) {
            const decoded = decodeTime(decodeDer(derTime(new Date(iso))));
            expect(decoded.toISOString()).toBe(iso.replace(/\.\d{3}Z$/, '.000Z'));
        }
    });

    it('refuses years a form cannot hold and dates that do not exist', () => {
        expect(() => derUtcTime(new Date(Date.UTC(2050, 0, 1)))).toThrow(PkiError);
        expect(() => derGeneralizedTime(new Date(Date.UTC(10000, 0, 1)))).toThrow(PkiError);
        expect(() => decodeTime(decodeDer(derElement(DerTag.UTC_TIME, Buffer.from('251301000000Z'))))).toThrow(/impossible date/);
        expect(() => decodeTime(decodeDer(derElement(DerTag.UTC_TIME, Buffer.from('250230000000Z'))))).toThrow(/impossible date/);
        expect(() => decodeTime(decodeDer(derElement(DerTag.UTC_TIME, Buffer.from('2501010000Z'))))).toThrow(/malformed UTCTime/);
    });
});

describe('DER strings, bits and small types', () => {
    it('round-trips UTF8String and PrintableString', () => {
        expect(decodeString(decodeDer(derUtf8String('Zürich ☃')))).toBe('Zürich ☃');
        expect(decodeString(decodeDer(derPrintableString("Amazon Web Services (US) 'x'")))).toBe("Amazon Web Services (US) 'x'");
    });

    it('refuses characters PrintableString cannot hold', () => {
        expect(() => derPrintableString('a@b')).toThrow(PkiError);
        expect(() => derPrintableString('cluster_HSM1')).toThrow(PkiError);
    });

    it('decodes BMPString', () => {
        expect(decodeString(decodeDer(derElement(DerTag.BMP_STRING, Buffer.from([0x00, 0x41, 0x26, 0x03]))))).toBe('A☃');
    });

    it('writes named bits with trailing zero bits dropped, as keyUsage needs', () => {
        expect(hex(derNamedBits([5, 6]))).toBe('03020106');
        expect(hex(derNamedBits([0]))).toBe('03020780');
        expect(hex(derNamedBits([0, 8]))).toBe('0303078080');
        expect(hex(derNamedBits([]))).toBe('030100');
        expect(decodeBitString(decodeDer(derNamedBits([5, 6])))).toEqual({ unusedBits: 1, bytes: Buffer.from([0x06]) });
    });

    it('refuses a bad unused-bit count', () => {
        expect(() => derBitString(Buffer.alloc(0), 1)).toThrow(PkiError);
        expect(() => derBitString(Buffer.from([1]), 8)).toThrow(PkiError);
    });

    it('writes BOOLEAN, NULL and context-specific tags', () => {
        expect(hex(derBoolean(true))).toBe('0101ff');
        expect(hex(derBoolean(false))).toBe('010100');
        expect(decodeBoolean(decodeDer(derBoolean(true)))).toBe(true);
        expect(hex(derNull())).toBe('0500');
        expect(hex(derExplicit(0, derInteger(2)))).toBe('a003020102');
        expect(hex(derImplicit(0, Buffer.from([1, 2])))).toBe('80020102');
        expect(hex(derImplicit(0, Buffer.alloc(0), true))).toBe('a000');
        expect(() => derExplicit(31, derNull())).toThrow(PkiError);
    });

    it('sorts SET OF elements by encoding', () => {
        expect(hex(derSet(derInteger(2), derInteger(1)))).toBe('3106020101020102');
    });
});

describe('DER reading', () => {
    it('walks nested structures and keeps each element’s exact bytes', () => {
        const inner = derSequence(derInteger(7), derUtf8String('x'));
        const outer = derSequence(derExplicit(0, inner), derOid('2.5.4.3'));
        const [wrapped, oid] = readChildren(decodeDer(outer));
        expect(wrapped.tag).toBe(0xa0);
        const [sequence] = readChildren(wrapped);
        expect(sequence.encoded.equals(inner)).toBe(true);
        expect(decodeInteger(readChildren(sequence)[0])).toBe(7n);
        expect(decodeOid(oid)).toBe('2.5.4.3');
    });

    it('rejects truncated input, indefinite lengths, trailing bytes and multi-byte tags', () => {
        const encoded = derSequence(derInteger(1));
        expect(() => decodeDer(encoded.subarray(0, encoded.length - 1))).toThrow(/runs past the end/);
        expect(() => decodeDer(Buffer.from([0x30, 0x80, 0x00, 0x00]))).toThrow(/indefinite/);
        expect(() => decodeDer(Buffer.concat([encoded, Buffer.from([0])]))).toThrow(/unexpected bytes/);
        expect(() => readDer(Buffer.from([0x1f, 0x81, 0x01, 0x00]))).toThrow(/multi-byte tags/);
        expect(() => readDer(Buffer.from([0x30]))).toThrow(/end of data/);
        expect(() => readChildren(decodeDer(derInteger(1)))).toThrow(/not a constructed/);
    });
});

describe('DER output judged by OpenSSL', () => {
    it('is parsed by `openssl asn1parse` into the values that were written', () => {
        const workspace = new OpensslWorkspace();
        try {
            workspace.write(
                'sample.der',
                derSequence(
                    derInteger(-129n),
                    derOid('1.2.840.113549.1.1.11'),
                    derTime(new Date(Date.UTC(2049, 11, 31, 23, 59, 59))),
                    derTime(new Date(Date.UTC(2050, 0, 1))),
                    derUtf8String('Zürich'),
                    derPrintableString('US'),
                    derBoolean(true),
                    derExplicit(3, derOctetString(Buffer.alloc(200, 1))),
                ),
            );
            const output = workspace.ok('asn1parse', '-inform', 'DER', '-in', 'sample.der');
            expect(output).toMatch(/INTEGER\s+:-81/);
            expect(output).toMatch(/OBJECT\s+:sha256WithRSAEncryption/);
            expect(output).toMatch(/UTCTIME\s+:491231235959Z/);
            expect(output).toMatch(/GENERALIZEDTIME\s+:20500101000000Z/);
            expect(output).toMatch(/UTF8STRING\s+:Zürich/);
            expect(output).toMatch(/PRINTABLESTRING\s+:US/);
            expect(output).toMatch(/BOOLEAN\s+:255/);
            expect(output).toMatch(/cont \[ 3 \]/);
            expect(output).toMatch(/l= 200 prim:\s+OCTET STRING/);
        } finally {
            workspace.dispose();
        }
    });
});
