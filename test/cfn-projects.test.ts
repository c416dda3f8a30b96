/**
 * Each type's folder is a cfn project: what `cfn validate`, `cfn generate`, `cfn submit` and `cfn test` read
 * there, in the shape they read it (cloudformation-cli 0.2.39 with the TypeScript plugin 1.0.4; README,
 * "The cfn project folders"). The cfn CLI itself is not installed here; these are the facts it depends on.
 */
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'fs';
import { join, relative } from 'path';

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const suite = JSON.parse(read('.rpdk-config')) as { runtime: string; entrypoint: string; types: Array<{ folder: string; resource: string }> };
const organization = JSON.parse(read('package.json')).config.typeOrganization as string;

function sourceFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
    });
}

describe.each(suite.types)('$folder', ({ folder, resource }) => {
    const schema = JSON.parse(read(`${folder}/schema.json`));
    const typeName = `${organization}::CloudHsm::${resource}`;

    test('holds .rpdk-config, the schema under the name cfn looks for, template.yml and src/handlers.ts', () => {
        const config = JSON.parse(read(`${folder}/.rpdk-config`));
        expect(config).toMatchObject({ artifact_type: 'RESOURCE', typeName, language: 'typescript', runtime: suite.runtime, entrypoint: suite.entrypoint });
        expect(config.settings.protocolVersion).toBe('2.0.0');
        expect(JSON.parse(read(`${folder}/${typeName.replace(/::/g, '-').toLowerCase()}.json`))).toEqual(schema);
        expect(read(`${folder}/template.yml`)).toContain(`Runtime: ${suite.runtime}`);
        expect(existsSync(join(root, folder, 'src', 'handlers.ts'))).toBe(true);
    });

    test('docs/ is the reference cfn generate writes, and documents every property of the schema', () => {
        const docs = read(`${folder}/docs/README.md`);
        expect(docs.split('\n')[0]).toBe(`# ${typeName}`);
        const readOnly = new Set((schema.readOnlyProperties as string[]).map((p) => p.replace('/properties/', '')));
        const missing = Object.keys(schema.properties).filter((name) => !new RegExp(`^#### ${name}$`, 'm').test(docs));
        // Read-only properties appear under "Return Values" (Fn::GetAtt), the others under "Properties".
        expect({ folder, missing, hint: 'run cfn generate in this folder' }).toEqual({ folder, missing: [], hint: 'run cfn generate in this folder' });
        for (const name of readOnly) expect(docs).toMatch(new RegExp(`Fn::GetAtt[\\s\\S]*#### ${name}\\b`));
    });

    test('no source imports src/models.ts, the file cfn generate overwrites', () => {
        const importers = sourceFiles(join(root, folder, 'src'))
            .filter((path) => !path.endsWith(join('src', 'models.ts')))
            .filter((path) => /from '\.{1,2}\/(\.\.\/)*models'/.test(readFileSync(path, 'utf8')))
            .map((path) => relative(root, path));
        expect(importers).toEqual([]);
    });

    test("cfn submit's build command puts the bundle where cfn zips it: build/TypeFunction/handlers.js", () => {
        const out = join(root, folder, 'build', 'TypeFunction');
        rmSync(out, { recursive: true, force: true });
        // As cfn runs it: settings.buildCommand in the folder, with the function name appended.
        const command = `${JSON.parse(read(`${folder}/.rpdk-config`)).settings.buildCommand} TypeFunction`;
        const [program, ...args] = command.split(' ');
        execFileSync(program === 'node' ? process.execPath : program, args, { cwd: join(root, folder), stdio: 'pipe' });
        expect(readdirSync(out)).toEqual(['handlers.js']);
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        expect(typeof require(join(out, 'handlers.js')).entrypoint).toBe('function');
    });
});

test('the runtime is named once, in the root .rpdk-config, and the tests run on that Node version', () => {
    const major = suite.runtime.replace(/^nodejs(\d+)\.x$/, '$1');
    expect(suite.runtime).toMatch(/^nodejs\d+\.x$/);
    expect(process.versions.node.split('.')[0]).toBe(major);
    const rootTemplate = read('template.yml');
    for (const { resource } of suite.types) expect(rootTemplate).toContain(`${resource}TypeFunction:`);
    expect(rootTemplate.match(/Runtime: (\S+)/g)?.every((line) => line === `Runtime: ${suite.runtime}`)).toBe(true);
});
