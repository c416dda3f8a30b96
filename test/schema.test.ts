/**
 * Each type's schema as the CloudFormation registry will judge it: the registry's own meta-schema, and the
 * rules the registry (or the `cfn` CLI) enforces beyond it (reference/registry-notes.md). Also that the
 * model class the handlers use carries exactly the schema's properties.
 */
import Ajv from 'ajv';
import clusterSchema from '../cluster-resource/schema.json';
import { ClusterModel } from '../cluster-resource/src/resource-model';
import keyStoreSchema from '../keystore-resource/schema.json';
import { KeyStoreModel } from '../keystore-resource/src/resource-model';
import kmsKeySchema from '../kmskey-resource/schema.json';
import { KmsKeyModel } from '../kmskey-resource/src/resource-model';
import baseMetaSchema from './meta-schema/base.definition.schema.v1.json';
import configurationMetaSchema from './meta-schema/provider.configuration.definition.schema.v1.json';
import providerMetaSchema from './meta-schema/provider.definition.schema.v1.json';

type JsonSchema = Record<string, any>;

const RESERVED_ORGANIZATIONS = ['alexa', 'amzn', 'amazon', 'aws', 'custom', 'dev'];
const TYPE_NAME = /^[a-zA-Z0-9]{2,64}::[a-zA-Z0-9]{2,64}::[a-zA-Z0-9]{2,64}$/;
/** RFC 6901: a sequence of `/`-prefixed tokens in which `~` only appears as `~0` or `~1`. */
const JSON_POINTER = /^(?:\/(?:[^~/]|~[01])*)*$/;
const TIMEOUT_MINUTES = { min: 2, max: 2160 };

function metaSchemaValidator() {
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is not installed; the formats the meta-schemas (and the draft-07 parts they $ref) use are
    // checked here for real.
    ajv.addFormat('json-pointer', JSON_POINTER);
    ajv.addFormat('uri', { validate: (uri: string) => URL.canParse(uri) });
    ajv.addFormat('uri-reference', { validate: (reference: string) => URL.canParse(reference, 'https://relative.invalid/') });
    ajv.addFormat('regex', {
        validate: (pattern: string) => {
            try {
                new RegExp(pattern);
                return true;
            } catch {
                return false;
            }
        },
    });
    // Registered under their $id URLs, by which they $ref each other: nothing is fetched.
    ajv.addSchema(baseMetaSchema as JsonSchema);
    ajv.addSchema(configurationMetaSchema as JsonSchema);
    return ajv.compile(providerMetaSchema as JsonSchema);
}

/** Follows a JSON pointer like `/properties/Tags` or `/properties/Hsms/HsmId` through $refs and array items. */
function resolvePropertyPointer(root: JsonSchema, pointer: string): JsonSchema | undefined {
    const tokens = pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (tokens[0] !== 'properties' || tokens.length < 2) return undefined;
    let node: JsonSchema | undefined = root.properties?.[tokens[1]];
    for (const token of tokens.slice(2)) {
        node = dereference(root, node);
        if (node?.type === 'array' || node?.items) node = dereference(root, node?.items);
        node = node?.properties?.[token];
    }
    return node;
}

function dereference(root: JsonSchema, node: JsonSchema | undefined): JsonSchema | undefined {
    const ref: string | undefined = node?.$ref;
    if (!ref) return node;
    if (!ref.startsWith('#/definitions/')) throw new Error(`Unexpected $ref ${ref}`);
    return root.definitions?.[ref.slice('#/definitions/'.length)];
}

/** Every object schema in the document, with where it is, for the nested-object rules. */
function objectSchemas(root: JsonSchema): Array<{ where: string; node: JsonSchema }> {
    const found: Array<{ where: string; node: JsonSchema }> = [];
    const visit = (where: string, node: unknown) => {
        if (!node || typeof node !== 'object') return;
        const n = node as JsonSchema;
        if (n.type === 'object' || n.properties) found.push({ where, node: n });
        for (const [name, child] of Object.entries(n.properties ?? {})) visit(`${where}/properties/${name}`, child);
        if (n.items) visit(`${where}/items`, n.items);
    };
    for (const [name, definition] of Object.entries(root.definitions ?? {})) visit(`#/definitions/${name}`, definition);
    for (const [name, property] of Object.entries(root.properties ?? {})) visit(`#/properties/${name}`, property);
    return found;
}

/** A value of the schema's type for one property, enough for the model to carry it. */
function sampleValue(root: JsonSchema, property: JsonSchema): unknown {
    const node = dereference(root, property)!;
    if (node.enum) return node.enum[0];
    // A property of several types (KeyPolicy: object or string) is sampled as its last one.
    switch (Array.isArray(node.type) ? node.type[node.type.length - 1] : node.type) {
        case 'string':
            return 'sample';
        case 'integer':
        case 'number':
            return node.minimum ?? 1;
        case 'boolean':
            return true;
        case 'array':
            return [sampleValue(root, node.items)];
        case 'object':
            return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, v]) => [k, sampleValue(root, v as JsonSchema)]));
        default:
            throw new Error(`No sample for type ${node.type}`);
    }
}

interface TypeUnderTest {
    /** The resource part of the type name (the organization part is configurable). */
    resource: string;
    typeName: string;
    schema: JsonSchema;
    Model: { deserialize(input: unknown): { serialize(): Record<string, unknown> } };
    /** Where the schema defines nested objects, each of which must be closed and described. */
    nestedObjects: string[];
}

const TYPES: TypeUnderTest[] = [
    { resource: 'Cluster', typeName: clusterSchema.typeName, schema: clusterSchema as JsonSchema, Model: ClusterModel, nestedObjects: ['#/definitions/Tag', '#/definitions/Hsm'] },
    { resource: 'KeyStore', typeName: keyStoreSchema.typeName, schema: keyStoreSchema as JsonSchema, Model: KeyStoreModel, nestedObjects: [] },
    { resource: 'KmsKey', typeName: kmsKeySchema.typeName, schema: kmsKeySchema as JsonSchema, Model: KmsKeyModel, nestedObjects: ['#/definitions/Tag'] },
];

describe.each(TYPES)('the $typeName schema', ({ resource, schema, nestedObjects }) => {
    it(`is the schema of the CloudHsm ${resource} type`, () => {
        expect(schema.typeName).toMatch(new RegExp(`::CloudHsm::${resource}$`));
    });

    it('is valid against the registry meta-schema provider.definition.schema.v1', () => {
        const validate = metaSchemaValidator();

        const valid = validate(schema);

        expect(validate.errors ?? []).toEqual([]);
        expect(valid).toBe(true);
    });

    it('is judged by a meta-schema that does reject a broken version of it', () => {
        const validate = metaSchemaValidator();
        const broken = { ...schema, readOnlyProperties: ['properties/NotAPointer'], handlers: { create: { permissions: [], timeoutInMinutes: 1 } } };
        delete (broken as JsonSchema).primaryIdentifier;

        expect(validate(broken)).toBe(false);
        const complaints = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('\n');
        expect(complaints).toMatch(/primaryIdentifier/);
        expect(complaints).toMatch(/readOnlyProperties\/0 must match format "json-pointer"/);
        expect(complaints).toMatch(/timeoutInMinutes must be >= 2/);
    });

    it('has a type name Org::Service::Resource of 2–64 alphanumerics each, outside the reserved organizations', () => {
        expect(schema.typeName).toMatch(TYPE_NAME);
        const organization = String(schema.typeName).split('::')[0].toLowerCase();
        expect(RESERVED_ORGANIZATIONS).not.toContain(organization);
    });

    it('points every identifier and property list at a defined property', () => {
        const lists = ['readOnlyProperties', 'writeOnlyProperties', 'createOnlyProperties', 'primaryIdentifier', 'deprecatedProperties'];
        const pointers = [
            ...lists.flatMap((list) => ((schema[list] ?? []) as string[]).map((pointer) => ({ list, pointer }))),
            ...((schema.additionalIdentifiers ?? []) as string[][]).flat().map((pointer) => ({ list: 'additionalIdentifiers', pointer })),
            ...(schema.tagging?.tagProperty ? [{ list: 'tagging.tagProperty', pointer: schema.tagging.tagProperty as string }] : []),
        ];

        const dangling = pointers.filter(({ pointer }) => !JSON_POINTER.test(pointer) || !resolvePropertyPointer(schema, pointer));

        expect(pointers.length).toBeGreaterThan(0);
        expect(dangling).toEqual([]);
        expect(resolvePropertyPointer(schema, '/properties/NoSuchProperty')).toBeUndefined();
    });

    it('requires only properties it defines, none of them read-only', () => {
        const readOnly = new Set(((schema.readOnlyProperties ?? []) as string[]).map((p) => p.replace('/properties/', '')));

        const undefinedOrReadOnly = ((schema.required ?? []) as string[]).filter((name) => !schema.properties[name] || readOnly.has(name));

        expect(undefinedOrReadOnly).toEqual([]);
    });

    it('closes every object with additionalProperties false', () => {
        const objects = objectSchemas(schema);

        const open = objects.filter(({ node }) => node.additionalProperties !== false).map(({ where }) => where);

        expect(objects.map(({ where }) => where).sort()).toEqual([...nestedObjects].sort());
        expect(open).toEqual([]);
        expect(schema.additionalProperties).toBe(false);
    });

    it('gives each handler permissions, and any timeout within 2–2160 minutes', () => {
        const handlers = Object.entries(schema.handlers as Record<string, { permissions?: string[]; timeoutInMinutes?: number }>);

        expect(handlers.map(([action]) => action).sort()).toEqual(['create', 'delete', 'list', 'read', 'update']);
        const withoutPermissions = handlers.filter(([, h]) => !Array.isArray(h.permissions) || h.permissions.length === 0).map(([action]) => action);
        const outOfRange = handlers
            .filter(([, h]) => h.timeoutInMinutes !== undefined && !(h.timeoutInMinutes >= TIMEOUT_MINUTES.min && h.timeoutInMinutes <= TIMEOUT_MINUTES.max))
            .map(([action, h]) => `${action}: ${h.timeoutInMinutes}`);
        expect(withoutPermissions).toEqual([]);
        expect(outOfRange).toEqual([]);
    });

    it('describes every property, nested ones included', () => {
        const described: string[] = [];
        const undescribed: string[] = [];
        let nestedProperties = 0;
        for (const { where, node } of objectSchemas(schema)) {
            for (const [name, property] of Object.entries(node.properties ?? {})) {
                nestedProperties += 1;
                const target = (property as JsonSchema).description ? described : undescribed;
                target.push(`${where}/properties/${name}`);
            }
        }
        for (const [name, property] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
            (property.description ? described : undescribed).push(`#/properties/${name}`);
        }

        expect(nestedProperties > 0).toBe(nestedObjects.length > 0);
        expect(described).toHaveLength(Object.keys(schema.properties).length + nestedProperties);
        expect(undescribed).toEqual([]);
    });
});

describe.each(TYPES)('the model class of $typeName', ({ schema, Model }) => {
    it('carries exactly the properties of the schema', () => {
        const everyProperty = Object.fromEntries(Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, p]) => [name, sampleValue(schema, p)]));

        const roundTripped = Model.deserialize(everyProperty).serialize();

        expect(Object.keys(roundTripped).sort()).toEqual(Object.keys(schema.properties).sort());
    });
});

describe('the ClusterModel class', () => {
    const schema = clusterSchema as JsonSchema;

    it('carries exactly the properties of each nested definition', () => {
        const everyProperty = Object.fromEntries(Object.entries(schema.properties as Record<string, JsonSchema>).map(([name, p]) => [name, sampleValue(schema, p)]));

        const roundTripped = ClusterModel.deserialize(everyProperty).serialize() as Record<string, Array<Record<string, unknown>>>;

        expect(Object.keys(roundTripped.Tags[0]).sort()).toEqual(Object.keys(schema.definitions.Tag.properties).sort());
        expect(Object.keys(roundTripped.Hsms[0]).sort()).toEqual(Object.keys(schema.definitions.Hsm.properties).sort());
    });
});

describe('the KmsKeyModel class', () => {
    it('turns primitives CloudFormation sends as strings into the schema types, and keeps a key policy object whole', () => {
        const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }] };

        const model = KmsKeyModel.deserialize({ Enabled: 'false', PendingWindowInDays: '7', MultiRegion: 'true', KeyPolicy: policy });

        expect(model).toMatchObject({ Enabled: false, PendingWindowInDays: 7, MultiRegion: true, KeyPolicy: policy });
        expect(kmsKeySchema.properties.PendingWindowInDays.type).toBe('integer');
    });
});

describe('the KeyStoreModel class', () => {
    it('turns primitives CloudFormation sends as strings into the schema type', () => {
        const model = KeyStoreModel.deserialize({ KmsUserPasswordVersion: '3' });

        expect(model.KmsUserPasswordVersion).toBe(3);
        expect(keyStoreSchema.properties.KmsUserPasswordVersion.type).toBe('integer');
    });
});
