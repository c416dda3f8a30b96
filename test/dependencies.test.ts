/**
 * The library's dependency traps (reference/registry-notes.md): exactly one class-transformer, 0.5.1 (with
 * another copy every deserialized model comes out empty), and `aws-sdk` answered by the v3-based stand-in.
 */
import { dirname, join } from 'path';
import { realpathSync } from 'fs';

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
