/**
 * The library's dependency traps (reference/registry-notes.md): exactly one class-transformer, 0.5.1 (with
 * another copy every deserialized model comes out empty), and `aws-sdk` answered by the v3-based stand-in.
 */
import { dirname, join } from 'path';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'fs';

const root = join(__dirname, '..');
const library = dirname(require.resolve('@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib/package.json', { paths: [root] }));

test('the library and the types load the same class-transformer, version 0.5.1', () => {
    const ours = require.resolve('class-transformer', { paths: [root] });
    const theirs = require.resolve('class-transformer', { paths: [library] });
    expect(realpathSync(theirs)).toBe(realpathSync(ours));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    expect(require(require.resolve('class-transformer/package.json', { paths: [root] })).version).toBe('0.5.1');
});

test("the library's aws-sdk is the SDK v3 stand-in, not SDK v2", () => {
    const resolved = realpathSync(require.resolve('aws-sdk/clients/all', { paths: [library] }));
    expect(resolved).toBe(join(root, 'sdk-v2-shim', 'clients', 'all.js'));
});

/**
 * fast-xml-parser reaches the bundles through @aws-sdk/client-cloudhsm-v2@3.332.0 → @aws-sdk/client-sts
 * (4.1.2 there); package.json overrides it to a fixed 4.x. The advisories of the GitHub Advisory Database
 * that cover a 4.x release, with the 4.x release that fixed each (checked by hand: `npm audit` cannot run here).
 */
const FAST_XML_PARSER_ADVISORIES = [
    { id: 'GHSA-x3cc-x39p-42qx (CVE-2023-26920, prototype pollution)', introduced: '0.0.0', fixed: '4.1.2' },
    { id: 'GHSA-6w63-h3fj-q4vw (CVE-2023-34104, regex injection via DOCTYPE entities)', introduced: '0.0.0', fixed: '4.2.4' },
    { id: 'GHSA-gpv5-7x3g-ghjv (incomplete fix of CVE-2023-34104)', introduced: '4.2.4', fixed: '4.2.5' },
    { id: 'GHSA-mpg4-rc92-vx8v (CVE-2024-41818, currency ReDoS)', introduced: '0.0.0', fixed: '4.4.1' },
    { id: 'GHSA-m7jm-9gc2-mpf2 (entity encoding bypass via entity names)', introduced: '4.1.3', fixed: '4.5.4' },
    { id: 'GHSA-jmr7-xgp7-cmfj (CVE-2026-26278, DOCTYPE entity expansion)', introduced: '4.1.3', fixed: '4.5.4' },
    { id: 'GHSA-jp2q-39xq-3w4g (CVE-2026-33349, expansion limits of 0 ignored)', introduced: '4.0.0', fixed: '4.5.5' },
    // The advisory lists only 5.7.0; the 4.x fix is in 4.5.5 (its CHANGELOG: "escape comment and CDATA delimiters").
    { id: 'GHSA-gh4j-gqv2-49f6 (CVE-2026-41650, comment/CDATA injection)', introduced: '0.0.0', fixed: '4.5.5' },
    // The advisory lists only 5.5.6; 4.5.7's parser counts numeric entity expansions (OrderedObjParser lastEntities loop).
    { id: 'GHSA-8gc5-j5rx-235r (CVE-2026-33036, numeric entities bypass expansion limits)', introduced: '4.0.0', fixed: '4.5.7' },
];

const versionNumbers = (version: string) => version.split(/[.-]/).slice(0, 3).map(Number);
function compareVersions(a: string, b: string): number {
    const [x, y] = [versionNumbers(a), versionNumbers(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
    return 0;
}

/** Every installed copy of a package, wherever npm nested it. */
function installedVersions(name: string, dir = join(root, 'node_modules')): string[] {
    const found: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.name.startsWith('@')) {
            found.push(...scopeMembers(name, path));
            continue;
        }
        if (entry.name === name) found.push(JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')).version);
        if (existsSync(join(path, 'node_modules'))) found.push(...installedVersions(name, join(path, 'node_modules')));
    }
    return found;
}
function scopeMembers(name: string, scopeDir: string): string[] {
    return readdirSync(scopeDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(scopeDir, e.name, 'node_modules')))
        .flatMap((e) => installedVersions(name, join(scopeDir, e.name, 'node_modules')));
}

test('fast-xml-parser, which the STS client of the pinned CloudHSM client brings, is a release no advisory covers', () => {
    const sts = dirname(require.resolve('@aws-sdk/client-sts/package.json', { paths: [dirname(require.resolve('@aws-sdk/client-cloudhsm-v2/package.json', { paths: [root] }))] }));
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const bundled = require(require.resolve('fast-xml-parser/package.json', { paths: [sts] })).version as string;
    const versions = [...new Set([bundled, ...installedVersions('fast-xml-parser')])];

    const vulnerable = versions.flatMap((version) =>
        FAST_XML_PARSER_ADVISORIES.filter((a) => compareVersions(version, a.introduced) >= 0 && compareVersions(version, a.fixed) < 0).map((a) => `${version}: ${a.id}`),
    );
    expect(vulnerable).toEqual([]);
});

/**
 * Every SDK v3 client is the release of the CloudHSM client (3.332.0, the newest the registry serves), so that
 * all of them share one copy of the SDK's core: with a newer client beside it, the bundles carried two cores
 * and the newer one's schemas (README "Known limits").
 */
test('every @aws-sdk/client-* dependency is pinned to the CloudHSM client release, with one SDK core installed', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { dependencies } = require(join(root, 'package.json')) as { dependencies: Record<string, string> };
    const clients = Object.entries(dependencies).filter(([name]) => name.startsWith('@aws-sdk/client-'));
    expect(clients.length).toBeGreaterThan(0);
    expect(clients.filter(([, version]) => version !== dependencies['@aws-sdk/client-cloudhsm-v2'])).toEqual([]);
    expect(copiesOf('@aws-sdk/smithy-client')).toEqual(['3.329.0']);
    expect(copiesOf('@smithy/core')).toEqual([]);
});

/** The version of every installed copy of a scoped package, top level or nested. */
function copiesOf(scopedName: string, dir = join(root, 'node_modules')): string[] {
    const own = join(dir, scopedName, 'package.json');
    const found: string[] = existsSync(own) ? [JSON.parse(readFileSync(own, 'utf8')).version] : [];
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        const packages = entry.name.startsWith('@') ? readdirSync(join(dir, entry.name)).map((name) => join(dir, entry.name, name)) : [join(dir, entry.name)];
        for (const path of packages) if (existsSync(join(path, 'node_modules'))) found.push(...copiesOf(scopedName, join(path, 'node_modules')));
    }
    return found;
}
