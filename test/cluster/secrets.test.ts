/**
 * No secret ever appears in a log, progress event, returned model, SSM command text or process command line.
 *
 * The secrets are taken from where they truly live (the emulated Secrets Manager) after every operation, since
 * the CA key secret is gone once the cluster is deleted. Everything the type leaves readable elsewhere is then
 * searched for them. Positive controls make sure the search can fail: the admin password does travel, on the
 * CloudHSM CLI's terminal prompt, and a planted secret is found.
 */
import { OperationReport } from '../../local/driver/driver';
import { EmulatorState } from '../../local/emulator/state';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';

/** Base64 lines of a PEM body shorter than this could match by chance. */
const MIN_SECRET_FRAGMENT_CHARS = 21;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g;
const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const pemBodyLines = (pem: string): string[] =>
    pem
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => !line.startsWith('-----') && line.length >= MIN_SECRET_FRAGMENT_CHARS);


interface Exposure {
    where: string;
    secretStart: string;
}

interface CallerCredentials {
    secretAccessKey?: string;
    sessionToken?: string;
}

/** The strings a secret holds: the fields of a JSON secret (admin credentials, CA key pair), else the value itself. */
function stringsIn(secretString: string): { fields: Record<string, string>; strings: string[] } {
    try {
        const parsed = JSON.parse(secretString) as unknown;
        if (parsed && typeof parsed === 'object') {
            const fields = Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
            return { fields, strings: Object.values(fields) };
        }
    } catch {
        // Not JSON: a certificate secret, or a plain string.
    }
    return { fields: {}, strings: [secretString] };
}

/** Where each secret occurs in the texts; only the secret's first characters are named in a failure. */
function exposures(texts: Array<{ where: string; text: string }>, secrets: Iterable<string>): Exposure[] {
    const found: Exposure[] = [];
    for (const secret of secrets) {
        for (const { where, text } of texts) {
            if (text.includes(secret)) found.push({ where, secretStart: `${secret.slice(0, 6)}…` });
        }
    }
    return found;
}

class SecretHarvest {
    readonly passwords = new Set<string>();
    readonly privateKeyParts = new Set<string>();
    /** Not secret (the trust anchor is published in the model): the control that shows the search sees PEM text. */
    readonly publicCertificateLines = new Set<string>();

    collect(state: EmulatorState): void {
        for (const secret of state.secrets.values()) {
            for (const version of secret.versions) {
                if (version.secretString === undefined) continue;
                const { fields, strings } = stringsIn(version.secretString);
                if (fields.password !== undefined) this.passwords.add(fields.password);
                for (const pem of strings.flatMap((s) => s.match(PRIVATE_KEY_PEM) ?? [])) {
                    this.privateKeyParts.add(pem);
                    pemBodyLines(pem).forEach((line) => this.privateKeyParts.add(line));
                }
                for (const pem of strings.flatMap((s) => s.match(CERTIFICATE_PEM) ?? [])) {
                    pemBodyLines(pem).forEach((line) => this.publicCertificateLines.add(line));
                }
            }
        }
    }

    all(): string[] {
        return [...this.passwords, ...this.privateKeyParts];
    }
}

describe('GIVEN the local runtime, WHEN a cluster lives its whole life through the driver', () => {
    let aws: LocalAws;
    const harvest = new SecretHarvest();
    const reports: OperationReport[] = [];
    const callerCredentials: CallerCredentials[] = [];
    let consoleLines: string[] = [];
    let progressEvents: unknown[] = [];
    let firstAdminPassword: string | undefined;

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const observedType = {
            schema: clusterType.schema,
            entrypoint: (event: unknown, context: unknown) => {
                const requestData = (event as { requestData?: { callerCredentials?: CallerCredentials; providerCredentials?: CallerCredentials } }).requestData;
                if (requestData?.callerCredentials) callerCredentials.push(requestData.callerCredentials);
                if (requestData?.providerCredentials) callerCredentials.push(requestData.providerCredentials);
                return clusterType.entrypoint(event, context);
            },
        };
        const driver = aws.driver(observedType, { logicalResourceId: 'Cluster' });
        consoleLines = driver.consoleLines;
        progressEvents = driver.invocationEvents;
        const succeed = async (phase: string, operation: Promise<OperationReport>) => {
            const report = await operation;
            reports.push(report);
            harvest.collect(aws.emulator.state);
            if (report.status !== 'SUCCESS') throw new Error(`${phase} ended ${report.status} ${report.errorCode}: ${report.message}`);
            return report;
        };

        const properties = clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }] });
        const created = await succeed('create', driver.create(properties));
        firstAdminPassword = [...harvest.passwords][0];
        const model = { ...properties, ClusterId: created.model!.ClusterId };
        await succeed('read', driver.read({ ClusterId: model.ClusterId }));
        const grown = { ...model, HsmsPerSubnet: 2 };
        await succeed('update: grow to 2 per subnet', driver.update(model, grown));
        const shrunk = { ...model, HsmsPerSubnet: 0 };
        await succeed('update: shrink to 0', driver.update(grown, shrunk));
        await succeed('list', driver.list());
        await succeed('delete', driver.delete(shrunk));

        const external = { SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, CertificateAuthority: 'EXTERNAL' };
        const waiting = await succeed('create EXTERNAL', driver.create(external));
        await succeed('delete EXTERNAL', driver.delete({ ...external, ClusterId: waiting.model!.ClusterId }));
    });

    afterAll(async () => {
        await aws?.stop();
    });

    it('THEN the secrets were really made: two admin passwords and a CA private key', () => {
        expect(harvest.passwords.size).toBe(2);
        expect([...harvest.privateKeyParts].some((part) => part.includes('PRIVATE KEY-----'))).toBe(true);
        expect(harvest.privateKeyParts.size).toBeGreaterThan(10);
    });

    it('THEN the search finds a secret planted in a line (so it can fail)', () => {
        const planted = [...harvest.passwords][0];

        const found = exposures([{ where: 'synthetic line', text: `activating with password=${planted} now` }], harvest.all());

        expect(found).toEqual([{ where: 'synthetic line', secretStart: `${planted.slice(0, 6)}…` }]);
    });

    it('THEN the same search does find the public trust anchor where it belongs: in returned models and in the activation script', () => {
        const models = reports.map((r, op) => ({ where: `${r.action} #${op} report`, text: JSON.stringify(r.model ?? r.models ?? null) }));
        const scripts = [...aws.emulator.state.commands.values()].flat().map((c) => ({ where: `SSM command ${c.commandId}`, text: JSON.stringify(c.commands) }));
        expect(harvest.publicCertificateLines.size).toBeGreaterThan(10);

        expect(exposures(models, harvest.publicCertificateLines).length).toBeGreaterThan(0);
        expect(exposures(scripts, harvest.publicCertificateLines).length).toBeGreaterThan(0);
    });

    it('THEN the admin password is typed at the prompts of `cloudhsm-cli cluster activate` (the one way it may travel), and reaches no stdin', () => {
        const activations = aws.instances.invocations.filter((i) => i.tool === 'cloudhsm-cli' && i.argv[0] === 'cluster' && i.argv[1] === 'activate');

        expect(activations).toHaveLength(1);
        expect(activations[0]).toMatchObject({ exitCode: 0, passwordFrom: 'terminal', typedAtPrompts: [firstAdminPassword, firstAdminPassword], stdin: '' });
        expect(exposures(aws.instances.invocations.map((i, n) => ({ where: `stdin of ${i.tool} call ${n}`, text: i.stdin })), harvest.all())).toEqual([]);
    });

    it('THEN no secret is in what the handlers printed', () => {
        expect(consoleLines.length).toBeGreaterThan(0);
        const texts = consoleLines.map((text, i) => ({ where: `console line ${i}`, text }));

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it('THEN no secret is in any log event CloudWatch Logs holds', () => {
        const texts = logEvents(aws.emulator.state);
        expect(texts.length).toBeGreaterThan(0);

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it('THEN no secret is in any progress event or returned model', () => {
        const events = progressEvents.map((event, i) => ({ where: `progress event ${i}`, text: JSON.stringify(event) }));
        const models = reports.map((r, op) => ({ where: `${r.action} #${op} report`, text: JSON.stringify({ model: r.model, models: r.models, message: r.message }) }));
        expect(events.length).toBeGreaterThan(reports.length);

        expect(exposures([...events, ...models], harvest.all())).toEqual([]);
    });

    it('THEN no secret is in the text, comment or output of any SSM command', () => {
        const texts = [...aws.emulator.state.commands.values()].flat().map((invocation) => ({
            where: `SSM command ${invocation.commandId}`,
            text: JSON.stringify({
                commands: invocation.commands,
                parameters: invocation.parameters,
                comment: invocation.comment,
                stdout: invocation.stdout,
                stderr: invocation.stderr,
            }),
        }));
        expect(texts.length).toBeGreaterThan(0);

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it('THEN no secret is in the command line or environment of any tool run on the instance', () => {
        const texts = aws.instances.invocations.flatMap((invocation, i) => [
            { where: `argv of ${invocation.tool} call ${i}`, text: invocation.argv.join(' ') },
            { where: `argv of the parent of ${invocation.tool} call ${i}`, text: invocation.parentArgv.join(' ') },
            { where: `environment of ${invocation.tool} call ${i}`, text: Object.entries(invocation.env).map(([k, v]) => `${k}=${v}`).join('\n') },
        ]);
        expect(texts.length).toBeGreaterThan(2);

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it("THEN the caller's secret access key and session token are never in a delivered log event", () => {
        const credentialValues = new Set(callerCredentials.flatMap((c) => [c.secretAccessKey, c.sessionToken]).filter((v): v is string => !!v));
        expect(credentialValues.size).toBeGreaterThan(reports.length);

        expect(exposures(logEvents(aws.emulator.state), credentialValues)).toEqual([]);
    });
});

function logEvents(state: EmulatorState): Array<{ where: string; text: string }> {
    const texts: Array<{ where: string; text: string }> = [];
    for (const [group, streams] of state.logGroups) {
        for (const [stream, events] of streams) {
            events.forEach((event, i) => texts.push({ where: `log ${group} / ${stream} #${i}`, text: event.message }));
        }
    }
    return texts;
}
