import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SharedClock } from '../../clock';
import { Emulator } from '../server';
import { cloudWatchService } from './cloudwatch';

let emulator: Emulator;
let client: CloudWatchClient;

beforeEach(async () => {
    emulator = new Emulator({ clock: new SharedClock(), services: [cloudWatchService] });
    await emulator.start();
    client = new CloudWatchClient({
        endpoint: emulator.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
        maxAttempts: 1,
    });
});

afterEach(async () => {
    client.destroy();
    await emulator.stop();
});

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
    try {
        await promise;
    } catch (err) {
        return err as { name: string; message: string };
    }
    throw new Error('expected the call to fail');
}

describe('PutMetricData', () => {
    it('stores namespace, name, value, unit, dimensions and timestamp', async () => {
        const timestamp = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
        await client.send(
            new PutMetricDataCommand({
                Namespace: 'AWS/CloudFormation/Community/CloudHsm/Cluster',
                MetricData: [
                    {
                        MetricName: 'HandlerInvocationCount',
                        Value: 1,
                        Unit: 'Count',
                        Timestamp: timestamp,
                        Dimensions: [{ Name: 'Action', Value: 'CREATE' }],
                    },
                ],
            }),
        );
        expect(emulator.state.metrics).toEqual([
            {
                namespace: 'AWS/CloudFormation/Community/CloudHsm/Cluster',
                name: 'HandlerInvocationCount',
                value: 1,
                unit: 'Count',
                dimensions: [{ Name: 'Action', Value: 'CREATE' }],
                timestampMs: timestamp.getTime(),
            },
        ]);
    });

    it('spreads Values and Counts into one entry per value', async () => {
        await client.send(
            new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'Latency', Values: [10, 20], Counts: [3, 1] }] }),
        );
        expect(emulator.state.metrics.map((m) => [m.value, m.count])).toEqual([
            [10, 3],
            [20, 1],
        ]);
    });

    it('stores nothing from a request with one bad datum', async () => {
        const combined = await errorOf(
            client.send(
                new PutMetricDataCommand({
                    Namespace: 'Test',
                    MetricData: [
                        { MetricName: 'Good', Value: 1 },
                        { MetricName: 'Bad', Value: 1, Values: [1] },
                    ],
                }),
            ),
        );
        expect(combined.name).toBe('InvalidParameterCombinationException');
        const notANumber = await errorOf(client.send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'N', Value: NaN }] })));
        expect(notANumber.name).toBe('InvalidParameterValueException');
        const noValue = await errorOf(client.send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'N' }] })));
        expect(noValue.name).toBe('MissingRequiredParameterException');
        expect(emulator.state.metrics).toEqual([]);
    });
});

describe('API model constraints (rows in local/emulator/FIDELITY.md)', () => {
    const put = (datum: Record<string, unknown>) =>
        errorOf(client.send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', ...datum } as never] })));

    it('refuses names over 255 and dimension values over 1024 characters', async () => {
        expect((await put({ MetricName: 'm'.repeat(256), Value: 1 })).name).toBe('InvalidParameterValueException');
        expect((await put({ Value: 1, Dimensions: [{ Name: 'n'.repeat(256), Value: 'v' }] })).name).toBe('InvalidParameterValueException');
        expect((await put({ Value: 1, Dimensions: [{ Name: 'n', Value: 'v'.repeat(1025) }] })).name).toBe('InvalidParameterValueException');
        expect(emulator.state.metrics).toEqual([]);
        await client.send(
            new PutMetricDataCommand({
                Namespace: 'Test',
                MetricData: [{ MetricName: 'm'.repeat(255), Value: 1, Dimensions: [{ Name: 'n'.repeat(255), Value: 'v'.repeat(1024) }] }],
            }),
        );
        expect(emulator.state.metrics).toHaveLength(1);
    });

    it('refuses a unit outside the StandardUnit set, and more than 150 values in one datum', async () => {
        const unit = await put({ Value: 1, Unit: 'Widgets' });
        expect(unit.name).toBe('InvalidParameterValueException');
        expect(unit.message).toContain('MetricData.member.1.Unit must be a value in the set');
        expect((await put({ Values: Array.from({ length: 151 }, (_, i) => i) })).name).toBe('InvalidParameterValueException');
        expect(emulator.state.metrics).toEqual([]);
        await client.send(
            new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Unit: 'Count', Values: Array.from({ length: 150 }, (_, i) => i) }] }),
        );
        expect(emulator.state.metrics).toHaveLength(150);
    });
});
