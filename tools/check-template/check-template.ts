/**
 * Checks what a template says about this project's types, which cfn-lint cannot (it does not read registry
 * schemas): each resource of our types against its schema, and every Ref, Fn::GetAtt and Fn::Sub reference
 * in the template against what exists (a GetAtt on one of our types must name one of its attributes, that is
 * a readOnlyProperty of its schema).
 */
import type { ErrorObject } from 'ajv';
import { typeRules, type TypeRules } from './type-schemas';

export interface Problem {
    /** The resource's logical ID, `Outputs.<name>`, or `(template)`. */
    resource: string;
    /** Where in it, e.g. `Properties.SubnetIds[0]`. */
    path: string;
    message: string;
}

export const formatProblem = (p: Problem): string => `${p.resource} ${p.path}: ${p.message}`;

type Json = Record<string, any>;

const PSEUDO_PARAMETERS = ['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix'];
const RESOURCE_KEYS = ['Type', 'Properties', 'DependsOn', 'Metadata', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'CreationPolicy', 'UpdatePolicy'];
/** Snapshot is for the AWS types that support it; registry types take these. */
const RETENTION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate'];

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkTemplate(template: unknown, rules: Map<string, TypeRules> = typeRules()): Problem[] {
    if (!isObject(template) || !isObject(template.Resources)) return [{ resource: '(template)', path: 'Resources', message: 'a template needs a Resources map' }];
    const resources: Json = template.Resources;
    const problems: Problem[] = [];
    for (const [logicalId, resource] of Object.entries(resources)) {
        const type = rules.get(resource?.Type);
        if (type) problems.push(...checkResource(logicalId, resource, type));
    }
    const names = { resources, parameters: new Set(Object.keys(isObject(template.Parameters) ? template.Parameters : {})), rules };
    for (const [logicalId, resource] of Object.entries(resources)) problems.push(...checkReferences(logicalId, '', resource, names));
    for (const [name, output] of Object.entries(isObject(template.Outputs) ? template.Outputs : {})) problems.push(...checkReferences(`Outputs.${name}`, '', output, names));
    return problems;
}

function checkResource(logicalId: string, resource: Json, type: TypeRules): Problem[] {
    const problems: Problem[] = [];
    const problem = (path: string, message: string) => problems.push({ resource: logicalId, path, message });
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.includes(key)) problem(key, `is not a resource attribute (expected one of ${RESOURCE_KEYS.join(', ')})`);
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
        if (resource[key] !== undefined && !RETENTION_POLICIES.includes(resource[key])) problem(key, `must be one of: ${RETENTION_POLICIES.join(', ')}`);
    }
    const given = resource.Properties ?? {};
    if (!isObject(given)) {
        problem('Properties', 'must be a map of property names to values');
        return problems;
    }
    const properties = { ...given };
    for (const name of type.attributes.filter((a) => a in properties)) {
        problem(`Properties.${name}`, `is read-only: an attribute of ${type.typeName} to read with Fn::GetAtt, not a property to set`);
        delete properties[name];
    }
    if (!type.validateProperties(properties)) {
        for (const error of type.validateProperties.errors ?? []) {
            if (error.keyword === 'if') continue; // the wrapper that lets intrinsics through; the real rule reported its own error
            problems.push(toProblem(logicalId, type.typeName, error));
        }
    }
    return problems;
}

function toProblem(logicalId: string, typeName: string, error: ErrorObject): Problem {
    let path = 'Properties' + error.instancePath.split('/').slice(1).map((t) => (/^\d+$/.test(t) ? `[${t}]` : `.${t}`)).join('');
    let message = error.message ?? error.keyword;
    if (error.keyword === 'additionalProperties') {
        path += `.${error.params.additionalProperty}`;
        message = path.split('.').length === 2 ? `is not a property of ${typeName}` : 'is not allowed here';
    } else if (error.keyword === 'required') {
        path += `.${error.params.missingProperty}`;
        message = 'is required';
    } else if (error.keyword === 'enum') {
        message = `must be one of: ${error.params.allowedValues.join(', ')}`;
    }
    return { resource: logicalId, path, message };
}

interface Names {
    resources: Json;
    parameters: Set<string>;
    rules: Map<string, TypeRules>;
}

/** Walks a resource or output for Ref, Fn::GetAtt and Fn::Sub, and checks what each one names. */
function checkReferences(owner: string, path: string, value: unknown, names: Names): Problem[] {
    if (Array.isArray(value)) return value.flatMap((item, i) => checkReferences(owner, `${path}[${i}]`, item, names));
    if (!isObject(value)) return [];
    const at = (key: string) => (path ? `${path}.${key}` : key);
    const problems: Problem[] = [];
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof value.Ref === 'string') problems.push(...checkRef(owner, path, value.Ref, names));
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
        const [target, attribute] = typeof value['Fn::GetAtt'] === 'string' ? splitAttribute(value['Fn::GetAtt']) : (value['Fn::GetAtt'] as unknown[]);
        problems.push(...checkGetAtt(owner, path, target, attribute, names));
    }
    if (keys.length === 1 && keys[0] === 'Fn::Sub') {
        const [text, variables] = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'] : [value['Fn::Sub'], {}];
        if (typeof text === 'string') {
            const local = new Set(Object.keys(isObject(variables) ? variables : {}));
            for (const [, name] of text.matchAll(/\$\{(?!!)([^}]+)\}/g)) {
                const reference = name.trim();
                if (local.has(reference)) continue;
                if (reference.includes('.') && !reference.startsWith('AWS::')) problems.push(...checkGetAtt(owner, path, ...splitAttribute(reference), names));
                else problems.push(...checkRef(owner, path, reference, names));
            }
        }
    }
    for (const key of keys) problems.push(...checkReferences(owner, at(key), value[key], names));
    return problems;
}

function splitAttribute(text: string): [string, string] {
    const dot = text.indexOf('.');
    return dot < 0 ? [text, ''] : [text.slice(0, dot), text.slice(dot + 1)];
}

function checkRef(owner: string, path: string, target: string, names: Names): Problem[] {
    if (target in names.resources || names.parameters.has(target) || PSEUDO_PARAMETERS.includes(target)) return [];
    return [{ resource: owner, path: path || 'Ref', message: `Ref ${target}: no resource or parameter of that name in the template` }];
}

function checkGetAtt(owner: string, path: string, target: unknown, attribute: unknown, names: Names): Problem[] {
    if (typeof target !== 'string') return [];
    const where = path || 'Fn::GetAtt';
    if (!(target in names.resources)) return [{ resource: owner, path: where, message: `Fn::GetAtt ${target}.${String(attribute)}: no resource ${target} in the template` }];
    const type = names.rules.get(names.resources[target]?.Type);
    if (!type || typeof attribute !== 'string' || type.attributes.includes(attribute)) return [];
    return [{ resource: owner, path: where, message: `Fn::GetAtt ${target}.${attribute}: ${type.typeName} has no attribute ${attribute} (its attributes: ${type.attributes.join(', ')})` }];
}
