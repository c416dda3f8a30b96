// The esbuild options of a type's bundle: build.mjs writes it, bench/bundle-figures.mjs builds variants of it.
//
// Every @aws-sdk/client-* is the 3.332 release (see package.json and README "Known limits"): one copy of the
// SDK's core, and serializers per operation that esbuild leaves out when unused.
import { createRequire } from 'module';
import { dirname, join } from 'path';
import { nodeTarget, root } from './types.mjs';

/**
 * The stand-in loads its v3 client with `require('@aws-sdk/client-…')` on the first request. esbuild keeps all
 * of a package that is `require`d (some 100 KiB per client: every command and serializer). Here that require
 * gets a module of only the client class and the commands the stand-in's binding names (`sdkV3Binding`),
 * imported from their own files in the package's ES build, which esbuild can then trim.
 */
const sdkV3ForStandIn = {
    name: 'sdk-v3-for-stand-in',
    setup(b) {
        const standIn = join(root, 'sdk-v2-shim') + '/';
        b.onResolve({ filter: /^@aws-sdk\/client-[a-z0-9-]+$/ }, (args) => {
            if (args.namespace !== 'file' || !args.importer.startsWith(standIn)) return undefined;
            const binding = createRequire(args.importer)(args.importer).sdkV3Binding;
            if (!binding) throw new Error(`${args.importer} requires ${args.path} but exports no sdkV3Binding naming what it uses`);
            return { path: args.path, namespace: 'sdk-v3-for-stand-in', pluginData: { binding, resolveDir: dirname(args.importer) } };
        });
        b.onLoad({ filter: /.*/, namespace: 'sdk-v3-for-stand-in' }, ({ path, pluginData: { binding, resolveDir } }) => {
            const exported = [
                `export { ${binding.clientClassName} } from '${path}/dist-es/${binding.clientClassName}.js';`,
                ...Object.values(binding.commandNameByOperation).map((command) => `export { ${command} } from '${path}/dist-es/commands/${command}.js';`),
            ];
            return { contents: exported.join('\n'), resolveDir, loader: 'js' };
        });
    },
};

/** Options for esbuild's `build` of `<dir>/src/handlers.ts`, relative to the repository root; nothing written. */
export function bundleOptions(dir) {
    return {
        entryPoints: [join(root, dir, 'src', 'handlers.ts')],
        outfile: join(root, dir, 'dist', 'handlers.js'),
        write: false,
        bundle: true,
        platform: 'node',
        target: nodeTarget(),
        format: 'cjs',
        minify: true,
        // The CloudFormation library derives error codes from class names.
        keepNames: true,
        sourcemap: false,
        legalComments: 'none',
        // The SDK's ES modules let esbuild drop what the handlers never use.
        mainFields: ['module', 'main'],
        plugins: [sdkV3ForStandIn],
        logLevel: 'warning',
    };
}
