import { derToPem, isPem, pemToDer } from './pem';

const der = Buffer.from('3003020101', 'hex');
const pem = derToPem(der, 'CERTIFICATE');

describe('isPem', () => {
    it('accepts one well-formed block, with CRLF line ends and surrounding whitespace', () => {
        expect(isPem(pem, 'CERTIFICATE')).toBe(true);
        expect(isPem(`\r\n  ${pem.replace(/\n/g, '\r\n')}  \n`, 'CERTIFICATE')).toBe(true);
    });

    it('rejects another label, stray text, two blocks, bad base64 and non-strings', () => {
        expect(isPem(pem, 'CERTIFICATE REQUEST')).toBe(false);
        expect(isPem(`Certificate:\n${pem}`, 'CERTIFICATE')).toBe(false);
        expect(isPem(pem + pem, 'CERTIFICATE')).toBe(false);
        expect(isPem('-----BEGIN CERTIFICATE-----\nMAMC*QE=\n-----END CERTIFICATE-----', 'CERTIFICATE')).toBe(false);
        expect(isPem('-----BEGIN CERTIFICATE-----\nMAMCAQ\n-----END CERTIFICATE-----', 'CERTIFICATE')).toBe(false);
        expect(isPem('-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----', 'CERTIFICATE')).toBe(false);
        expect(isPem(undefined, 'CERTIFICATE')).toBe(false);
        expect(isPem(42, 'CERTIFICATE')).toBe(false);
    });
});

describe('pemToDer / derToPem', () => {
    it('round-trips, wrapping base64 at 64 characters', () => {
        const long = Buffer.alloc(100, 7);
        const longPem = derToPem(long, 'CERTIFICATE');
        expect(longPem.split('\n')[1]).toHaveLength(64);
        expect(pemToDer(longPem, 'CERTIFICATE', 'the certificate').equals(long)).toBe(true);
        expect(pemToDer(pem, 'CERTIFICATE', 'the certificate').equals(der)).toBe(true);
    });

    it('says what is wrong with the input, naming it', () => {
        expect(() => pemToDer('', 'CERTIFICATE', 'the trust anchor')).toThrow('the trust anchor is empty');
        expect(() => pemToDer('hello', 'CERTIFICATE', 'the trust anchor')).toThrow('the trust anchor is not PEM');
        expect(() => pemToDer(pem + pem, 'CERTIFICATE', 'the trust anchor')).toThrow('holds 2 PEM blocks');
        expect(() => pemToDer(derToPem(der, 'PRIVATE KEY'), 'CERTIFICATE', 'the trust anchor')).toThrow('is a PEM "PRIVATE KEY" block');
        expect(() => pemToDer(`junk ${pem}`, 'CERTIFICATE', 'the trust anchor')).toThrow('not well-formed PEM');
    });

    it('accepts any of several labels', () => {
        expect(pemToDer(derToPem(der, 'NEW CERTIFICATE REQUEST'), ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'], 'the CSR').equals(der)).toBe(true);
    });
});
