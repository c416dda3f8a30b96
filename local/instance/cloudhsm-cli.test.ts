import { SharedClock } from '../clock';
import { Emulator } from '../emulator/server';
import { cloudHsmService } from '../emulator/services/cloudhsm';
import { Cluster } from '../emulator/state';
import { InstanceEmulation, installInstanceEmulation } from './cli';
import { runScript } from './runner';
import { addCluster, addManagementInstance, atTerminal, cliJson, fakeCertificatePem } from './test-account';

/** The CloudHSM client tools on the instance, run through real scripts, in the ways they refuse to work. */
describe('configure-cli and cloudhsm-cli on the management instance', () => {
    const instanceId = 'i-0123456789abcdef0';
    const adminPassword = 'Adm1n-Pa55word!';
    let emulator: Emulator;
    let emulation: InstanceEmulation;

    beforeEach(async () => {
        emulator = new Emulator({ clock: new SharedClock(), services: [] });
        await emulator.start();
        emulation = installInstanceEmulation(emulator);
        addManagementInstance(emulator.state, { instanceId });
    });

    afterEach(async () => {
        await emulator.stop();
    });

    const run = (commands: string[]) =>
        runScript({ emulatorUrl: emulator.endpoint, instanceId, commands, timeoutSeconds: 30, files: emulation.instanceFiles(instanceId) });

    const placeCertificate = (pem: string) => ['cat > "$CLOUDHSM_HOME/etc/customerCA.crt" <<\'PEM\'', ...pem.trim().split('\n'), 'PEM'];
    const cli = '"$CLOUDHSM_HOME/bin/cloudhsm-cli"';
    const asAdmin = (password: string) => `CLOUDHSM_ROLE=admin CLOUDHSM_PIN="admin:${password}"`;

    /** An ACTIVE cluster whose admin has `adminPassword`, with the instance configured and the certificate placed. */
    const activeCluster = async (): Promise<Cluster> => {
        const cluster = addCluster(emulator.state);
        const setup = await run([
            ...placeCertificate(cluster.pki!.trustAnchorPem!),
            '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10',
            atTerminal([adminPassword, adminPassword], `${cli} cluster activate`),
        ]);
        expect(setup.exitCode).toBe(0);
        return cluster;
    };

    describe('connecting', () => {
        it('refuses to work before configure-cli has written an HSM address', async () => {
            const cluster = addCluster(emulator.state);

            const result = await run([...placeCertificate(cluster.pki!.trustAnchorPem!), atTerminal(['Passw0rd!', 'Passw0rd!'], `${cli} cluster activate`)]);

            expect(result.exitCode).toBe(1);
            expect(cliJson(result.stdout)).toEqual({ error_code: 1, data: expect.stringContaining('No HSM is configured') });
            expect(cluster.state).toBe('INITIALIZED');
        });

        it('fails the TLS handshake when customerCA.crt is missing or is not the cluster trust anchor', async () => {
            const cluster = addCluster(emulator.state);

            const missing = await run(['"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10', atTerminal(['Passw0rd!', 'Passw0rd!'], `${cli} cluster activate`)]);
            const wrong = await run([
                ...placeCertificate(fakeCertificatePem()),
                '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10',
                atTerminal(['Passw0rd!', 'Passw0rd!'], `${cli} cluster activate`),
            ]);

            expect(missing.exitCode).toBe(1);
            expect(missing.stdout).toContain('unable to read the CA certificate /opt/cloudhsm/etc/customerCA.crt');
            expect(wrong.exitCode).toBe(1);
            expect(wrong.stdout).toContain('TLS handshake failed');
            expect(cluster.state).toBe('INITIALIZED');
        });

        it("times out when the cluster's security group does not admit the instance", async () => {
            const cluster = addCluster(emulator.state, { allowInstance: false });

            const result = await run([
                ...placeCertificate(cluster.pki!.trustAnchorPem!),
                '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10',
                atTerminal(['Passw0rd!', 'Passw0rd!'], `${cli} cluster activate`),
            ]);

            expect(result.exitCode).toBe(1);
            expect(result.stdout).toContain('10.0.1.10:2223: connection timed out');
        });

        it('accepts any address in configure-cli -a, but cloudhsm-cli cannot reach one that is no HSM', async () => {
            const cluster = addCluster(emulator.state);

            const result = await run([
                ...placeCertificate(cluster.pki!.trustAnchorPem!),
                '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.7.7 && echo configured',
                `${cli} user list`,
            ]);

            expect(result.stdout).toMatch(/^configured\n/);
            expect(result.stdout).toContain('Failed to connect to the HSM at 10.0.7.7:2223');
            expect(result.exitCode).toBe(1);
        });

        it('looks the cluster up with configure-cli --cluster-id, and rejects an unknown cluster', async () => {
            const cluster = addCluster(emulator.state);

            const unknown = await run(['"$CLOUDHSM_HOME/bin/configure-cli" --cluster-id cluster-unknown0000']);
            const known = await run([
                'set -e',
                ...placeCertificate(cluster.pki!.trustAnchorPem!),
                `"$CLOUDHSM_HOME/bin/configure-cli" --cluster-id ${cluster.clusterId} --region us-east-1`,
                atTerminal([adminPassword, adminPassword], `${cli} cluster activate`),
            ]);

            expect(unknown.exitCode).toBe(1);
            expect(unknown.stderr).toContain('CloudHsmResourceNotFoundException');
            expect(known.stderr).toBe('');
            expect(known.exitCode).toBe(0);
            expect(cluster.state).toBe('ACTIVE');
        });

        it('rejects options the real tools do not have', async () => {
            const result = await run(['"$CLOUDHSM_HOME/bin/configure-cli" --hsm-ip 10.0.1.10', 'echo "exit $?"', `${cli} cluster explode`]);

            expect(result.stderr).toContain("error: unexpected argument '--hsm-ip' found");
            expect(result.stdout).toBe('exit 1\n');
            expect(result.stderr).toContain("error: unrecognized subcommand 'cluster explode'");
            expect(result.exitCode).toBe(1);
        });
    });

    describe('activating', () => {
        it('needs a password of 8 to 32 characters, and the confirmation to match', async () => {
            const cluster = addCluster(emulator.state);
            const setup = [...placeCertificate(cluster.pki!.trustAnchorPem!), '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10'];

            const short = await run([...setup, atTerminal(['short', 'short'], `${cli} cluster activate`)]);
            const mismatch = await run([...setup, atTerminal(['Passw0rd-one', 'Passw0rd-two'], `${cli} cluster activate`)]);
            const none = await run([...setup, `${cli} cluster activate`]);

            expect(short.stdout).toContain('must be 8 to 32 characters');
            expect(mismatch.stdout).toContain('Passwords do not match');
            expect(none.stdout).toContain('Failed to read the password from the terminal: No such device or address (os error 6)');
            expect([short.exitCode, mismatch.exitCode, none.exitCode]).toEqual([1, 1, 1]);
            expect(cluster.state).toBe('INITIALIZED');
            expect(cluster.users.filter((u) => u.password !== undefined)).toEqual([]);
        });

        it('shows the built-in admin as unactivated-admin before activation and refuses a second activation', async () => {
            const cluster = addCluster(emulator.state);
            const before = await run([...placeCertificate(cluster.pki!.trustAnchorPem!), '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10', `${cli} user list`]);
            expect(cliJson(before.stdout).data.users[0]).toMatchObject({ username: 'admin', role: 'unactivated-admin', 'cluster-coverage': 'full' });

            await run([atTerminal([adminPassword, adminPassword], `${cli} cluster activate`)]);
            const again = await run([atTerminal(['Other-Passw0rd', 'Other-Passw0rd'], `${cli} cluster activate`)]);

            expect(cluster.state).toBe('ACTIVE');
            expect(again.exitCode).toBe(1);
            expect(again.stdout).toContain('already activated');
            expect(cluster.users.find((u) => u.username === 'admin')!.password).toBe(adminPassword);
        });
        it('tells the CloudHSM service about the change, which starts a backup holding the activated admin', async () => {
            const withCloudHsm = new Emulator({ clock: new SharedClock(), services: [cloudHsmService] });
            await withCloudHsm.start();
            const emulationWithCloudHsm = installInstanceEmulation(withCloudHsm);
            addManagementInstance(withCloudHsm.state, { instanceId });
            const cluster = addCluster(withCloudHsm.state);
            try {
                const result = await runScript({
                    emulatorUrl: withCloudHsm.endpoint,
                    instanceId,
                    timeoutSeconds: 30,
                    files: emulationWithCloudHsm.instanceFiles(instanceId),
                    commands: [
                        ...placeCertificate(cluster.pki!.trustAnchorPem!),
                        '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10',
                        atTerminal([adminPassword, adminPassword], `${cli} cluster activate`),
                    ],
                });

                expect(result.exitCode).toBe(0);
                const backups = [...withCloudHsm.state.backups.values()].filter((b) => b.clusterId === cluster.clusterId);
                expect(backups).toHaveLength(1);
                expect(backups[0].users).toEqual([expect.objectContaining({ username: 'admin', role: 'admin', password: adminPassword })]);
            } finally {
                await withCloudHsm.stop();
            }
        });
    });

    describe('managing users', () => {
        it('locks a user after five failed logins; the right password then fails too, until an admin resets it', async () => {
            const cluster = await activeCluster();
            await run([atTerminal(['Crypt0-Pa55word', 'Crypt0-Pa55word'], `${cli} user create --username app --role crypto-user`, asAdmin(adminPassword))]);
            const app = cluster.users.find((u) => u.username === 'app')!;
            const asApp = (password: string) =>
                atTerminal(['New-Pa55word', 'New-Pa55word'], `${cli} user change-password --username app --role crypto-user`, `CLOUDHSM_ROLE=crypto-user CLOUDHSM_PIN="app:${password}"`);

            for (let attempt = 1; attempt <= 4; attempt++) {
                const result = await run([asApp('wrong-password')]);
                expect(result.stdout).toContain('incorrect password');
                expect(app).toMatchObject({ failedLogins: attempt, locked: false });
            }
            await run([asApp('wrong-password')]);
            expect(app).toMatchObject({ failedLogins: 5, locked: true });
            const rightButLocked = await run([asApp('Crypt0-Pa55word')]);
            expect(rightButLocked.exitCode).toBe(1);
            expect(rightButLocked.stdout).toContain('locked out');
            expect(app.password).toBe('Crypt0-Pa55word');

            const reset = await run([atTerminal(['Reset-Pa55word', 'Reset-Pa55word'], `${cli} user change-password --username app --role crypto-user`, asAdmin(adminPassword))]);
            expect(reset.exitCode).toBe(0);
            expect(app).toMatchObject({ password: 'Reset-Pa55word', failedLogins: 0, locked: false });
        });

        it('requires the single-command credentials, and an admin for user management', async () => {
            const cluster = await activeCluster();
            await run([atTerminal(['Crypt0-Pa55word', 'Crypt0-Pa55word'], `${cli} user create --username app --role crypto-user`, asAdmin(adminPassword))]);

            const anonymous = await run([atTerminal(['Some-Pa55word', 'Some-Pa55word'], `${cli} user create --username eve --role crypto-user`)]);
            const byCryptoUser = await run([
                atTerminal(['Some-Pa55word', 'Some-Pa55word'], `${cli} user create --username eve --role crypto-user`, `CLOUDHSM_ROLE=crypto-user CLOUDHSM_PIN=app:Crypt0-Pa55word`),
            ]);

            expect(anonymous.stdout).toContain('requires a logged in user');
            expect(byCryptoUser.stdout).toContain('Only an admin can create users');
            expect(cluster.users.map((u) => u.username)).toEqual(['admin', 'app']);
        });

        it('creates users on the ACTIVE HSMs only, refuses duplicates, and deletes them', async () => {
            const cluster = await activeCluster();
            cluster.hsms[1].state = 'DEGRADED';

            const created = await run([atTerminal(['Crypt0-Pa55word', 'Crypt0-Pa55word'], `${cli} user create --username KmsUser --role crypto-user`, asAdmin(adminPassword))]);
            const duplicate = await run([atTerminal(['Crypt0-Pa55word', 'Crypt0-Pa55word'], `${cli} user create --username kmsuser --role crypto-user`, asAdmin(adminPassword))]);
            const badName = await run([atTerminal(['Crypt0-Pa55word', 'Crypt0-Pa55word'], `${cli} user create --username kms-user --role crypto-user`, asAdmin(adminPassword))]);

            expect(cliJson(created.stdout)).toEqual({ error_code: 0, data: { username: 'kmsuser', role: 'crypto-user' } });
            expect(cluster.users.find((u) => u.username === 'kmsuser')!.hsmIds).toEqual([cluster.hsms[0].hsmId]);
            expect(duplicate.stdout).toContain('already exists');
            expect(badName.stdout).toContain("Invalid username 'kms-user'");

            const deleted = await run([`${asAdmin(adminPassword)} ${cli} user delete --username kmsuser --role crypto-user`]);
            expect(deleted.exitCode).toBe(0);
            expect(cluster.users.map((u) => u.username)).toEqual(['admin']);
        });
    });

    describe('what the documentation says of the real tools', () => {
        const setupFor = (cluster: Cluster) => [...placeCertificate(cluster.pki!.trustAnchorPem!), '"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10'];

        it('reads a new password only at the terminal prompt: a pipe is not read, --password on the command line works, and each call records where the password came from', async () => {
            const cluster = addCluster(emulator.state);

            const piped = await run([...setupFor(cluster), `printf 'Passw0rd-1\\nPassw0rd-1\\n' | ${cli} cluster activate`]);
            const onCommandLine = await run([`${cli} cluster activate --password Passw0rd-2`]);

            expect(piped.exitCode).toBe(1);
            expect(piped.stdout).toContain('No such device or address (os error 6)');
            expect(onCommandLine.exitCode).toBe(0);
            expect(cluster.users.find((u) => u.username === 'admin')!.password).toBe('Passw0rd-2');
            const activations = emulation.invocations.filter((i) => i.argv[0] === 'cluster');
            expect(activations.map((i) => i.passwordFrom)).toEqual(['none', 'argv']);
        });

        it('prints its version, and a client older than 5.9.0 cannot connect to hsm2m.medium HSMs', async () => {
            const cluster = addCluster(emulator.state);
            emulator.state.instances.get(instanceId)!.cli.clientVersion = '5.8.0';

            const version = await run([`${cli} --version`]);
            const tooOld = await run([...setupFor(cluster), `${cli} user list`]);
            emulator.state.instances.get(instanceId)!.cli.clientVersion = '5.9.0';
            const recent = await run([`${cli} user list`]);

            expect(version).toMatchObject({ stdout: 'cloudhsm-cli 5.8.0\n', exitCode: 0 });
            expect(tooOld.exitCode).toBe(1);
            expect(tooOld.stdout).toContain('is not supported by this client (Client SDK 5.8.0; 5.9.0 or later needed)');
            expect(recent.exitCode).toBe(0);
        });

        it('lists users as the "user list" reference shows them: fields in order, string "locked", the internal app_user', async () => {
            const cluster = await activeCluster();

            const listed = await run([`${cli} user list`]);

            expect(listed.stdout).toBe(
                JSON.stringify(
                    {
                        error_code: 0,
                        data: {
                            users: [
                                { username: 'admin', role: 'admin', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' },
                                { username: 'app_user', role: 'internal(APPLIANCE_USER)', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' },
                            ],
                        },
                    },
                    null,
                    2,
                ) + '\n',
            );
            expect(cluster.state).toBe('ACTIVE');
        });

        it('takes IPv6 addresses and --hsm-ca-cert <path> in configure-cli, and still refuses a host name or a CA file that is missing', async () => {
            const cluster = addCluster(emulator.state);
            const elsewhere = 'my-ca.pem';

            const ipv6 = await run(['"$CLOUDHSM_HOME/bin/configure-cli" -a 2001:db8::10 fd00::1']);
            const hostName = await run(['"$CLOUDHSM_HOME/bin/configure-cli" -a hsm.example.com']);
            const missingCa = await run(['"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10 --hsm-ca-cert /nonexistent/ca.pem']);
            const withCa = await run([
                `cat > ${elsewhere} <<'PEM'`,
                ...cluster.pki!.trustAnchorPem!.trim().split('\n'),
                'PEM',
                `"$CLOUDHSM_HOME/bin/configure-cli" -a 10.0.1.10 --hsm-ca-cert ${elsewhere}`,
                `${cli} user list`,
            ]);

            expect(ipv6).toMatchObject({ exitCode: 0, stderr: '' });
            expect(hostName.exitCode).toBe(1);
            expect(hostName.stderr).toContain("invalid value 'hsm.example.com' for '-a <ENI_IP>...'");
            expect(missingCa.exitCode).toBe(1);
            expect(missingCa.stderr).toContain("invalid value '/nonexistent/ca.pem' for '--hsm-ca-cert'");
            // customerCA.crt is absent: the CLI verifies the HSM with the CA file configure-cli was given.
            expect(withCa.exitCode).toBe(0);
            expect(cliJson(withCa.stdout).data.users[0]).toMatchObject({ username: 'admin', role: 'unactivated-admin' });
        });

        it("refuses to change kmsuser's password while KMS keeps it logged in (a key store on the cluster CONNECTING, CONNECTED or DISCONNECTING), and changes it once the store is DISCONNECTED", async () => {
            const cluster = await activeCluster();
            await run([atTerminal(['Kms-Pa55word-0', 'Kms-Pa55word-0'], `${cli} user create --username kmsuser --role crypto-user`, asAdmin(adminPassword))]);
            const store = { customKeyStoreId: 'cks-0123456789abcdef0', name: 'keys', type: 'AWS_CLOUDHSM' as const, creationDate: 0, clusterId: cluster.clusterId };
            const change = (password: string) =>
                run([atTerminal([password, password], `${cli} user change-password --username kmsuser --role crypto-user`, asAdmin(adminPassword))]);

            const refused: string[] = [];
            for (const connectionState of ['CONNECTING', 'CONNECTED', 'DISCONNECTING'] as const) {
                emulator.state.keyStores.set(store.customKeyStoreId, { ...store, connectionState });
                const result = await change('Kms-Pa55word-1');
                refused.push(`${connectionState}: exit ${result.exitCode} ${cliJson(result.stdout).data}`);
            }
            emulator.state.keyStores.set(store.customKeyStoreId, { ...store, connectionState: 'DISCONNECTED' });
            const changed = await change('Kms-Pa55word-2');

            expect(refused).toEqual(
                ['CONNECTING', 'CONNECTED', 'DISCONNECTING'].map(
                    (state) =>
                        `${state}: exit 1 Cannot change the password of user kmsuser: the user is logged in to the cluster (AWS KMS custom key store cks-0123456789abcdef0 is ${state})`,
                ),
            );
            expect(changed.exitCode).toBe(0);
            expect(cluster.users.find((u) => u.username === 'kmsuser')!.password).toBe('Kms-Pa55word-2');
        });
    });
    describe('key list', () => {
        it('shows a crypto user the keys it owns, filtered by label, in the documented shape; refuses an admin', async () => {
            const cluster = await activeCluster();
            const hsmIds = cluster.hsms.map((h) => h.hsmId);
            cluster.users.push({ username: 'kmsuser', role: 'crypto-user', password: 'KmsUs3r-Pass', hsmIds, failedLogins: 0, locked: false });
            cluster.keys = [
                { keyReference: '0x0000000000000011', label: 'key-one', owner: 'kmsuser', keyType: 'aes', keyClass: 'secret-key', hsmIds },
                { keyReference: '0x0000000000000012', label: 'key-two', owner: 'kmsuser', keyType: 'aes', keyClass: 'secret-key', hsmIds },
                { keyReference: '0x0000000000000013', label: 'other', owner: 'alice', keyType: 'aes', keyClass: 'secret-key', hsmIds },
            ];
            const asKmsUser = 'CLOUDHSM_ROLE=crypto-user CLOUDHSM_PIN="kmsuser:KmsUs3r-Pass"';

            const all = await run([`${asKmsUser} ${cli} key list`]);
            const one = await run([`${asKmsUser} ${cli} key list --filter attr.label=key-two --verbose`]);
            const admin = await run([`${asAdmin(adminPassword)} ${cli} key list`]);

            expect(cliJson(all.stdout)).toEqual({
                error_code: 0,
                data: {
                    matched_keys: [
                        { 'key-reference': '0x0000000000000011', attributes: { label: 'key-one' } },
                        { 'key-reference': '0x0000000000000012', attributes: { label: 'key-two' } },
                    ],
                    total_key_count: 2,
                    returned_key_count: 2,
                },
            });
            expect(cliJson(one.stdout).data).toMatchObject({
                matched_keys: [{ 'key-reference': '0x0000000000000012', 'key-info': { 'key-owners': [{ username: 'kmsuser', 'key-coverage': 'full' }], 'cluster-coverage': 'full' }, attributes: { 'key-type': 'aes', label: 'key-two', class: 'secret-key' } }],
                returned_key_count: 1,
            });
            expect(admin.exitCode).toBe(1);
            expect(cliJson(admin.stdout)).toEqual({ error_code: 1, data: 'key list requires a logged in crypto user (CU)' });
        });
    });
});
