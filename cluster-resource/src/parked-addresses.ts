/**
 * The IPv4 addresses a parked cluster's HSMs had, as the type keeps them in one tag on the cluster while the
 * cluster has no HSMs (HsmsPerSubnet 0): clients and firewall rules that name HSM addresses keep working when
 * the cluster grows back. Pure: no I/O.
 *
 * A tag value holds at most 256 characters of letters, digits, spaces and `_ . : / = + - @`; 28 addresses
 * (a cluster's maximum) written out need up to 447. The octets all addresses share are written once, before
 * `=`: "10.0.=1.5 1.6 2.9". Within one VPC CIDR block (at most a /16) every address fits that way.
 */
export const MAX_TAG_VALUE_CHARS = 256;

export function encodeParkedAddresses(addresses: string[]): { value: string; dropped: string[] } {
    const kept = [...addresses];
    const dropped: string[] = [];
    for (;;) {
        const value = encodeAll(kept);
        if (value.length <= MAX_TAG_VALUE_CHARS) return { value, dropped };
        dropped.unshift(kept.pop()!);
    }
}

export function decodeParkedAddresses(value: string | undefined): string[] {
    if (!value) return [];
    const split = value.indexOf('=');
    const prefix = split < 0 ? '' : value.slice(0, split);
    return value
        .slice(split + 1)
        .split(' ')
        .filter(Boolean)
        .map((suffix) => prefix + suffix);
}

function encodeAll(addresses: string[]): string {
    if (!addresses.length) return '';
    const octets = addresses.map((a) => a.split('.'));
    let shared = 0;
    while (shared < 3 && octets.every((o) => o[shared] === octets[0][shared])) shared++;
    const prefix = shared ? octets[0].slice(0, shared).join('.') + '.' : '';
    return `${prefix}=${octets.map((o) => o.slice(shared).join('.')).join(' ')}`;
}

const toNumber = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const start = toNumber(base) - (toNumber(base) % size);
    const address = toNumber(ip);
    return address >= start && address < start + size;
}
