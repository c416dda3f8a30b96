import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SharedClock } from '../clock';
import { Emulator } from '../emulator/server';
import { secretsManagerService } from '../emulator/services/secretsmanager';
import { installInstanceEmulation } from './cli';
import { runScript } from './runner';
import { addCluster, addManagementInstance } from './test-account';

/** The AWS CLI on the management instance: the calls management scripts make, answered from the emulated account. */
describe('aws on the management instance', () => {
    const instanceId = 'i-0123456789abcdef0';
    let emulator: Emulator;

    beforeEach(async () => {
        emulator = new Emulator({ clock: new SharedClock(), services: [secretsManagerService] });
        await emulator.start();
        installInstanceEmulation(emulator);
        addManagementInstance(emulator.state, { instanceId });
    });

    afterEach(async () => {
        await emulator.stop();
    });

    const run = (commands: string[]) => runScript({ emulatorUrl: emulator.endpoint, instanceId, commands, timeoutSeconds: 30 });

    it('reports a missing secret the way the AWS CLI does, which stops a set -e script', async () => {
        const result = await run([
            'set -euo pipefail',
            'password="$(aws secretsmanager get-secret-value --secret-id nope --query SecretString --output text)"',
            'echo "never printed"',
        ]);

        expect(result.exitCode).toBe(254);
        expect(result.stdout).toBe('');
        expect(result.stderr).toContain(
            "An error occurred (ResourceNotFoundException) when calling the GetSecretValue operation: Secrets Manager can't find the specified secret.",
        );
    });

    it('reads secrets made through the Secrets Manager API, and refuses one marked for deletion', async () => {
        const secrets = new SecretsManagerClient({
            endpoint: emulator.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
        });
        try {
            await secrets.send(new CreateSecretCommand({ Name: 'cloudhsm/admin', SecretString: 'from-the-api' }));
            await secrets.send(new CreateSecretCommand({ Name: 'cloudhsm/old', SecretString: 'going-away' }));
            await secrets.send(new DeleteSecretCommand({ SecretId: 'cloudhsm/old', RecoveryWindowInDays: 7 }));
        } finally {
            secrets.destroy();
        }

        const text = await run(['aws secretsmanager get-secret-value --secret-id cloudhsm/admin --query SecretString --output text']);
        const json = await run(['aws secretsmanager get-secret-value --secret-id cloudhsm/admin']);
        const deleted = await run(['aws secretsmanager get-secret-value --secret-id cloudhsm/old']);

        expect(text).toMatchObject({ exitCode: 0, stdout: 'from-the-api\n' });
        expect(JSON.parse(json.stdout)).toMatchObject({ Name: 'cloudhsm/admin', SecretString: 'from-the-api', VersionStages: ['AWSCURRENT'] });
        expect(new Date(JSON.parse(json.stdout).CreatedDate).getUTCFullYear()).toBe(new Date().getUTCFullYear());
        expect(deleted.exitCode).toBe(254);
        expect(deleted.stderr).toContain('(InvalidRequestException)');
    });

    it('describes clusters with shorthand filters and --query', async () => {
        const cluster = addCluster(emulator.state);
        addCluster(emulator.state, { clusterId: 'cluster-zzzzzzzzzzz', hsmIps: ['10.0.9.10'], state: 'ACTIVE' });
        addCluster(emulator.state, { clusterId: 'cluster-yyyyyyyyyyy', hsmIps: ['10.0.8.10'], state: 'ACTIVE' });

        const result = await run([
            `aws cloudhsmv2 describe-clusters --filters clusterIds=${cluster.clusterId} --query 'Clusters[0].Hsms[1].EniIp' --output text`,
            `aws cloudhsmv2 describe-clusters --filters clusterIds=${cluster.clusterId},cluster-zzzzzzzzzzz,states=ACTIVE`,
        ]);

        expect(result.stdout.split('\n')[0]).toBe('10.0.2.10');
        const { Clusters } = JSON.parse(result.stdout.slice(result.stdout.indexOf('\n') + 1));
        expect(Clusters.map((c: { ClusterId: string; State: string }) => [c.ClusterId, c.State])).toEqual([['cluster-zzzzzzzzzzz', 'ACTIVE']]);
        expect(result.exitCode).toBe(0);
    });
});
