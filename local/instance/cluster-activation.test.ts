import { GetCommandInvocationCommand, GetCommandInvocationCommandOutput, InvocationDoesNotExist, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SharedClock } from '../clock';
import { Emulator } from '../emulator/server';
import { SsmService, ssmService } from '../emulator/services/ssm';
import { InstanceEmulation, installInstanceEmulation } from './cli';
import { addCluster, addManagementInstance, addSecret } from './test-account';

/**
 * A product-style script, sent over SSM like the handler sends it: place the CA certificate, configure the
 * CLI, read passwords from Secrets Manager on the instance (never in the command text or argv), activate the
 * cluster, create the crypto user KMS needs, and list the users.
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
        'printf \'%s\\n%s\\n\' "$admin_password" "$admin_password" | "$CLOUDHSM_HOME/bin/cloudhsm-cli" cluster activate',
        'export CLOUDHSM_ROLE=admin',
        'export CLOUDHSM_PIN="admin:$admin_password"',
        'read_secret cloudhsm/cluster-abcdefghijk/kmsuser | "$CLOUDHSM_HOME/bin/cloudhsm-cli" user create --username kmsuser --role crypto-user',
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

        const outputs = result.StandardOutputContent!.split(/\n(?=\{)/).map((text) => JSON.parse(text));
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
        expect(userCreate.stdin).toBe(`${kmsUserPassword}\n`);
        expect(emulation.invocations[2].stdin).toBe(`${adminPassword}\n${adminPassword}\n`);
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
});
