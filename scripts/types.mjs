// The product's types and their cfn settings, from the repository root's .rpdk-config, and the organization
// from package.json config.typeOrganization: what every script that walks the types reads.
import { readFileSync } from 'fs';
import { join } from 'path';

export const root = new URL('..', import.meta.url).pathname;

const RESERVED = ['alexa', 'amzn', 'amazon', 'aws', 'custom', 'dev'];

export const suite = JSON.parse(readFileSync(join(root, '.rpdk-config'), 'utf8'));

export const organization = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).config?.typeOrganization ?? 'Community';
if (!/^[a-zA-Z0-9]{2,64}$/.test(organization) || RESERVED.includes(organization.toLowerCase())) {
    throw new Error(`config.typeOrganization "${organization}" is not a usable namespace: 2-64 letters or digits, not ${RESERVED.join(', ')}.`);
}

const kebab = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/** `nodejs22.x` → `node22`, esbuild's target. */
export const nodeTarget = () => suite.runtime.replace(/^nodejs(\d+)\.x$/, 'node$1');

export const types = suite.types.map((type) => {
    const typeName = `${organization}::${type.service}::${type.resource}`;
    return {
        ...type,
        typeName,
        /** The schema file name cfn looks for in the folder. */
        cfnSchemaName: `${typeName.replace(/::/g, '-').toLowerCase()}.json`,
        /** The Lambda function serving the type in the root template.yml and in `npm run contract-endpoint`. */
        functionName: `${type.resource}TypeFunction`,
        /** The CDK class file in examples/cdk/generated/. */
        cdkFile: `${kebab(type.resource)}.ts`,
    };
});
