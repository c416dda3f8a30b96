/** The tag value that holds a parked cluster's HSM addresses: at most 256 characters, read back as written. */
import { decodeParkedAddresses, encodeParkedAddresses, inCidr, MAX_TAG_VALUE_CHARS } from '../../cluster-resource/src/parked-addresses';

const CLOUDHSM_TAG_VALUE = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

test('the 28 HSMs a cluster can hold, spread over a /16 VPC, fit in one tag and read back in order', () => {
    const addresses = Array.from({ length: 28 }, (_, i) => `10.20.${100 + (i % 10) * 15}.${200 + i}`);
    const { value, dropped } = encodeParkedAddresses(addresses);
    expect(dropped).toEqual([]);
    expect(value.length).toBeLessThanOrEqual(MAX_TAG_VALUE_CHARS);
    expect(value).toMatch(CLOUDHSM_TAG_VALUE);
    expect(value.startsWith('10.20.=')).toBe(true);
    expect(decodeParkedAddresses(value)).toEqual(addresses);
});

test('addresses that share no octet are written whole; those past 256 characters are dropped from the end and named', () => {
    const addresses = Array.from({ length: 28 }, (_, i) => `${i % 2 ? 10 : 100}.${64 + i}.${128 + i}.${200 + i}`);
    const { value, dropped } = encodeParkedAddresses(addresses);
    expect(value.length).toBeLessThanOrEqual(MAX_TAG_VALUE_CHARS);
    expect(dropped.length).toBeGreaterThan(0);
    expect([...decodeParkedAddresses(value), ...dropped]).toEqual(addresses);
});

test('no tag, no addresses; containment in a subnet CIDR', () => {
    expect(decodeParkedAddresses(undefined)).toEqual([]);
    expect(inCidr('10.0.1.4', '10.0.1.0/24')).toBe(true);
    expect(inCidr('10.0.2.4', '10.0.1.0/24')).toBe(false);
    expect(inCidr('10.0.1.20', '10.0.1.16/28')).toBe(true);
    expect(inCidr('10.0.1.32', '10.0.1.16/28')).toBe(false);
});
