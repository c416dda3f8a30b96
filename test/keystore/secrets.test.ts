/**
 * No key store secret ever appears in a log, progress event, returned model, SSM command or process command
 * line, and only one process environment holds one: the admin password in CLOUDHSM_PIN of the cloudhsm-cli
 * process that logs in (the CLI's documented non-interactive login).
 *
 * The secrets are taken from where they truly live, after every operation: the emulated Secrets Manager (the
 * admin password, every kmsuser password version the type stored — its secret is gone after the delete) and
 * the HSMs (the kmsuser password KMS sets each time it connects, which the type never learns). Positive
 * controls show the search can fail: the kmsuser passwords do travel, typed at the CLI's terminal prompt, and a planted
 * secret, or any 8 characters of one, is found. Every 8-character piece of every password is searched for, so
 * a password cut up, or shown in part, is found too.
 *
 * The life includes failure paths and replays: a create whose every event is delivered twice, a rotation whose
 * kmsuser script fails, a create KMS refuses after the create-request record was written, and a create whose
 * CreateCustomKeyStore answer is lost. The record lives only within an invocation, so the harvest also looks at
 * the emulated Secrets Manager as each call reaches the emulator.
 */
import { OperationReport } from '../../local/driver/driver';
import { CliInvocation } from '../../local/instance/cli';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, keyStoreType, OpensslCa, QUICK_SERVICE_DURATIONS } from '../support';
import { keyStoreProperties } from './key-store-support';

/** Base64 lines of a PEM body shorter than this could match by chance. */
const MIN_PEM_FRAGMENT_CHARS = 21;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g;

interface Text {
    where: string;
    text: string;
}

/** Any piece this long of a generated password (32 characters of 56 symbols) is never in other text by chance. */
const PASSWORD_FRAGMENT_CHARS = 8;

/** A password's 8-character pieces; a PEM part (long base64 lines) is searched for whole. */
const piecesOf = (secret: string) =>
    secret.length > 32 || secret.length < PASSWORD_FRAGMENT_CHARS ? [secret] : Array.from({ length: secret.length - PASSWORD_FRAGMENT_CHARS + 1 }, (_, i) => secret.slice(i, i + PASSWORD_FRAGMENT_CHARS));

/** Where each secret, or a piece of it, occurs; a failure names only the secret's first characters. */
function exposures(texts: Text[], secrets: Iterable<string>): string[] {
    const found: string[] = [];
    for (const secret of secrets) {
        const pieces = piecesOf(secret);
        for (const { where, text } of texts) if (pieces.some((piece) => text.includes(piece))) found.push(`${secret.slice(0, 6)}… in ${where}`);
    }
    return found;
}

/** Every secret value seen so far, by kind; collected after each operation because secrets are deleted. */
class SecretHarvest {
    readonly adminPasswords = new Set<string>();
    readonly kmsUserPasswordsStored = new Set<string>();
    readonly kmsUserPasswordsSetByKms = new Set<string>();
    readonly privateKeyParts = new Set<string>();

    collect(aws: LocalAws): void {
        const state = aws.emulator.state;
        for (const secret of state.secrets.values()) {
            for (const version of secret.versions) {
                const value = version.secretString ?? '';
                const password = passwordField(value);
                if (password !== undefined) (/\/kmsuser$|\/create-requests\//.test(secret.name) ? this.kmsUserPasswordsStored : this.adminPasswords).add(password);
                for (const pem of stringsIn(value).flatMap((text) => text.match(PRIVATE_KEY_PEM) ?? [])) {
                    this.privateKeyParts.add(pem);
                    pem.split('\n').map((l) => l.trim()).filter((l) => !l.startsWith('-----') && l.length >= MIN_PEM_FRAGMENT_CHARS).forEach((l) => this.privateKeyParts.add(l));
                }
            }
        }
        for (const cluster of state.clusters.values()) {
            for (const user of cluster.users) {
                if (user.username === 'kmsuser' && user.password && !this.kmsUserPasswordsStored.has(user.password)) this.kmsUserPasswordsSetByKms.add(user.password);
            }
        }
        for (const store of state.keyStores.values()) {
            if (store.kmsUserPassword && !this.kmsUserPasswordsStored.has(store.kmsUserPassword)) this.kmsUserPasswordsSetByKms.add(store.kmsUserPassword);
        }
    }

    all(): string[] {
        return [...this.adminPasswords, ...this.kmsUserPasswordsStored, ...this.kmsUserPasswordsSetByKms, ...this.privateKeyParts];
    }
}

/** The string fields of a JSON secret (the CA key pair is JSON), else the value itself. */
function stringsIn(secretString: string): string[] {
    try {
        const parsed = JSON.parse(secretString) as unknown;
        if (parsed && typeof parsed === 'object') return Object.values(parsed).filter((v): v is string => typeof v === 'string');
    } catch {
        // A certificate or another plain string.
    }
    return [secretString];
}

function passwordField(secretString: string): string | undefined {
    try {
        const parsed = JSON.parse(secretString) as { password?: unknown };
        return typeof parsed?.password === 'string' ? parsed.password : undefined;
    } catch {
        return undefined;
    }
}

const isKmsUserPasswordChange = (i: CliInvocation) => i.tool === 'cloudhsm-cli' && i.argv[0] === 'user' && ['create', 'change-password'].includes(i.argv[1]) && i.argv.includes('kmsuser');

describe('GIVEN a ready cluster, WHEN a key store lives its whole life through the driver', () => {
    let aws: LocalAws;
    const harvest = new SecretHarvest();
    const reports: OperationReport[] = [];
    let consoleLines: string[] = [];
    let progressEvents: unknown[] = [];
    /** Instance tool calls made by the key store's operations (the cluster's own came before). */
    let keyStoreCliFrom = 0;

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        // The cluster's CA key lives only from its step to initialization: harvested after every invocation.
        const observedClusterType = {
            ...clusterType,
            entrypoint: async (event: unknown, context: unknown) => {
                try {
                    return await clusterType.entrypoint(event, context);
                } finally {
                    harvest.collect(aws);
                }
            },
        };
        const cluster = (await aws.driver(observedClusterType, { logicalResourceId: 'Cluster' }).create(clusterProperties(aws))).model!;
        if (cluster.State !== 'ACTIVE') throw new Error('The cluster for the test did not become ACTIVE');
        keyStoreCliFrom = aws.instances.invocations.length;
        const driver = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
        consoleLines = driver.consoleLines;
        progressEvents = driver.invocationEvents;
        const succeed = async (phase: string, operation: Promise<OperationReport>) => {
            const report = await operation;
            reports.push(report);
            harvest.collect(aws);
            if (report.status !== 'SUCCESS') throw new Error(`${phase} ended ${report.status} ${report.errorCode}: ${report.message}`);
            return report;
        };

        const fail = async (phase: string, operation: Promise<OperationReport>) => {
            const report = await operation;
            reports.push(report);
            harvest.collect(aws);
            if (report.status !== 'FAILED') throw new Error(`${phase} ended ${report.status}, not FAILED`);
            return report;
        };
        // Observing, not changing: the emulator logs each call before it answers it.
        const calls = aws.emulator.calls;
        const log = calls.push.bind(calls);
        calls.push = (...records) => {
            harvest.collect(aws);
            return log(...records);
        };

        const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'secret-keys' });
        const created = await succeed('create, every event delivered twice', driver.create(properties, { deliverTwice: { retryAfterSeconds: 5 } }));
        let current: Record<string, unknown> = { ...properties, KeyStoreId: created.model!.KeyStoreId };
        await succeed('read', driver.read({ KeyStoreId: current.KeyStoreId }));
        for (const [phase, change] of [
            ['rename', { KeyStoreName: 'secret-keys-renamed' }],
            ['rotate', { KmsUserPasswordVersion: 2 }],
            ['disconnect', { DesiredConnectionState: 'DISCONNECTED' }],
            ['reconnect', { DesiredConnectionState: 'CONNECTED' }],
        ] as const) {
            const desired = { ...current, ...change };
            await succeed(phase, driver.update(current, desired));
            current = desired;
        }
        // A rotation whose kmsuser script fails (kmsuser missing on one HSM): its output is in the failure message.
        const [kmsUser] = aws.emulator.state.clusters.get(cluster.ClusterId as string)!.users.filter((u) => u.username === 'kmsuser');
        const hsmIds = kmsUser.hsmIds;
        kmsUser.hsmIds = hsmIds.slice(0, 1);
        await fail('rotation whose kmsuser script fails', driver.update(current, { ...current, KmsUserPasswordVersion: 3 }));
        kmsUser.hsmIds = hsmIds;
        await succeed('list', driver.list());
        await succeed('delete', driver.delete(current));

        // A create KMS refuses (another CA's trust anchor) after the create-request record holds a password.
        const otherCa = new OpensslCa('Not The Cluster CA');
        await fail('create with a wrong trust anchor', driver.create({ ...properties, TrustAnchorCertificate: otherCa.anchorPem }));
        otherCa.dispose();
        // A create whose CreateCustomKeyStore answer is lost: the next invocation reads the password from the record.
        aws.emulator.faults.add({ service: 'kms', action: 'CreateCustomKeyStore', kind: 'lose-response', lostAs: 'drop', times: 1 });
        const adopted = await succeed('create after a lost answer', driver.create({ ...properties, KeyStoreName: 'secret-keys-again' }));
        await succeed('delete of that store', driver.delete({ KeyStoreId: adopted.model!.KeyStoreId }));
        calls.push = log;
    });

    afterAll(async () => {
        await aws?.stop();
    });

    it('THEN the secrets were really made: an admin password, five stored kmsuser passwords and four set by KMS on connecting', () => {
        expect(harvest.adminPasswords.size).toBe(1);
        // Create, rotation, failed rotation, the refused create's record, the create after a lost answer.
        expect(harvest.kmsUserPasswordsStored.size).toBe(5);
        // Each connection (create, rotation, reconnect, the second store) makes KMS set a kmsuser password of its own.
        expect(harvest.kmsUserPasswordsSetByKms.size).toBe(4);
        expect(harvest.privateKeyParts.size).toBeGreaterThan(10);
        expect(reports.map((r) => `${r.action} ${r.status}`)).toEqual([
            'CREATE SUCCESS',
            'READ SUCCESS',
            ...Array(4).fill('UPDATE SUCCESS'),
            'UPDATE FAILED',
            'LIST SUCCESS',
            'DELETE SUCCESS',
            'CREATE FAILED',
            'CREATE SUCCESS',
            'DELETE SUCCESS',
        ]);
        expect(aws.emulator.state.keyStores.size).toBe(0);
        expect([...aws.emulator.state.secrets.values()].filter((x) => x.name.startsWith('cloudhsm/key-stores/') && x.deletedDate === undefined)).toEqual([]);
    });

    it('THEN the search finds a secret planted in a line (so it can fail)', () => {
        const planted = [...harvest.kmsUserPasswordsSetByKms][0];

        expect(exposures([{ where: 'synthetic line', text: `connected with password=${planted}` }], harvest.all())).toEqual([`${planted.slice(0, 6)}… in synthetic line`]);
        expect(exposures([{ where: 'a piece', text: `tail …${planted.slice(-8)}` }], harvest.all())).toEqual([`${planted.slice(0, 6)}… in a piece`]);
    });

    it('THEN each stored kmsuser password was typed at the terminal prompt of `cloudhsm-cli user create` or `user change-password`, and reached no stdin', () => {
        const changes = aws.instances.invocations.slice(keyStoreCliFrom).filter(isKmsUserPasswordChange);
        const typed = changes.map((i, n) => ({ where: `typed at the prompts of user ${i.argv[1]} #${n}`, text: i.typedAtPrompts.join('\n') }));
        const stdin = aws.instances.invocations.map((i, n) => ({ where: `stdin of ${i.tool} #${n}`, text: i.stdin }));

        // Create, rotation, the failed rotation (the password is set; the coverage check fails), the second store.
        expect(changes.map((i) => `${i.argv[1]} from the ${i.passwordFrom}, exit ${i.exitCode}`)).toEqual([
            'create from the terminal, exit 0',
            ...Array(3).fill('change-password from the terminal, exit 0'),
        ]);
        // Every stored password but the refused create's, which KMS was offered and nobody else.
        expect(exposures(typed, harvest.kmsUserPasswordsStored)).toHaveLength(4);
        expect(exposures(typed, [...harvest.adminPasswords, ...harvest.kmsUserPasswordsSetByKms])).toEqual([]);
        expect(exposures(stdin, harvest.all())).toEqual([]);
    });

    it('THEN no secret is in what the handlers printed', () => {
        expect(consoleLines.length).toBeGreaterThan(0);

        expect(exposures(consoleLines.map((text, i) => ({ where: `console line ${i}`, text })), harvest.all())).toEqual([]);
    });

    it('THEN no secret is in any log event CloudWatch Logs holds', () => {
        const texts: Text[] = [];
        for (const [group, streams] of aws.emulator.state.logGroups) {
            for (const [stream, events] of streams) events.forEach((e, i) => texts.push({ where: `log ${group} / ${stream} #${i}`, text: e.message }));
        }
        expect(texts.some((t) => t.where.includes('keystore'))).toBe(true);

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it('THEN no secret is in any progress event, returned model or message', () => {
        const events = progressEvents.map((event, i) => ({ where: `progress event ${i}`, text: JSON.stringify(event) }));
        const models = reports.map((r, i) => ({ where: `${r.action} #${i}`, text: JSON.stringify({ model: r.model, models: r.models, message: r.message }) }));
        expect(events.length).toBeGreaterThan(reports.length);

        expect(exposures([...events, ...models], harvest.all())).toEqual([]);
    });

    it('THEN no secret is in the text, comment or output of any SSM command', () => {
        const texts = [...aws.emulator.state.commands.values()].flat().map((c) => ({
            where: `SSM command ${c.commandId} (${c.comment})`,
            text: JSON.stringify({ commands: c.commands, parameters: c.parameters, comment: c.comment, stdout: c.stdout, stderr: c.stderr }),
        }));
        expect(texts.filter((t) => t.where.includes('kmsuser'))).toHaveLength(4);

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it('THEN no secret is on the command line of any tool run on the instance', () => {
        // The tool's own and its parent's, which for a password command is the pty driver (python3): what `ps` shows.
        const texts = aws.instances.invocations.flatMap((i, n) => [
            { where: `argv of ${i.tool} call ${n}`, text: i.argv.join(' ') },
            { where: `argv of the parent of ${i.tool} call ${n}`, text: i.parentArgv.join(' ') },
        ]);
        expect(texts.length).toBeGreaterThan(4);
        expect(aws.instances.invocations.filter(isKmsUserPasswordChange).every((i) => i.parentArgv[0] === 'python3')).toBe(true);

        expect(exposures(texts, harvest.all())).toEqual([]);
    });

    it('THEN the only environment variable holding a secret is CLOUDHSM_PIN of the cloudhsm-cli process that logs in, with the admin password', () => {
        const holders = new Set<string>();
        for (const invocation of aws.instances.invocations) {
            for (const [name, value] of Object.entries(invocation.env)) {
                if (exposures([{ where: name, text: value }], harvest.all()).length) holders.add(`${invocation.tool} ${name}`);
            }
        }
        const keyStoreLogins = aws.instances.invocations.slice(keyStoreCliFrom).filter((i) => i.env.CLOUDHSM_PIN !== undefined);
        const [adminPassword] = harvest.adminPasswords;

        expect([...holders]).toEqual(['cloudhsm-cli CLOUDHSM_PIN']);
        expect(keyStoreLogins.map((i) => `${i.tool} user ${i.argv[1]}`)).toEqual(['cloudhsm-cli user create', ...Array(3).fill('cloudhsm-cli user change-password')]);
        expect(keyStoreLogins.every((i) => i.env.CLOUDHSM_PIN === `admin:${adminPassword}` && i.env.CLOUDHSM_ROLE === 'admin')).toBe(true);
        expect(exposures(keyStoreLogins.map((i, n) => ({ where: `CLOUDHSM_PIN #${n}`, text: i.env.CLOUDHSM_PIN })), harvest.kmsUserPasswordsStored)).toEqual([]);
    });
});
