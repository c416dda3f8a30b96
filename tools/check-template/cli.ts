/**
 * npm run check-template -- template.yaml [more.yaml …]
 *
 * Prints one line per problem (file, resource, property path, message) and exits 1 if there is any;
 * prints "<file>: ok" for a file without problems.
 */
import { readFileSync } from 'fs';
import { checkTemplate, formatProblem } from './check-template';
import { parseTemplate } from './cfn-yaml';

const files = process.argv.slice(2);
if (files.length === 0) {
    console.error('usage: npm run check-template -- <template.yaml|json> [...]');
    process.exit(2);
}
let failed = false;
for (const file of files) {
    let problems: string[];
    try {
        problems = checkTemplate(parseTemplate(readFileSync(file, 'utf8'))).map(formatProblem);
    } catch (err) {
        problems = [`(template) ${(err as Error).message}`];
    }
    for (const line of problems) console.log(`${file}: ${line}`);
    if (problems.length === 0) console.log(`${file}: ok`);
    failed ||= problems.length > 0;
}
process.exit(failed ? 1 : 0);
