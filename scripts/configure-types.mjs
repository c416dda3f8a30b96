// Writes what the cfn CLI needs in each type's folder from one setting: package.json config.typeOrganization
// (default "Community"; the registry reserves AWS, Alexa, AMZN, Amazon, Custom and Dev).
//
//   npm pkg set config.typeOrganization=Acme && npm run configure
//
// For each type it sets the organization in the schema source, and writes in the type's cfn project folder
// (the repository root for the cluster, as `cfn init` lays a project out; keystore-resource/ for the key
// store) the schema file cfn looks for, <org>-<service>-<resource>.json, and .rpdk-config, and names the
// type in its execution-role.yaml. Schema copies named for another organization are removed. Then the type
// names in the example templates (examples/*.yaml) are set, and the CDK classes regenerated from the schemas
// (npm run generate:cdk).
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'fs';
import { join } from 'path';

const RESERVED = ['alexa', 'amzn', 'amazon', 'aws', 'custom', 'dev'];
const TYPES = [
    { source: 'cluster-resource', project: '.', service: 'CloudHsm', resource: 'Cluster' },
    { source: 'keystore-resource', project: 'keystore-resource', service: 'CloudHsm', resource: 'KeyStore' },
    { source: 'kmskey-resource', project: 'kmskey-resource', service: 'CloudHsm', resource: 'KmsKey' },
];

const root = new URL('..', import.meta.url).pathname;
const organization = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).config?.typeOrganization ?? 'Community';
if (!/^[a-zA-Z0-9]{2,64}$/.test(organization) || RESERVED.includes(organization.toLowerCase())) {
    throw new Error(`config.typeOrganization "${organization}" is not a usable namespace: 2-64 letters or digits, not ${RESERVED.join(', ')}.`);
}

for (const { source, project, service, resource } of TYPES) {
    const dir = join(root, project);
    const schemaPath = join(root, source, 'schema.json');
    let schema;
    try {
        schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    } catch {
        continue; // a type not written yet
    }
    const typeName = `${organization}::${service}::${resource}`;
    schema.typeName = typeName;
    const text = JSON.stringify(schema, null, 2) + '\n';
    writeFileSync(schemaPath, text);
    const cfnSchemaName = `${typeName.replace(/::/g, '-').toLowerCase()}.json`;
    for (const name of readdirSync(dir)) {
        if (name !== cfnSchemaName && new RegExp(`^[a-z0-9]+-${service.toLowerCase()}-${resource.toLowerCase()}\\.json$`).test(name)) unlinkSync(join(dir, name));
    }
    writeFileSync(join(dir, cfnSchemaName), text);
    // The execution role trusts CloudFormation only for this type (aws:SourceArn names it).
    const rolePath = join(root, source, 'execution-role.yaml');
    if (existsSync(rolePath)) {
        const role = readFileSync(rolePath, 'utf8')
            .replace(new RegExp(`[A-Za-z0-9]+::${service}::${resource}\\b`, 'g'), typeName)
            .replace(new RegExp(`(type/resource/)[A-Za-z0-9]+(-${service}-${resource}/)`, 'g'), `$1${organization}$2`);
        writeFileSync(rolePath, role);
    }
    const rpdkConfig = {
        artifact_type: 'RESOURCE',
        typeName,
        language: 'typescript',
        runtime: 'nodejs20.x',
        // Relative to the root of ResourceProvider.zip, which holds the bundle (template.yml CodeUri: the dist folder).
        entrypoint: 'handlers.entrypoint',
        testEntrypoint: 'handlers.testEntrypoint',
        // cfn submit appends " TypeFunction" to this: bundle first, then SAM copies the bundle.
        settings: { protocolVersion: '2.0.0', use_docker: false, buildCommand: `npm --prefix ${project === '.' ? '.' : '..'} run build && sam build --build-dir build` },
    };
    writeFileSync(join(dir, '.rpdk-config'), JSON.stringify(rpdkConfig, null, 4) + '\n');
    console.log(`${project}: ${typeName} (${cfnSchemaName}, .rpdk-config)`);
}


const examples = join(root, 'examples');
for (const name of readdirSync(examples).filter((n) => /\.(ya?ml|json)$/.test(n))) {
    const text = readFileSync(join(examples, name), 'utf8');
    const updated = text.replace(/\b[A-Za-z0-9]{2,64}::CloudHsm::(Cluster|KeyStore|KmsKey)\b/g, `${organization}::CloudHsm::$1`);
    if (updated !== text) writeFileSync(join(examples, name), updated);
    console.log(`examples/${name}: ${organization}::CloudHsm::*`);
}
execFileSync(process.execPath, [join(root, 'scripts', 'generate-cdk-constructs.mjs')], { stdio: 'inherit' });
