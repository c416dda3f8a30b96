import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SharedClock } from '../../clock';
import { Emulator } from '../server';
import { cloudWatchService } from './cloudwatch';
import { clientSettings, errorOf } from './test-client';

let emulator: Emulator;
let client: CloudWatchClient;

beforeEach(async () => {
    emulator = new Emulator({ clock: new SharedClock(), services: [cloudWatchService] });
    await emulator.start();
    client = new CloudWatchClient(clientSettings(emulator));
});

afterEach(async () => {
    client.destroy();
    await emulator.stop();
});

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

/** What the wire carried: the pinned 3.332 client speaks query to CloudWatch, current SDKs JSON 1.0; AWS answers both. */
describe('both protocols CloudWatch answers (rows in local/emulator/FIDELITY.md)', () => {
    async function post(headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
        const response = await fetch(emulator.endpoint, { method: 'POST', headers, body });
        return { status: response.status, body: await response.text() };
    }
    const queryHeaders = {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240102/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0',
    };
    const query = (params: Record<string, string>) => new URLSearchParams({ Version: '2010-08-01', ...params }).toString();

    it('reads flattened query members and answers PutMetricData with ResponseMetadata only', async () => {
        const answer = await post(
            queryHeaders,
            query({
                Action: 'PutMetricData',
                Namespace: 'Test',
                'MetricData.member.1.MetricName': 'Latency',
                'MetricData.member.1.Values.member.1': '10.5',
                'MetricData.member.1.Values.member.2': '20',
                'MetricData.member.1.Counts.member.1': '3',
                'MetricData.member.1.Counts.member.2': '1',
                'MetricData.member.1.Timestamp': '2024-01-02T03:04:05.000Z',
                'MetricData.member.1.Dimensions.member.1.Name': 'Action',
                'MetricData.member.1.Dimensions.member.1.Value': 'CREATE',
                'MetricData.member.2.MetricName': 'Count',
                'MetricData.member.2.StatisticValues.SampleCount': '2',
                'MetricData.member.2.StatisticValues.Sum': '8',
                'MetricData.member.2.StatisticValues.Minimum': '3',
                'MetricData.member.2.StatisticValues.Maximum': '5',
            }),
        );
        expect(answer.status).toBe(200);
        expect(answer.body).toMatch(/^<PutMetricDataResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/">\s*<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/PutMetricDataResponse>$/);
        const at = Date.UTC(2024, 0, 2, 3, 4, 5);
        expect(emulator.state.metrics.map((m) => [m.name, m.value, m.count, m.timestampMs === at, m.dimensions])).toEqual([
            ['Latency', 10.5, 3, true, [{ Name: 'Action', Value: 'CREATE' }]],
            ['Latency', 20, 1, true, [{ Name: 'Action', Value: 'CREATE' }]],
            ['Count', 4, 2, false, undefined],
        ]);
    });

    it('answers errors with the query codes of the model, an unreadable number or timestamp as InvalidParameterValue', async () => {
        const codeOf = async (params: Record<string, string>) => {
            const answer = await post(queryHeaders, query(params));
            return [answer.status, /<Type>(\w+)<\/Type><Code>([\w.]+)<\/Code><Message>([^<]*)<\/Message>/.exec(answer.body)?.slice(1)];
        };
        const datum = { Action: 'PutMetricData', Namespace: 'Test', 'MetricData.member.1.MetricName': 'M' };
        expect(await codeOf({ ...datum, 'MetricData.member.1.Value': 'abc' })).toEqual([
            400,
            ['Sender', 'InvalidParameterValue', 'The value abc for parameter MetricData.member.1.Value is invalid.'],
        ]);
        expect(await codeOf({ ...datum, 'MetricData.member.1.Value': '1', 'MetricData.member.1.Timestamp': 'yesterday' })).toEqual([
            400,
            ['Sender', 'InvalidParameterValue', 'The value yesterday for parameter MetricData.member.1.Timestamp is invalid.'],
        ]);
        expect(await codeOf(datum)).toEqual([400, ['Sender', 'MissingParameter', 'The parameter MetricData.member.1.Value is required.']]);
        expect((await codeOf({ ...datum, 'MetricData.member.1.Value': '1', 'MetricData.member.1.Values.member.1': '1' }))[1]).toEqual([
            'Sender',
            'InvalidParameterCombination',
            expect.any(String),
        ]);
        expect((await codeOf({ Action: 'ListMetrics' }))[1]).toEqual(['Sender', 'InvalidAction', expect.any(String)]);
        emulator.faults.add({ service: 'cloudwatch', action: 'PutMetricData', kind: 'throttle', times: 1 });
        expect(await codeOf({ ...datum, 'MetricData.member.1.Value': '1' })).toEqual([400, ['Sender', 'Throttling', 'Rate exceeded']]);
        emulator.faults.add({ service: 'cloudwatch', action: 'PutMetricData', kind: 'internal', times: 1 });
        expect((await codeOf({ ...datum, 'MetricData.member.1.Value': '1' })).slice(0, 2)).toEqual([500, ['Receiver', 'InternalServiceError', expect.any(String)]]);
        expect(emulator.state.metrics).toEqual([]);
    });

    it('the pinned client reads those codes back as the model error names', async () => {
        const bad = await errorOf(client.send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: Infinity }] })));
        expect(bad.name).toBe('InvalidParameterValueException');
        // Every attempt: the 3.332 client makes a second one even with maxAttempts 1.
        emulator.faults.add({ service: 'cloudwatch', action: 'PutMetricData', kind: 'throttle' });
        const throttled = await errorOf(client.send(new PutMetricDataCommand({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 1 }] })));
        expect(throttled.name).toBe('Throttling');
    });

    it('still answers AWS JSON 1.0, as current SDKs speak it', async () => {
        const json = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' };
        const stored = await post(json, JSON.stringify({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 2, Timestamp: 1704164645 }] }));
        expect(stored).toEqual({ status: 200, body: '{}' });
        expect(emulator.state.metrics.map((m) => [m.value, m.timestampMs])).toEqual([[2, 1704164645000]]);
        const refused = await post(json, JSON.stringify({ Namespace: 'Test', MetricData: [{ MetricName: 'M', Value: 'NaN' }] }));
        expect([refused.status, JSON.parse(refused.body).__type]).toEqual([400, 'InvalidParameterValueException']);
    });
});
