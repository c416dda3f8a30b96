/**
 * Each type's bundled handler (what `cfn submit` would upload) works against the emulator with the real SDK clients,
 * carries the SDK v2 stand-in instead of SDK v2, and delivers its logs through it.
 *
 * The library inside the bundle sleeps on the wall clock (0.25 s per log line it delivers) and that
 * copy cannot be pointed at the shared clock, so this test runs only a few invocations through the bundle.
 */
import { execFileSync } from 'child_process';
import { readFileSync, statSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const bundlePath = join(root, 'cluster-resource', 'dist', 'handlers.js');
const keyStoreBundlePath = join(root, 'keystore-resource', 'dist', 'handlers.js');

/** Runs local/drive-bundle.ts for one type's bundle in a plain Node process; its JSON summary. */
function driveBundle(type: 'cluster' | 'keystore', path: string) {
    const tsx = join(root, 'node_modules', '.bin', 'tsx');
    const output = execFileSync(tsx, [join(root, 'local', 'drive-bundle.ts'), type, path], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const line = output.split('\n').find((l) => l.startsWith('DRIVE-BUNDLE-RESULT '))!;
    return JSON.parse(line.slice('DRIVE-BUNDLE-RESULT '.length));
}

beforeAll(() => {
    execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'pipe' });
});

/** Every type folder build.mjs bundles (the root .rpdk-config's types). */
const typeFolders: string[] = JSON.parse(readFileSync(join(root, '.rpdk-config'), 'utf8')).types.map((t: { folder: string }) => t.folder);

test.each(typeFolders)('the %s bundle holds no AWS SDK v2, one SDK v3 release, and at most 1 MiB', (typeDirectory) => {
    const path = join(root, typeDirectory, 'dist', 'handlers.js');
    const source = readFileSync(path, 'utf8');
    expect(source).toContain('S3LogFallbackDisabled');
    expect(source).not.toMatch(/AWS\.util\.|aws-sdk\/lib\/|apiVersions:\s*\[/);
    // No schema-based SDK core (@smithy/core's schema serde) beside the 3.332 clients' own.
    expect(source).not.toMatch(/NormalizedSchema|TypeRegistry/);
    expect(statSync(path).size).toBeLessThanOrEqual(1024 * 1024);
});

/** bench/create-step.ts, once for every type (one emulator, one set of inputs): a line of figures per type's bundle. */
let createSteps: Record<string, { status: string; maxRssMiB: number }> | undefined;
function createStepFigures(typeDirectory: string) {
    if (!createSteps) {
        const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
        const targets = typeFolders.map((folder) => `${folder}=${join(root, folder, 'dist', 'handlers.js')}`);
        const output = execFileSync(join(root, 'node_modules', '.bin', 'node'), [tsx, join(root, 'bench', 'create-step.ts'), ...targets], {
            cwd: root,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        const lines = output.split('\n').filter((l) => l.startsWith('CREATE-STEP-FIGURES ')).map((l) => JSON.parse(l.slice('CREATE-STEP-FIGURES '.length)));
        createSteps = Object.fromEntries(lines.map((figures) => [figures.folder, figures]));
    }
    return createSteps![typeDirectory];
}

test.each(typeFolders)('a fresh process running a create step of the %s bundle peaks at most at 100 MiB', (typeDirectory) => {
    const figures = createStepFigures(typeDirectory);
    // The cluster and the key store wait after their first step; a KMS key is made in one invocation.
    expect(figures.status).toBe(typeDirectory === 'kmskey-resource' ? 'SUCCESS' : 'IN_PROGRESS');
    expect(figures.maxRssMiB).toBeLessThanOrEqual(100);
});

test('the bundle creates, reads and lists a cluster in a plain Node process, and its logs reach CloudWatch Logs', () => {
    const result = driveBundle('cluster', bundlePath);

    expect(result.first.status).toBe('IN_PROGRESS');
    expect(result.first.resourceModel.ClusterId).toMatch(/^cluster-/);
    expect(result.emulated.mode).toBe('NON_FIPS');
    expect(result.finished.status).toBe('SUCCESS');
    expect(result.read.status).toBe('SUCCESS');
    expect(result.read.model).toEqual(result.finished.model);
    expect(result.read.model.Mode).toBe('NON_FIPS');
    expect(result.listed).toContain(result.first.resourceModel.ClusterId);
    expect(result.logLines.some((line: string) => line.startsWith('READ SUCCESS'))).toBe(true);
});

test('the key store bundle creates, reads and lists a key store in a plain Node process, and its logs reach CloudWatch Logs', () => {
    const result = driveBundle('keystore', keyStoreBundlePath);

    expect(result.first.status).toBe('IN_PROGRESS');
    expect(result.first.resourceModel.KeyStoreId).toMatch(/^cks-[a-z0-9]{17}$/);
    expect(result.finished.status).toBe('SUCCESS');
    expect(result.finished.model.ConnectionState).toBe('CONNECTED');
    expect(result.emulated.connectionState).toBe('CONNECTED');
    expect(result.read.status).toBe('SUCCESS');
    expect(result.read.model).toEqual(result.finished.model);
    expect(result.read.model).not.toHaveProperty('AdminSecretArn');
    expect(result.listed).toEqual([result.first.resourceModel.KeyStoreId]);
    expect(result.logLines.some((line: string) => line.startsWith('READ SUCCESS'))).toBe(true);
});
