// Bundles each type's handler into one file, <type folder>/dist/handlers.js, for the Node version of the
// runtime the root .rpdk-config names; `node build.mjs <folder>` bundles one type. The aws-sdk v2 stand-in
// (sdk-v2-shim, installed as `aws-sdk`) goes in instead of SDK v2. The esbuild options, and why, are in
// scripts/bundle-options.mjs.
import { build } from 'esbuild';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'fs';
import { bundleOptions } from './scripts/bundle-options.mjs';
import { root, types } from './scripts/types.mjs';

process.chdir(root);
const only = process.argv[2];
const folders = types.map((t) => t.folder).filter((dir) => existsSync(`${dir}/src/handlers.ts`) && (!only || dir === only));
if (only && folders.length === 0) throw new Error(`No type folder ${only} with src/handlers.ts; the types: ${types.map((t) => t.folder).join(', ')}`);
for (const dir of folders) {
    const outfile = `${dir}/dist/handlers.js`;
    // Written by rename, whole: tests that build while another process loads the bundle never see half a file.
    const { outputFiles } = await build(bundleOptions(dir));
    mkdirSync(`${dir}/dist`, { recursive: true });
    const partial = `${outfile}.${process.pid}.tmp`;
    writeFileSync(partial, outputFiles[0].contents);
    renameSync(partial, outfile);
    console.log(`${outfile}: ${(statSync(outfile).size / 1024).toFixed(0)} KiB`);
}
