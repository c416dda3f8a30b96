/**
 * What a template may say about each of this project's types, read from the schemas (the registry's own
 * source of truth): a validator for `Properties` and the attribute names `Fn::GetAtt` may ask for.
 *
 * In a template a property's value may be an intrinsic function (`!Ref SubnetsParameter`, `!GetAtt …`,
 * `!Sub …`) that only CloudFormation can resolve. Every value position of the schema is therefore wrapped as
 * `if <intrinsic> then accept else <the schema's own rule>`, so an intrinsic is accepted where a value is
 * expected and a literal value is held to every rule (type, pattern, enum, bounds, required, no extras).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import clusterSchema from '../../cluster-resource/schema.json';
import keyStoreSchema from '../../keystore-resource/schema.json';
import kmsKeySchema from '../../kmskey-resource/schema.json';

type JsonSchema = Record<string, any>;

export interface TypeRules {
    typeName: string;
    /** Properties that only CloudFormation reports (readOnlyProperties): attributes, never inputs. */
    attributes: string[];
    validateProperties: ValidateFunction;
}

export const INTRINSIC_FUNCTIONS = [
    'Ref', 'Condition', 'Fn::Base64', 'Fn::Cidr', 'Fn::FindInMap', 'Fn::GetAtt', 'Fn::GetAZs', 'Fn::If', 'Fn::ImportValue',
    'Fn::Join', 'Fn::Select', 'Fn::Split', 'Fn::Sub', 'Fn::Transform', 'Fn::Length', 'Fn::ToJsonString',
];
const INTRINSIC = '__Intrinsic';
const INTRINSIC_SCHEMA = { type: 'object', minProperties: 1, maxProperties: 1, propertyNames: { enum: INTRINSIC_FUNCTIONS } };
/** Keywords of a registry schema that constrain a value; the rest (descriptions, handlers …) are dropped. */
const STRUCTURE = ['properties', 'items', 'additionalProperties', 'patternProperties', 'oneOf', 'anyOf', 'allOf'];

const readOnlyNames = (schema: JsonSchema): string[] => (schema.readOnlyProperties ?? []).map((p: string) => p.replace(/^\/properties\//, '').replace(/\//g, '.'));

/** Wraps every value position below `node` so that an intrinsic function is accepted in its place. */
function acceptIntrinsics(node: JsonSchema): JsonSchema {
    if (typeof node !== 'object' || node === null) return node;
    const copy: JsonSchema = { ...node };
    if (copy.properties) copy.properties = Object.fromEntries(Object.entries(copy.properties).map(([k, v]) => [k, orIntrinsic(v as JsonSchema)]));
    if (copy.patternProperties) copy.patternProperties = Object.fromEntries(Object.entries(copy.patternProperties).map(([k, v]) => [k, orIntrinsic(v as JsonSchema)]));
    if (copy.items) copy.items = Array.isArray(copy.items) ? copy.items.map(orIntrinsic) : orIntrinsic(copy.items);
    if (typeof copy.additionalProperties === 'object') copy.additionalProperties = orIntrinsic(copy.additionalProperties);
    for (const combinator of ['oneOf', 'anyOf', 'allOf']) if (copy[combinator]) copy[combinator] = copy[combinator].map(acceptIntrinsics);
    return copy;
}

function orIntrinsic(node: JsonSchema): JsonSchema {
    return { if: { $ref: `#/definitions/${INTRINSIC}` }, then: true, else: acceptIntrinsics(node) };
}

/** The schema a template's `Properties` must meet: the type's properties less its read-only ones. */
export function inputSchema(schema: JsonSchema): JsonSchema {
    const readOnly = new Set(readOnlyNames(schema));
    const properties = Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !readOnly.has(name)));
    const root: JsonSchema = { type: 'object', properties, required: schema.required ?? [], additionalProperties: false };
    for (const keyword of STRUCTURE) if (keyword !== 'properties' && keyword !== 'additionalProperties' && schema[keyword]) root[keyword] = schema[keyword];
    const definitions = Object.fromEntries(Object.entries(schema.definitions ?? {}).map(([name, d]) => [name, acceptIntrinsics(d as JsonSchema)]));
    return { ...acceptIntrinsics(root), definitions: { ...definitions, [INTRINSIC]: INTRINSIC_SCHEMA } };
}

export function typeRules(schemas: JsonSchema[] = [clusterSchema, keyStoreSchema, kmsKeySchema]): Map<string, TypeRules> {
    const ajv = new Ajv({ strict: false, allErrors: true });
    return new Map(
        schemas.map((schema) => [
            schema.typeName as string,
            { typeName: schema.typeName, attributes: readOnlyNames(schema), validateProperties: ajv.compile(inputSchema(schema)) },
        ]),
    );
}
