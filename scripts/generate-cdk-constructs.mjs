// Writes typed CDK L1 classes for the types, from their schemas, the way cdk-import does (cdk-import is not
// on the npm registry this project uses):
//
//   npm run generate:cdk            write examples/cdk/generated/<resource>.ts
//   npm run generate:cdk -- --check exit 1 if a committed file differs from a fresh generation
//
// Each file has a CfnResource subclass whose props interface holds the schema's properties less its
// readOnlyProperties (required as `required` says, nested definitions as interfaces, docs from the
// descriptions), and one typed `attr<Name>` getter per readOnlyProperty: those are attributes, never props.
// The type name comes from the schema, so `npm run configure` runs this script after changing it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { root, types } from './types.mjs';

const TYPES = types
    .map((t) => ({ schema: `${t.folder}/schema.json`, file: t.cdkFile }))
    .filter((t) => existsSync(join(root, t.schema)));
const OUT_DIR = 'examples/cdk/generated';

const camel = (name) => name.charAt(0).toLowerCase() + name.slice(1);
const pointerName = (pointer) => pointer.replace(/^\/properties\//, '');
const refName = (ref) => ref.replace(/^#\/definitions\//, '');

/** A doc comment from a description and the facts a user needs when setting the value. */
function docComment(indent, lines) {
    const text = lines.filter(Boolean).flatMap((line) => line.split('\n'));
    return [`${indent}/**`, ...text.map((l) => `${indent} * ${l.replace(/\*\//g, '*\\/')}`.trimEnd()), `${indent} */`].join('\n');
}

function generate(schemaPath) {
    const schema = JSON.parse(readFileSync(join(root, schemaPath), 'utf8'));
    const resource = schema.typeName.split('::')[2];
    const className = `Cfn${resource}`;
    const readOnly = new Set((schema.readOnlyProperties ?? []).map(pointerName));
    const createOnly = new Set((schema.createOnlyProperties ?? []).map(pointerName));
    const writeOnly = new Set((schema.writeOnlyProperties ?? []).map(pointerName));
    const required = new Set(schema.required ?? []);
    const interfaces = new Map(); // definition name -> generated text, in order of first use

    /** The TypeScript type of a schema node, as aws-cdk-lib's own L1 classes type it (tokens included). */
    function tsType(node) {
        if (node.$ref) return `${objectInterface(refName(node.$ref))} | cdk.IResolvable`;
        switch (node.type) {
            case 'string':
                return 'string';
            case 'integer':
            case 'number':
                return 'number';
            case 'boolean':
                return 'boolean | cdk.IResolvable';
            case 'array': {
                const item = tsType(node.items ?? {});
                return ['string', 'number'].includes(item) ? `${item}[]` : `Array<${item}> | cdk.IResolvable`;
            }
            default:
                return 'any';
        }
    }

    function objectInterface(definition) {
        const name = `${resource}${definition}`;
        if (interfaces.has(definition)) return name;
        interfaces.set(definition, ''); // reserve the slot (and stop recursion) before rendering
        const node = schema.definitions[definition];
        const keys = Object.keys(node.properties ?? {});
        const needed = new Set(node.required ?? []);
        const fields = keys.map((key) => {
            const p = node.properties[key];
            return `${docComment('    ', [p.description, p.default !== undefined && `@default ${JSON.stringify(p.default)}`])}\n    readonly ${camel(key)}${needed.has(key) ? '' : '?'}: ${tsType(p)};`;
        });
        const render = keys.map((key) => `        ${key}: ${renderValue(node.properties[key], `value.${camel(key)}`)},`);
        interfaces.set(
            definition,
            [
                `${docComment('', [node.description])}\nexport interface ${name} {\n${fields.join('\n\n')}\n}`,
                `function render${name}(value: ${name} | cdk.IResolvable): unknown {\n    if (cdk.isResolvableObject(value)) return value;\n    return {\n${render.join('\n')}\n    };\n}`,
            ].join('\n\n'),
        );
        return name;
    }

    /** How a prop value becomes the template's value: nested objects get their PascalCase keys back. */
    function renderValue(node, expression) {
        if (node.$ref) return `${expression} === undefined ? undefined : render${resource}${refName(node.$ref)}(${expression})`;
        if (node.type === 'array' && node.items?.$ref) {
            return `${expression} === undefined || cdk.isResolvableObject(${expression}) ? ${expression} : ${expression}.map(render${resource}${refName(node.items.$ref)})`;
        }
        return expression;
    }

    const inputs = Object.keys(schema.properties).filter((name) => !readOnly.has(name));
    const propFields = inputs.map((name) => {
        const p = schema.properties[name];
        const facts = [
            p.enum && `Allowed values: ${p.enum.join(', ')}.`,
            p.default !== undefined && `@default ${JSON.stringify(p.default)}`,
            createOnly.has(name) && 'Changing it replaces the resource.',
            writeOnly.has(name) && 'Write-only: the resource never reports it back.',
        ];
        return `${docComment('    ', [p.description, ...facts])}\n    readonly ${camel(name)}${required.has(name) ? '' : '?'}: ${tsType(p)};`;
    });
    const attributes = [...readOnly].map((name) => {
        const p = schema.properties[name];
        const [type, wrap] =
            p.type === 'string' ? ['string', 'cdk.Token.asString'] : p.type === 'integer' || p.type === 'number' ? ['number', 'cdk.Token.asNumber'] : p.type === 'array' && p.items?.type === 'string' ? ['string[]', 'cdk.Token.asList'] : ['cdk.IResolvable', ''];
        return { name, type, wrap, description: p.description };
    });
    const attributeFields = attributes.map((a) => `${docComment('    ', [a.description, `@cloudformationAttribute ${a.name}`])}\n    public readonly attr${a.name}: ${a.type};`);
    const attributeInits = attributes.map((a) => `        this.attr${a.name} = ${a.wrap ? `${a.wrap}(this.getAtt('${a.name}'))` : `this.getAtt('${a.name}')`};`);
    const renderProps = inputs.map((name) => `        ${name}: ${renderValue(schema.properties[name], `props.${camel(name)}`)},`);

    return `// Generated by \`npm run generate:cdk\` from ${schemaPath}; do not edit.
import * as cdk from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';

${docComment('', [`Properties of a \`${schema.typeName}\`.`])}
export interface ${className}Props {
${propFields.join('\n\n')}
}
${[...interfaces.values()].map((text) => `\n${text}\n`).join('')}
${docComment('', [schema.description, '', `\`Ref\` returns the ${schema.primaryIdentifier.map(pointerName).join(', ')}.`, '', `@cloudformationResource ${schema.typeName}`])}
export class ${className} extends cdk.CfnResource {
    public static readonly CFN_RESOURCE_TYPE_NAME = '${schema.typeName}';

${attributeFields.join('\n\n')}

    constructor(scope: Construct, id: string, props: ${className}Props) {
        super(scope, id, { type: ${className}.CFN_RESOURCE_TYPE_NAME, properties: render${className}Props(props) });
${attributeInits.join('\n')}
    }
}

function render${className}Props(props: ${className}Props): Record<string, unknown> {
    return {
${renderProps.join('\n')}
    };
}
`;
}

const check = process.argv.includes('--check');
const stale = [];
for (const { schema, file } of TYPES) {
    const path = join(OUT_DIR, file);
    const text = generate(schema);
    if (check) {
        let committed = '';
        try {
            committed = readFileSync(join(root, path), 'utf8');
        } catch {
            // missing counts as stale
        }
        if (committed !== text) stale.push(path);
    } else {
        mkdirSync(join(root, OUT_DIR), { recursive: true });
        writeFileSync(join(root, path), text);
        console.log(`${path}: ${JSON.parse(readFileSync(join(root, schema), 'utf8')).typeName}`);
    }
}
if (stale.length) {
    console.error(`Out of date with the schemas (run npm run generate:cdk): ${stale.join(', ')}`);
    process.exit(1);
}
