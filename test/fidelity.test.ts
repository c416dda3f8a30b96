/**
 * local/emulator/FIDELITY.md records every behaviour rule of the emulator and the instance stand-ins with its
 * source. This keeps the record honest where that is cheap: every error name the code can answer is in it; every
 * error answered for a service is an error of that service's API model or has a row, with a source, in "Errors
 * outside the API models"; every duration and adjustable quota has a row; every row names a source and a kind.
 *
 * Assumption: python3 with botocore is installed — part of this machine's documented setup, and where the AWS API
 * models come from (botocore/data/<service>/<version>/service-2.json). Without it this test fails; it never
 * passes without having read the models.
 */
import { execFileSync } from 'child_process';
import { readFileSync, readdirSync } from 'fs';
import { basename, join } from 'path';
import { defaultDurations } from '../local/emulator/durations';
import { Faults } from '../local/emulator/faults';
import { defaultQuotas } from '../local/emulator/services/cloudhsm-rules';
import { defaultKmsQuotas } from '../local/emulator/services/kms-key-stores';

const root = join(__dirname, '..');
const fidelity = readFileSync(join(root, 'local/emulator/FIDELITY.md'), 'utf8');
const kinds = ['documented', 'strict guess', 'typical figure', 'known gap'];
const services = ['cloudhsmv2', 'kms', 'secretsmanager', 'ssm', 'ec2', 'logs', 'cloudwatch', 'sts'];

/** The service whose errors a source file answers, by the file-naming rule of local/emulator/services; undefined for protocol-level code. */
function serviceOf(file: string): string | undefined {
    const name = basename(file);
    if (name === 'aws-cli.ts') return 'secretsmanager'; // the stand-in CLI reports the service errors of get-secret-value
    return services.find((service) => name.startsWith(service === 'cloudhsmv2' ? 'cloudhsm' : service));
}

function sourceFiles(dir: string): string[] {
    return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return sourceFiles(path);
        return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !/fixtures/.test(entry.name) ? [path] : [];
    });
}

interface AnsweredError {
    service?: string;
    name: string;
    where: string;
}

/** Every error name written as the first argument of an error constructor, plus what fault injection answers. */
function answeredErrors(): AnsweredError[] {
    const constructor = /(?:new AwsError|kmsError|notFound|internalFailure|new ServiceError)\(\s*'([^']+)'/g;
    const errors: AnsweredError[] = [];
    // faults.ts answers per service: what it answers for each is asked of it below, with the service known.
    const files = [...sourceFiles('local/emulator'), ...sourceFiles('local/instance')].filter((file) => file !== join('local/emulator', 'faults.ts'));
    for (const file of files) {
        const text = readFileSync(join(root, file), 'utf8');
        for (const match of text.matchAll(constructor)) errors.push({ service: serviceOf(file), name: match[1], where: file });
    }
    for (const service of services) {
        for (const kind of ['throttle', 'internal'] as const) {
            const faults = new Faults();
            faults.add({ service, kind });
            const error = faults.apply(service, 'AnyAction').error!;
            errors.push({ service, name: error.code, where: `local/emulator/faults.ts (${kind})` });
        }
    }
    return errors;
}

/** Error shape names and wire codes of each service's botocore model. */
function modelErrors(): Record<string, string[]> {
    const script = `
import botocore, glob, gzip, json, os, sys
data = os.path.join(os.path.dirname(botocore.__file__), 'data')
result = {}
for service in sys.argv[1:]:
    folder = sorted(glob.glob(os.path.join(data, service, '*')))[-1]
    path = next(p for p in (os.path.join(folder, 'service-2.json'), os.path.join(folder, 'service-2.json.gz')) if os.path.exists(p))
    model = json.load(gzip.open(path) if path.endswith('.gz') else open(path))
    names = set()
    for name, shape in model['shapes'].items():
        if shape.get('exception'):
            names.add(name)
            if shape.get('error', {}).get('code'): names.add(shape['error']['code'])
    result[service] = sorted(names)
print(json.dumps(result))
`;
    return JSON.parse(execFileSync('python3', ['-c', script, ...services], { encoding: 'utf8' }));
}

interface Row {
    cells: string[];
    line: number;
}

/** The body rows of every markdown table, with the section heading they sit under. */
function tableRows(): Array<Row & { section: string }> {
    const rows: Array<Row & { section: string }> = [];
    let section = '';
    fidelity.split('\n').forEach((text, index) => {
        if (text.startsWith('## ')) section = text.slice(3).trim();
        if (!text.startsWith('|')) return;
        // Cells split on pipes that are not inside backticks (a pattern may contain one).
        const cells = text
            .replace(/`[^`]*`/g, (code) => code.replace(/\|/g, '\u0000'))
            .split('|')
            .slice(1, -1)
            .map((cell) => cell.replace(/\u0000/g, '|').trim());
        if (cells.every((cell) => /^-+$/.test(cell)) || cells[0] === 'rule' || cells[0] === 'service') return;
        rows.push({ cells, line: index + 1, section });
    });
    return rows;
}

const outsideSection = 'Errors outside the API models';
const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

describe('local/emulator/FIDELITY.md', () => {
    const errors = answeredErrors();
    const rows = tableRows();

    it('gives every row a source and one of the four kinds', () => {
        expect(rows.length).toBeGreaterThan(150);
        const bad = rows
            .filter((row) => {
                const width = row.section === outsideSection ? 4 : 3;
                const source = row.cells[width - 2];
                return row.cells.length !== width || !source || !kinds.includes(row.cells[width - 1]);
            })
            .map((row) => `line ${row.line}: ${row.cells.join(' | ')}`);
        expect(bad).toEqual([]);
    });

    it('names every error the emulator and the stand-ins can answer', () => {
        expect(errors.length).toBeGreaterThan(100);
        const missing = [...new Set(errors.filter((e) => !fidelity.includes(`\`${e.name}\``)).map((e) => `${e.name} (${e.where})`))];
        expect(missing).toEqual([]);
    });

    it("answers for each service only errors of its API model, or errors recorded with a source as outside it", () => {
        const models = modelErrors();
        for (const service of services) expect(models[service]).toBeDefined();
        expect(models.kms).toContain('CustomKeyStoreInvalidStateException');
        const outside = rows.filter((row) => row.section === outsideSection).map((row) => ({ service: row.cells[0], name: unquote(row.cells[1]) }));
        const recorded = (e: AnsweredError) =>
            (e.service !== undefined && models[e.service].includes(e.name)) ||
            outside.some((row) => (row.service === '*' || row.service === e.service) && row.name === e.name);
        const unrecorded = [...new Set(errors.filter((e) => !recorded(e)).map((e) => `${e.service ?? 'protocol'}: ${e.name} (${e.where})`))];
        expect(unrecorded).toEqual([]);
    });

    it('has a row for every duration and every adjustable quota', () => {
        const names = [...Object.keys(defaultDurations), ...Object.keys(defaultQuotas), ...Object.keys(defaultKmsQuotas)];
        expect(names.filter((name) => !fidelity.includes(name))).toEqual([]);
    });
});
