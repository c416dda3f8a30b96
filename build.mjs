// Bundles each type's handler into one file: cluster-resource/dist/handlers.js (and the key store's when it
// exists). The aws-sdk v2 stand-in (sdk-v2-shim, installed as `aws-sdk`) goes in instead of SDK v2; class
// names are kept because the CloudFormation library derives error codes from them.
import { build } from 'esbuild';
import { existsSync, statSync } from 'fs';

const types = ['cluster-resource', 'keystore-resource'].filter((dir) => existsSync(`${dir}/src/handlers.ts`));
for (const dir of types) {
    const outfile = `${dir}/dist/handlers.js`;
    await build({
        entryPoints: [`${dir}/src/handlers.ts`],
        outfile,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        minify: true,
        keepNames: true,
        sourcemap: false,
        legalComments: 'none',
        // The SDK's ES modules let esbuild drop what the handlers never use.
        mainFields: ['module', 'main'],
        logLevel: 'warning',
    });
    console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
}
