/**
 * README's performance figures are `npm run bench`'s output, not copies: the bench writes its tables to
 * bench/results.md, and README carries that file as it is between two markers. test/bench.test.ts holds the
 * file itself to what the code measures now.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { SCENARIOS } from '../bench/scenarios';

const root = join(__dirname, '..');
const BEGIN = '<!-- bench/results.md begins: written by npm run bench, not by hand -->';
const END = '<!-- bench/results.md ends -->';

const results = readFileSync(join(root, 'bench', 'results.md'), 'utf8');

test("README's performance section is bench/results.md, exactly", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const begin = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    expect({ begin: begin >= 0, end: end > begin }).toEqual({ begin: true, end: true });
    expect(readme.slice(begin + BEGIN.length, end).trim()).toBe(results.trim());
});

test('bench/results.md is a whole run: every scenario, the spread of every create, every bundle', () => {
    expect(results).toMatch(/^Written by `npm run bench` \(10 seeds of latencies within ±50 %, \d+ rounds of fresh processes per bundle figure\)\./);
    const rowsOf = (section: string) => results.split(section)[1].split('\n###')[0];
    for (const scenario of SCENARIOS.filter((s) => s.creates)) {
        expect(rowsOf('### Each operation at the typical service latencies')).toContain(`| ${scenario.creates} |`);
        expect(rowsOf('### Creates at service latencies')).toContain(`| ${scenario.creates} | 10 |`);
    }
    for (const operation of ['cluster grow 1 → 2 per subnet', 'key store kmsuser rotation', 'KMS key create', 'KMS key delete']) {
        expect(rowsOf('### Each operation at the typical service latencies')).toContain(`| ${operation} |`);
    }
    const folders: string[] = JSON.parse(readFileSync(join(root, '.rpdk-config'), 'utf8')).types.map((t: { folder: string }) => t.folder);
    for (const folder of folders) expect(rowsOf('### Bundles')).toContain(`| ${folder}/dist/handlers.js |`);
});
