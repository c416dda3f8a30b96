/**
 * The organization part of the type names lives in one place, package.json config.typeOrganization; every
 * file the cfn CLI reads is written from it by `npm run configure`. This fails when one is out of step.
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const organization = JSON.parse(read('package.json')).config.typeOrganization as string;

test('the organization is set once and is not a reserved namespace', () => {
    expect(organization).toMatch(/^[a-zA-Z0-9]{2,64}$/);
    expect(['alexa', 'amzn', 'amazon', 'aws', 'custom', 'dev']).not.toContain(organization.toLowerCase());
});

test('the schema, its cfn copy, .rpdk-config and the handler all carry it', () => {
    const typeName = `${organization}::CloudHsm::Cluster`;
    const schema = JSON.parse(read('cluster-resource/schema.json'));
    expect(schema.typeName).toBe(typeName);
    const cfnSchemaFile = `cluster-resource/${typeName.replace(/::/g, '-').toLowerCase()}.json`;
    expect(existsSync(join(root, cfnSchemaFile))).toBe(true);
    expect(JSON.parse(read(cfnSchemaFile))).toEqual(schema);
    expect(JSON.parse(read('cluster-resource/.rpdk-config')).typeName).toBe(typeName);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    expect(require('../cluster-resource/src/resource-model').ClusterModel.TYPE_NAME).toBe(typeName);
});

test('the KMS key type: its schema, its cfn copy, its .rpdk-config and its model carry it', () => {
    const typeName = `${organization}::CloudHsm::KmsKey`;
    const schema = JSON.parse(read('kmskey-resource/schema.json'));
    expect(schema.typeName).toBe(typeName);
    expect(JSON.parse(read(`kmskey-resource/${typeName.replace(/::/g, '-').toLowerCase()}.json`))).toEqual(schema);
    expect(JSON.parse(read('kmskey-resource/.rpdk-config')).typeName).toBe(typeName);
    expect(read('kmskey-resource/execution-role.yaml')).toContain(`type/resource/${typeName.replace(/::/g, '-')}/*`);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    expect(require('../kmskey-resource/src/resource-model').KmsKeyModel.TYPE_NAME).toBe(typeName);
});

test('the example template and the generated CDK classes name the types with it', () => {
    const example = read('examples/cloudhsm-kms-stack.yaml');
    expect([...example.matchAll(/Type: (\S+::CloudHsm::\S+)/g)].map((m) => m[1])).toEqual([
        `${organization}::CloudHsm::Cluster`,
        `${organization}::CloudHsm::KeyStore`,
        `${organization}::CloudHsm::KmsKey`,
    ]);
    expect(read('examples/cdk/generated/cluster.ts')).toContain(`CFN_RESOURCE_TYPE_NAME = '${organization}::CloudHsm::Cluster'`);
    expect(read('examples/cdk/generated/key-store.ts')).toContain(`CFN_RESOURCE_TYPE_NAME = '${organization}::CloudHsm::KeyStore'`);
});

test('running configure again changes nothing (the committed files are what it writes)', () => {
    const files = [
        'cluster-resource/schema.json',
        'cluster-resource/.rpdk-config',
        'cluster-resource/template.yml',
        'keystore-resource/.rpdk-config',
        'kmskey-resource/schema.json',
        'kmskey-resource/.rpdk-config',
        'kmskey-resource/template.yml',
        'template.yml',
        'examples/cloudhsm-kms-stack.yaml',
        'examples/cdk/generated/cluster.ts',
        'examples/cdk/generated/key-store.ts',
        'examples/cdk/generated/kms-key.ts',
    ];
    const before = files.map(read);
    execFileSync(process.execPath, [join(root, 'scripts', 'configure-types.mjs')], { cwd: root, stdio: 'pipe' });
    expect(files.map(read)).toEqual(before);
});
