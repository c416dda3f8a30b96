/**
 * The emulator's fault rules: a lost response (the work is done, then the answer is a 500 with the service's
 * internal error, or the connection closes without one), and rules that pick calls at a seeded random rate.
 */
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { SEND_ONCE } from '../../shared/aws/clients';
import { classify } from '../../shared/aws/error-table';
import { SharedClock } from '../clock';
import { Faults } from './faults';
import { Emulator } from './server';
import { ec2Service } from './services/ec2';
import { secretsManagerService } from './services/secretsmanager';

let emulator: Emulator;
let client: SecretsManagerClient;

beforeEach(async () => {
    emulator = new Emulator({ clock: new SharedClock(), services: [secretsManagerService, ec2Service] });
    await emulator.start();
    client = new SecretsManagerClient({
        endpoint: emulator.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
        // Exactly one attempt (the 3.332 client makes two with maxAttempts 1), so each test sees the fault itself.
        retryStrategy: SEND_ONCE,
    });
});
afterEach(async () => {
    client.destroy();
    await emulator.stop();
});

const create = (name: string) => client.send(new CreateSecretCommand({ Name: name, SecretString: 'value', ClientRequestToken: 'a'.repeat(32) }));

describe('lose-response', () => {
    test('internal: the secret is created, and the answer is the service\'s internal error (500)', async () => {
        emulator.faults.add({ service: 'secretsmanager', action: 'CreateSecret', kind: 'lose-response', lostAs: 'internal', times: 1 });

        const failure = await create('lost-internal').catch((err: unknown) => err);

        expect(failure).toMatchObject({ name: 'InternalServiceError', $metadata: { httpStatusCode: 500 } });
        await expect(client.send(new DescribeSecretCommand({ SecretId: 'lost-internal' }))).resolves.toMatchObject({ Name: 'lost-internal' });
        expect(emulator.calls[0]).toMatchObject({ action: 'CreateSecret', responseLost: 'internal', error: 'InternalServiceError' });
    });

    test('drop: the secret is created, and the connection closes without any answer', async () => {
        emulator.faults.add({ service: 'secretsmanager', action: 'CreateSecret', kind: 'lose-response', lostAs: 'drop', times: 1 });

        const failure = (await create('lost-drop').catch((err: unknown) => err)) as Error & { $metadata?: { httpStatusCode?: number } };

        // The SDK sees a socket that closed with no HTTP response at all.
        expect(failure.message).toMatch(/socket hang up/);
        expect(failure.$metadata?.httpStatusCode).toBeUndefined();
        await expect(client.send(new DescribeSecretCommand({ SecretId: 'lost-drop' }))).resolves.toMatchObject({ Name: 'lost-drop' });
        expect(emulator.calls[0]).toMatchObject({ action: 'CreateSecret', responseLost: 'drop', error: 'DroppedConnection' });
    });

    test('a refused call whose answer is lost changes nothing, and is lost all the same', async () => {
        await create('exists');
        emulator.faults.add({ service: 'secretsmanager', action: 'CreateSecret', kind: 'lose-response', times: 1 });

        await expect(client.send(new CreateSecretCommand({ Name: 'exists', SecretString: 'other', ClientRequestToken: 'b'.repeat(32) }))).rejects.toMatchObject({
            name: 'InternalServiceError',
        });
        expect(emulator.state.secrets.get('exists')!.versions).toHaveLength(1);
    });
});

describe('throttle', () => {
    test('a JSON service answers ThrottlingException (400)', async () => {
        emulator.faults.add({ service: 'secretsmanager', kind: 'throttle', times: 1 });

        await expect(create('throttled')).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    });

    test('EC2 answers its own throttling error, RequestLimitExceeded (503 "Request limit exceeded."), retryable throttling', async () => {
        const ec2 = new EC2Client({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' }, retryStrategy: SEND_ONCE });
        emulator.faults.add({ service: 'ec2', action: 'DescribeVpcs', kind: 'throttle', times: 1 });

        const failure = await ec2.send(new DescribeVpcsCommand({})).catch((err: unknown) => err);
        ec2.destroy();

        expect(failure).toMatchObject({ name: 'RequestLimitExceeded', message: 'Request limit exceeded.', $metadata: { httpStatusCode: 503 } });
        // The product's one error table treats it as throttling, to be tried again later.
        expect(classify(failure, 'DescribeVpcs')).toMatchObject({ code: HandlerErrorCode.Throttling, retryable: true });
    });
});

describe('seeded rates', () => {
    const picks = (rule: { rate: number; seed: number }, calls: number) => {
        const faults = new Faults();
        faults.add({ service: 'kms', kind: 'throttle', ...rule });
        return Array.from({ length: calls }, () => !!faults.apply('kms', 'ConnectCustomKeyStore').error);
    };

    test('the same seed picks the same calls; another seed others; about `rate` of them', () => {
        const first = picks({ rate: 0.2, seed: 42 }, 1000);
        expect(picks({ rate: 0.2, seed: 42 }, 1000)).toEqual(first);
        expect(picks({ rate: 0.2, seed: 7 }, 1000)).not.toEqual(first);
        const share = first.filter(Boolean).length / first.length;
        expect(share).toBeGreaterThan(0.15);
        expect(share).toBeLessThan(0.25);
    });

    test('a rate with `times` stops after that many picks; calls of other services are never picked', () => {
        const faults = new Faults();
        faults.add({ service: 'kms', kind: 'throttle', rate: 0.5, seed: 1, times: 3 });
        const picked = Array.from({ length: 100 }, () => !!faults.apply('kms', 'DisconnectCustomKeyStore').error).filter(Boolean);
        expect(picked).toHaveLength(3);
        expect(Array.from({ length: 100 }, () => faults.apply('ssm', 'SendCommand').error).filter(Boolean)).toEqual([]);
    });

    test('a rate outside 0–1 is refused', () => {
        expect(() => new Faults().add({ kind: 'throttle', rate: 1.5 })).toThrow(/rate/);
    });
});
