// The build `cfn submit` runs in a type's folder (settings.buildCommand in its .rpdk-config). cfn appends the
// function's name, TypeFunction, and then zips build/TypeFunction/ as ResourceProvider.zip: this bundles the
// type (npm run build) and puts the bundle there, as handlers.js at the zip's root (entrypoint
// handlers.entrypoint). No SAM, no Docker, no npm install: the bundle holds every dependency.
import { execFileSync } from 'child_process';
import { copyFileSync, mkdirSync, rmSync } from 'fs';
import { basename, join } from 'path';
import { root, types } from './types.mjs';

const folder = basename(process.cwd());
const type = types.find((t) => t.folder === folder);
if (!type || join(root, folder) !== process.cwd()) {
    console.error(`Run this in a type's folder (${types.map((t) => t.folder).join(', ')}), as cfn submit does; here: ${process.cwd()}`);
    process.exit(2);
}
const functionName = process.argv[2] ?? 'TypeFunction';
execFileSync(process.execPath, [join(root, 'build.mjs'), folder], { cwd: root, stdio: 'inherit' });
const out = join(process.cwd(), 'build', functionName);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
copyFileSync(join(process.cwd(), 'dist', 'handlers.js'), join(out, 'handlers.js'));
console.log(`${folder}/build/${functionName}/handlers.js: the bundle of ${type.typeName}`);
