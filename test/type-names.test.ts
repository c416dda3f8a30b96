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
    const cfnSchemaFile = `${typeName.replace(/::/g, '-').toLowerCase()}.json`;
    expect(existsSync(join(root, cfnSchemaFile))).toBe(true);
    expect(JSON.parse(read(cfnSchemaFile))).toEqual(schema);
    expect(JSON.parse(read('.rpdk-config')).typeName).toBe(typeName);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    expect(require('../cluster-resource/src/models').ClusterModel.TYPE_NAME).toBe(typeName);
});

test('running configure again changes nothing (the committed files are what it writes)', () => {
    const before = [read('cluster-resource/schema.json'), read('.rpdk-config')];
    execFileSync(process.execPath, [join(root, 'scripts', 'configure-types.mjs')], { cwd: root, stdio: 'pipe' });
    expect([read('cluster-resource/schema.json'), read('.rpdk-config')]).toEqual(before);
});
