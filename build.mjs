// Bundles each type's handler into one file: cluster-resource/dist/handlers.js (and the key store's when it
// exists). The aws-sdk v2 stand-in (sdk-v2-shim, installed as `aws-sdk`) goes in instead of SDK v2; class
// names are kept because the CloudFormation library derives error codes from them.
import { build } from 'esbuild';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'fs';

const types = ['cluster-resource', 'keystore-resource', 'kmskey-resource'].filter((dir) => existsSync(`${dir}/src/handlers.ts`));
for (const dir of types) {
    const outfile = `${dir}/dist/handlers.js`;
    const { outputFiles } = await build({
        entryPoints: [`${dir}/src/handlers.ts`],
        outfile,
        // Written by rename, whole: tests that build while another process loads the bundle never see half a file.
        write: false,
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
    mkdirSync(`${dir}/dist`, { recursive: true });
    const partial = `${outfile}.${process.pid}.tmp`;
    writeFileSync(partial, outputFiles[0].contents);
    renameSync(partial, outfile);
    console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
}
