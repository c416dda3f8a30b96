import { GetCommandInvocationCommand, GetCommandInvocationCommandOutput, InvocationDoesNotExist, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { activationScript as productActivationScript } from '../../cluster-resource/src/steps/scripts';
import { kmsUserScript } from '../../keystore-resource/src/steps/kmsuser';
import { WITH_PASSWORD_AT_PROMPTS } from '../../shared/ssm/cloudhsm-scripts';
import { SharedClock } from '../clock';
import { Emulator } from '../emulator/server';
import { SsmService, ssmService } from '../emulator/services/ssm';
import { InstanceEmulation, installInstanceEmulation } from './cli';
import { addCluster, addManagementInstance, addSecret, cliJson } from './test-account';

/**
 * A product-style script, sent over SSM like the handler sends it: place the CA certificate, configure the
 * CLI, read passwords from Secrets Manager on the instance (never in the command text or argv), activate the
 * cluster, create the crypto user KMS needs, and list the users. Then the product's own scripts, against the
 * way the CloudHSM CLI takes a password: at its terminal prompt, which SSM's scripts do not have.
 */
describe('activating a cluster and creating kmsuser with a script over SSM', () => {
    const instanceId = 'i-0123456789abcdef0';
    const adminPassword = 'Adm1n-Pa55word!';
    const kmsUserPassword = 'kmsUser-Pa55word';
    let clock: SharedClock;
    let emulator: Emulator;
    let emulation: InstanceEmulation;
    let ssm: SSMClient;

    beforeEach(async () => {
        clock = new SharedClock();
        emulator = new Emulator({ clock, services: [ssmService] });
        await emulator.start();
        emulation = installInstanceEmulation(emulator);
        addManagementInstance(emulator.state, { instanceId });
        addSecret(emulator.state, 'cloudhsm/cluster-abcdefghijk/admin', adminPassword);
        addSecret(emulator.state, 'cloudhsm/cluster-abcdefghijk/kmsuser', kmsUserPassword);
        ssm = new SSMClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    });

    afterEach(async () => {
        await emulator.service<SsmService>('ssm').whenAllFinished();
        ssm.destroy();
        await emulator.stop();
    });

    const activationScript = (trustAnchorPem: string, hsmIp: string): string[] => [
        'set -euo pipefail',
        'CLOUDHSM_HOME="${CLOUDHSM_HOME:-/opt/cloudhsm}"',
        'cat > "$CLOUDHSM_HOME/etc/customerCA.crt" <<\'PEM\'',
        ...trustAnchorPem.trim().split('\n'),
        'PEM',
        `"$CLOUDHSM_HOME/bin/configure-cli" -a ${hsmIp}`,
        'read_secret() { aws secretsmanager get-secret-value --region us-east-1 --secret-id "$1" --query SecretString --output text; }',
        'admin_password="$(read_secret cloudhsm/cluster-abcdefghijk/admin)"',
        WITH_PASSWORD_AT_PROMPTS,
        'with_password_at_prompts admin_password "$CLOUDHSM_HOME/bin/cloudhsm-cli" cluster activate',
        'export CLOUDHSM_ROLE=admin',
        'export CLOUDHSM_PIN="admin:$admin_password"',
        'kmsuser_password="$(read_secret cloudhsm/cluster-abcdefghijk/kmsuser)"',
        'with_password_at_prompts kmsuser_password "$CLOUDHSM_HOME/bin/cloudhsm-cli" user create --username kmsuser --role crypto-user',
        '"$CLOUDHSM_HOME/bin/cloudhsm-cli" user list',
    ];

    const runOverSsm = async (commands: string[]): Promise<{ commandId: string; result: GetCommandInvocationCommandOutput }> => {
        const { Command } = await ssm.send(
            new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands } }),
        );
        const commandId = Command!.CommandId!;
        await emulator.service<SsmService>('ssm').whenFinished(commandId);
        for (let poll = 0; poll < 10; poll++) {
            clock.advance(2);
            try {
                const result = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
                if (result.Status !== 'InProgress' && result.Status !== 'Pending') return { commandId, result };
            } catch (err) {
                if (!(err instanceof InvocationDoesNotExist)) throw err;
            }
        }
        throw new Error('the script did not finish within 10 polls');
    };

    it('leaves an ACTIVE cluster whose admin and kmsuser are on every HSM, with no password in command text or argv', async () => {
        const cluster = addCluster(emulator.state, { hsmIps: ['10.0.1.10', '10.0.2.10'] });

        const { commandId, result } = await runOverSsm(activationScript(cluster.pki!.trustAnchorPem!, '10.0.1.10'));

        expect(result.StandardErrorContent).toBe('');
        expect(result.Status).toBe('Success');
        expect(cluster.state).toBe('ACTIVE');
        const allHsmIds = cluster.hsms.map((h) => h.hsmId);
        expect(cluster.users).toEqual([
            expect.objectContaining({ username: 'admin', role: 'admin', password: adminPassword, hsmIds: allHsmIds, locked: false }),
            expect.objectContaining({ username: 'kmsuser', role: 'crypto-user', password: kmsUserPassword, hsmIds: allHsmIds, locked: false }),
        ]);

        const outputs = result.StandardOutputContent!.split(/\n(?=\{|Enter)/).filter((text) => text.includes('{')).map(cliJson);
        expect(outputs[0]).toEqual({ error_code: 0, data: 'Cluster activation successful' });
        expect(outputs[1]).toEqual({ error_code: 0, data: { username: 'kmsuser', role: 'crypto-user' } });
        expect(outputs[2].data.users).toEqual(
            expect.arrayContaining([
                { username: 'admin', role: 'admin', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' },
                { username: 'kmsuser', role: 'crypto-user', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' },
            ]),
        );

        const commandText = emulator.state.commands.get(commandId)![0].commands.join('\n');
        for (const password of [adminPassword, kmsUserPassword]) {
            expect(commandText).not.toContain(password);
            for (const call of emulation.invocations) expect(call.argv.join(' ')).not.toContain(password);
        }
        expect(emulation.invocations.map((c) => `${c.tool} ${c.argv.slice(0, 2).join(' ')}`)).toEqual([
            'configure-cli -a 10.0.1.10',
            'aws secretsmanager get-secret-value',
            'cloudhsm-cli cluster activate',
            'aws secretsmanager get-secret-value',
            'cloudhsm-cli user create',
            'cloudhsm-cli user list',
        ]);
        const userCreate = emulation.invocations[4];
        expect(userCreate.env.CLOUDHSM_ROLE).toBe('admin');
        expect(userCreate.env.CLOUDHSM_PIN).toBe(`admin:${adminPassword}`);
        expect(userCreate).toMatchObject({ passwordFrom: 'terminal', typedAtPrompts: [kmsUserPassword, kmsUserPassword], stdin: '' });
        expect(emulation.invocations[2]).toMatchObject({ passwordFrom: 'terminal', typedAtPrompts: [adminPassword, adminPassword], stdin: '' });
    });

    it('keeps the CA certificate on the instance for later commands, and reports partial coverage for a user a new HSM lacks', async () => {
        const cluster = addCluster(emulator.state, { hsmIps: ['10.0.1.10', '10.0.2.10'] });
        await runOverSsm(activationScript(cluster.pki!.trustAnchorPem!, '10.0.1.10'));
        cluster.hsms.push({ ...cluster.hsms[0], hsmId: 'hsm-ccccccccccc', eniId: 'eni-0cccccccccccccccc', eniIp: '10.0.3.10' });

        const { result } = await runOverSsm(['set -e', 'test -f "$CLOUDHSM_HOME/etc/customerCA.crt"', '"$CLOUDHSM_HOME/bin/cloudhsm-cli" user list']);

        const { users } = JSON.parse(result.StandardOutputContent!).data;
        expect(users.find((u: { username: string }) => u.username === 'kmsuser')['cluster-coverage']).toBe('partial');
        expect(users.find((u: { username: string }) => u.username === 'app_user')).toMatchObject({ role: 'internal(APPLIANCE_USER)' });
    });

    it('fails the SSM command, leaving the cluster INITIALIZED, when the certificate on the instance is not the trust anchor', async () => {
        const cluster = addCluster(emulator.state);
        const otherCluster = addCluster(emulator.state, { clusterId: 'cluster-zzzzzzzzzzz', hsmIps: ['10.0.9.10'] });

        const { result } = await runOverSsm(activationScript(otherCluster.pki!.trustAnchorPem!, '10.0.1.10'));

        expect(result.Status).toBe('Failed');
        expect(result.ResponseCode).toBe(1);
        expect(result.StandardOutputContent).toContain('TLS handshake failed');
        expect(cluster.state).toBe('INITIALIZED');
        expect(cluster.users.find((u) => u.username === 'kmsuser')).toBeUndefined();
    });

    describe("the product's scripts", () => {
        const adminSecret = 'cloudhsm/cluster-abcdefghijk/admin-credentials';
        const kmsUserSecret = 'cloudhsm/cks-0123456789abcdef0/kmsuser';
        const generatedAdminPassword = 'Q7v!xR2m#Lp9Wz4Tk8Hs3Yd6Nf1Bc5Ga';
        const generatedKmsUserPassword = 'uE3&nK8q@Vw5Zr1Jt6Mx9Pb2Ls7Dh4Fy';
        const arnOf = (name: string) => emulator.state.secrets.get(name)!.arn;

        beforeEach(() => {
            addSecret(emulator.state, adminSecret, JSON.stringify({ username: 'admin', password: generatedAdminPassword }));
            addSecret(emulator.state, kmsUserSecret, JSON.stringify({ username: 'kmsuser', password: generatedKmsUserPassword }));
        });

        const activation = (trustAnchorPem: string) =>
            productActivationScript({ hsmIp: '10.0.1.10', hsmType: 'hsm2m.medium', trustAnchorPem, adminSecretArn: arnOf(adminSecret), region: 'us-east-1' });
        const kmsUser = (trustAnchorPem: string) =>
            kmsUserScript({
                hsmIp: '10.0.1.10',
                hsmType: 'hsm2m.medium',
                trustAnchorPem,
                adminSecretArn: arnOf(adminSecret),
                kmsUserSecretArn: arnOf(kmsUserSecret),
                region: 'us-east-1',
            });
        /** Every 8-character piece of each password: a password cut in two or wrapped is still found. */
        const pieces = [generatedAdminPassword, generatedKmsUserPassword].flatMap((p) => Array.from({ length: p.length - 7 }, (_, i) => p.slice(i, i + 8)));
        const leaks = (texts: Array<{ where: string; text: string }>) =>
            texts.flatMap(({ where, text }) => pieces.filter((piece) => text.includes(piece)).map((piece) => `${piece.slice(0, 3)}… in ${where}`));

        it('GIVEN the old script that pipes the password to `cluster activate`, THEN the CLI finds no terminal to prompt on and the cluster stays INITIALIZED', async () => {
            const cluster = addCluster(emulator.state);
            const oldScript = activation(cluster.pki!.trustAnchorPem!).replace(
                /^with_password_at_prompts password (cloudhsm-cli cluster activate)$/m,
                `printf '%s\\n%s\\n' "$password" "$password" | $1`,
            );
            expect(oldScript).toContain('| cloudhsm-cli cluster activate');

            const { result } = await runOverSsm([oldScript]);

            expect(result.Status).toBe('Failed');
            expect(cliJson(result.StandardOutputContent!)).toEqual({
                error_code: 1,
                data: 'Failed to read the password from the terminal: No such device or address (os error 6)',
            });
            expect(cluster.state).toBe('INITIALIZED');
            const activate = emulation.invocations.find((i) => i.argv[0] === 'cluster')!;
            expect(activate).toMatchObject({ passwordFrom: 'none', typedAtPrompts: [], exitCode: 1 });
        });

        it('GIVEN the activation script, THEN the password is typed at both prompts, the cluster is ACTIVE, and no piece of it is in the output, the command or any command line', async () => {
            const cluster = addCluster(emulator.state);

            const { commandId, result } = await runOverSsm([activation(cluster.pki!.trustAnchorPem!)]);

            expect(result.StandardErrorContent).toBe('');
            expect(result.Status).toBe('Success');
            expect(result.StandardOutputContent).toBe(
                'Enter password: \nConfirm password: \n' + JSON.stringify({ error_code: 0, data: 'Cluster activation successful' }, null, 2) + '\ncluster activated\n',
            );
            expect(cluster.state).toBe('ACTIVE');
            expect(cluster.users.find((u) => u.username === 'admin')!.password).toBe(generatedAdminPassword);
            const activate = emulation.invocations.find((i) => i.argv[0] === 'cluster')!;
            expect(activate).toMatchObject({ passwordFrom: 'terminal', typedAtPrompts: [generatedAdminPassword, generatedAdminPassword], stdin: '' });
            // What `ps` shows for the process that drives the terminal: python3 and the CLI's arguments only.
            expect(activate.parentArgv.slice(0, 2)).toEqual(['python3', '-c']);
            expect(activate.parentArgv.slice(3)).toEqual(['cloudhsm-cli', 'cluster', 'activate']);
            expect(
                leaks([
                    { where: 'StandardOutputContent', text: result.StandardOutputContent! },
                    { where: 'StandardErrorContent', text: result.StandardErrorContent! },
                    { where: 'command text', text: emulator.state.commands.get(commandId)![0].commands.join('\n') },
                    ...emulation.invocations.flatMap((i, n) => [
                        { where: `argv of ${i.tool} #${n}`, text: i.argv.join(' ') },
                        { where: `argv of the parent of ${i.tool} #${n}`, text: i.parentArgv.join(' ') },
                    ]),
                ]),
            ).toEqual([]);
        });

        it('GIVEN the kmsuser script, THEN it creates kmsuser, and a second run resets its password, each typed at the prompts and absent from every output and command line', async () => {
            const cluster = addCluster(emulator.state);
            await runOverSsm([activation(cluster.pki!.trustAnchorPem!)]);

            const created = await runOverSsm([kmsUser(cluster.pki!.trustAnchorPem!)]);
            cluster.users.find((u) => u.username === 'kmsuser')!.password = 'set-by-KMS-0000';
            const reset = await runOverSsm([kmsUser(cluster.pki!.trustAnchorPem!)]);

            expect([created.result.Status, reset.result.Status]).toEqual(['Success', 'Success']);
            expect(created.result.StandardOutputContent).toContain('kmsuser created\nkmsuser covers every HSM\n');
            expect(reset.result.StandardOutputContent).toContain('kmsuser existed: password reset\nkmsuser covers every HSM\n');
            expect(cluster.users.find((u) => u.username === 'kmsuser')!.password).toBe(generatedKmsUserPassword);
            const userCommands = emulation.invocations.filter((i) => i.argv[0] === 'user' && i.argv[1] !== 'list');
            expect(userCommands.map((i) => `${i.argv[1]} ${i.passwordFrom} exit ${i.exitCode}`)).toEqual(['create terminal exit 0', 'change-password terminal exit 0']);
            expect(userCommands.every((i) => i.env.CLOUDHSM_PIN === `admin:${generatedAdminPassword}`)).toBe(true);
            expect(
                leaks([
                    ...[created, reset].flatMap(({ result }, n) => [
                        { where: `StandardOutputContent #${n}`, text: result.StandardOutputContent! },
                        { where: `StandardErrorContent #${n}`, text: result.StandardErrorContent! },
                    ]),
                    ...[...emulator.state.commands.values()].flat().map((c) => ({ where: `command ${c.commandId}`, text: c.commands.join('\n') })),
                    ...emulation.invocations.flatMap((i, n) => [
                        { where: `argv of ${i.tool} #${n}`, text: i.argv.join(' ') },
                        { where: `argv of the parent of ${i.tool} #${n}`, text: i.parentArgv.join(' ') },
                    ]),
                ]),
            ).toEqual([]);
        });

        it('GIVEN kmsuser logged in by a CONNECTED key store, THEN the kmsuser script fails with exit code 11 and says to disconnect the store, and the password is unchanged', async () => {
            const cluster = addCluster(emulator.state);
            await runOverSsm([activation(cluster.pki!.trustAnchorPem!)]);
            await runOverSsm([kmsUser(cluster.pki!.trustAnchorPem!)]);
            cluster.users.find((u) => u.username === 'kmsuser')!.password = 'set-by-KMS-0000';
            emulator.state.keyStores.set('cks-0123456789abcdef0', {
                customKeyStoreId: 'cks-0123456789abcdef0',
                name: 'keys',
                type: 'AWS_CLOUDHSM',
                creationDate: 0,
                connectionState: 'CONNECTED',
                clusterId: cluster.clusterId,
            });

            const { result } = await runOverSsm([kmsUser(cluster.pki!.trustAnchorPem!)]);

            expect(result.Status).toBe('Failed');
            expect(result.ResponseCode).toBe(11);
            expect(result.StandardOutputContent).toContain('Cannot change the password of user kmsuser: the user is logged in to the cluster (AWS KMS custom key store cks-0123456789abcdef0 is CONNECTED)');
            expect(result.StandardErrorContent).toContain('disconnect that key store (DisconnectCustomKeyStore), then retry');
            expect(cluster.users.find((u) => u.username === 'kmsuser')!.password).toBe('set-by-KMS-0000');
        });

        it('GIVEN a CloudHSM CLI older than 5.9.0 and an hsm2m.medium cluster, THEN the activation script stops with exit code 10 before it configures or activates anything', async () => {
            const cluster = addCluster(emulator.state);
            emulator.state.instances.get(instanceId)!.cli.clientVersion = '5.8.0';

            const { result } = await runOverSsm([activation(cluster.pki!.trustAnchorPem!)]);

            expect(result.Status).toBe('Failed');
            expect(result.ResponseCode).toBe(10);
            expect(result.StandardErrorContent).toContain("reports 'cloudhsm-cli 5.8.0'; hsm2m.medium HSMs need Client SDK 5.9.0 or newer");
            expect(cluster.state).toBe('INITIALIZED');
            expect(emulation.invocations.map((i) => `${i.tool} ${i.argv.join(' ')}`)).toEqual(['cloudhsm-cli --version']);
        });
    });
});
