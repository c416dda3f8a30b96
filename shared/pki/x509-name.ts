import { decodeDer, decodeOid, decodeString, derOid, derSequence, derSet, derUtf8String, DerTag, expectTag, readChildren } from './der';
import { PkiError } from './errors';
import { Oid } from './oids';

/** RFC 5280 upper bound for commonName and organizationName. */
export const MAX_NAME_ATTRIBUTE_LENGTH = 64;

const SHORT_NAMES: Record<string, string> = {
    [Oid.commonName]: 'CN',
    [Oid.countryName]: 'C',
    [Oid.localityName]: 'L',
    [Oid.stateOrProvinceName]: 'ST',
    [Oid.organizationName]: 'O',
    [Oid.organizationalUnitName]: 'OU',
};

function nameAttribute(oid: string, value: string, what: string): Buffer {
    if (value.trim() === '') throw new PkiError(`${what} must not be empty`);
    if ([...value].length > MAX_NAME_ATTRIBUTE_LENGTH) {
        throw new PkiError(`${what} is longer than ${MAX_NAME_ATTRIBUTE_LENGTH} characters`);
    }
    return derSet(derSequence(derOid(oid), derUtf8String(value)));
}

/** A distinguished name, most significant attribute first (O, then CN). */
export function buildName(attributes: { commonName: string; organization?: string }): Buffer {
    const relativeNames: Buffer[] = [];
    if (attributes.organization !== undefined) {
        relativeNames.push(nameAttribute(Oid.organizationName, attributes.organization, 'the organization'));
    }
    relativeNames.push(nameAttribute(Oid.commonName, attributes.commonName, 'the common name'));
    return derSequence(...relativeNames);
}

/** Every attribute of a Name in order, as [OID, value] pairs; values of unknown string types are skipped. */
export function readNameAttributes(nameDer: Buffer): [string, string][] {
    const name = expectTag(decodeDer(nameDer), DerTag.SEQUENCE, 'Name');
    const attributes: [string, string][] = [];
    for (const relativeName of readChildren(name)) {
        for (const attribute of readChildren(expectTag(relativeName, DerTag.SET, 'RelativeDistinguishedName'))) {
            const [type, value] = readChildren(expectTag(attribute, DerTag.SEQUENCE, 'AttributeTypeAndValue'));
            try {
                attributes.push([decodeOid(type), decodeString(value)]);
            } catch (error) {
                if (!(error instanceof PkiError)) throw error;
            }
        }
    }
    return attributes;
}

/** The most specific (last) common name, if any. */
export function readCommonName(nameDer: Buffer): string | undefined {
    const commonNames = readNameAttributes(nameDer).filter(([oid]) => oid === Oid.commonName);
    return commonNames.length > 0 ? commonNames[commonNames.length - 1][1] : undefined;
}

/** "O=Example, CN=Root" — for messages. */
export function describeName(nameDer: Buffer): string {
    const attributes = readNameAttributes(nameDer);
    if (attributes.length === 0) return '(empty name)';
    return attributes.map(([oid, value]) => `${SHORT_NAMES[oid] ?? oid}=${value}`).join(', ');
}
