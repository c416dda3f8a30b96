// Writes what the cfn CLI and SAM read, for every type the root .rpdk-config lists, from two settings: the
// organization (package.json config.typeOrganization, default "Community"; the registry reserves AWS, Alexa,
// AMZN, Amazon, Custom and Dev) and the root .rpdk-config (the runtime and the cfn settings).
//
//   npm pkg set config.typeOrganization=Acme && npm run configure
//
// In each type's folder (a cfn project): the organization in schema.json, the copy cfn looks for
// (<org>-<service>-<resource>.json; copies named for another organization are removed), .rpdk-config,
// template.yml, and the type's name in execution-role.yaml. At the root: template.yml with one function per
// type. Then the type names in the example templates (examples/*.yaml), and the CDK classes (npm run generate:cdk).
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { organization, root, suite, types } from './types.mjs';

const GENERATED = '# Written by `npm run configure` from the root .rpdk-config; edit that instead.\n';

/** A SAM template: what `sam build` / `sam local start-lambda` read, one function per entry. */
function samTemplate(description, functions) {
    const lines = [
        GENERATED.trimEnd(),
        'AWSTemplateFormatVersion: "2010-09-09"',
        'Transform: AWS::Serverless-2016-10-31',
        `Description: ${description}`,
        '',
        'Globals:',
        '  Function:',
        '    Timeout: 180',
        '    MemorySize: 512',
        '',
        'Resources:',
    ];
    for (const { name, handler, codeUri } of functions) {
        lines.push(`  ${name}:`, '    Type: AWS::Serverless::Function', '    Properties:', `      Handler: ${handler}`, `      Runtime: ${suite.runtime}`, `      CodeUri: ${codeUri}`, '');
    }
    return lines.join('\n');
}

for (const type of types) {
    const dir = join(root, type.folder);
    const schemaPath = join(dir, 'schema.json');
    if (!existsSync(schemaPath)) continue; // a type not written yet
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    schema.typeName = type.typeName;
    const text = JSON.stringify(schema, null, 2) + '\n';
    writeFileSync(schemaPath, text);
    const copyPattern = new RegExp(`^[a-z0-9]+-${type.service.toLowerCase()}-${type.resource.toLowerCase()}\\.json$`);
    for (const name of readdirSync(dir)) {
        if (name !== type.cfnSchemaName && copyPattern.test(name)) unlinkSync(join(dir, name));
    }
    writeFileSync(join(dir, type.cfnSchemaName), text);
    // The execution role trusts CloudFormation only for this type (aws:SourceArn names it).
    const rolePath = join(dir, 'execution-role.yaml');
    if (existsSync(rolePath)) {
        const role = readFileSync(rolePath, 'utf8')
            .replace(new RegExp(`[A-Za-z0-9]+::${type.service}::${type.resource}\\b`, 'g'), type.typeName)
            .replace(new RegExp(`(type/resource/)[A-Za-z0-9]+(-${type.service}-${type.resource}/)`, 'g'), `$1${organization}$2`);
        writeFileSync(rolePath, role);
    }
    const rpdkConfig = {
        artifact_type: suite.artifact_type,
        typeName: type.typeName,
        language: suite.language,
        runtime: suite.runtime,
        // Relative to the root of ResourceProvider.zip, which holds the bundle as handlers.js.
        entrypoint: suite.entrypoint,
        testEntrypoint: suite.testEntrypoint,
        settings: suite.settings,
    };
    writeFileSync(join(dir, '.rpdk-config'), JSON.stringify(rpdkConfig, null, 4) + '\n');
    writeFileSync(
        join(dir, 'template.yml'),
        samTemplate(`${type.typeName} for SAM users (sam build TypeFunction, sam local start-lambda); cfn submit builds with settings.buildCommand instead.`, [
            { name: 'TypeFunction', handler: suite.entrypoint, codeUri: './dist/' },
        ]),
    );
    console.log(`${type.folder}: ${type.typeName} (${type.cfnSchemaName}, .rpdk-config, template.yml)`);
}

writeFileSync(
    join(root, 'template.yml'),
    samTemplate(
        'Every type of the product, by the function names `npm run contract-endpoint` serves them under (cfn test --function-name).',
        types.filter((t) => existsSync(join(root, t.folder, 'schema.json'))).map((t) => ({ name: t.functionName, handler: suite.entrypoint, codeUri: `./${t.folder}/dist/` })),
    ),
);
console.log(`template.yml: ${types.map((t) => t.functionName).join(', ')}`);

const examples = join(root, 'examples');
const resources = types.map((t) => t.resource).join('|');
for (const name of readdirSync(examples).filter((n) => /\.(ya?ml|json)$/.test(n))) {
    const text = readFileSync(join(examples, name), 'utf8');
    const updated = text.replace(new RegExp(`\\b[A-Za-z0-9]{2,64}::CloudHsm::(${resources})\\b`, 'g'), `${organization}::CloudHsm::$1`);
    if (updated !== text) writeFileSync(join(examples, name), updated);
    console.log(`examples/${name}: ${organization}::CloudHsm::*`);
}
execFileSync(process.execPath, [join(root, 'scripts', 'generate-cdk-constructs.mjs')], { stdio: 'inherit' });
