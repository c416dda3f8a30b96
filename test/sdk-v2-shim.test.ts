import 'reflect-metadata';
import * as http from 'http';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { AddressInfo } from 'net';
import { format } from 'util';
import { Expose } from 'class-transformer';
import {
    Action,
    BaseModel,
    BaseResource,
    handlerEvent,
    LoggerProxy,
    OperationStatus,
    ProgressEvent,
    ResourceHandlerRequest,
} from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import CloudWatchLogs from 'aws-sdk/clients/cloudwatchlogs';
import CloudWatch from 'aws-sdk/clients/cloudwatch';
import S3 from 'aws-sdk/clients/s3';
import { SharedClock } from '../local/clock';
import { Emulator } from '../local/emulator/server';
import { logsService } from '../local/emulator/services/logs';
import { cloudWatchService } from '../local/emulator/services/cloudwatch';

const typeName = 'Community::ShimTest::Widget';
const metricNamespace = 'AWS/CloudFormation/Community/ShimTest/Widget';
const providerLogGroupName = 'community-shimtest-widget-logs';
const stackId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/shim-test/5e1f0a40-c7a1-11ee-9f2b-0a1b2c3d4e5f';
const logicalResourceId = 'MyWidget';
// CloudWatchLogHelper turns the stack ARN's colons into "__" to make a valid stream name.
const providerLogStreamName = `${stackId}/${logicalResourceId}`.replace(/:/g, '__');
const v2Credentials = { accessKeyId: 'AKIDPROVIDER', secretAccessKey: 'provider-secret', sessionToken: 'provider-token' };

class WidgetModel extends BaseModel {
    static readonly TYPE_NAME: string = typeName;

    @Expose({ name: 'WidgetName' })
    widgetName?: string;
}

class WidgetResource extends BaseResource<WidgetModel> {
    @handlerEvent(Action.Create)
    async create(
        _session: unknown,
        request: ResourceHandlerRequest<WidgetModel>,
        _callbackContext: unknown,
        logger: LoggerProxy,
    ): Promise<ProgressEvent<WidgetModel>> {
        logger.log(`Created widget ${request.desiredResourceState?.widgetName}`);
        return ProgressEvent.success<ProgressEvent<WidgetModel>>(request.desiredResourceState);
    }

    @handlerEvent(Action.Read)
    async read(
        _session: unknown,
        request: ResourceHandlerRequest<WidgetModel>,
        _callbackContext: unknown,
        logger: LoggerProxy,
    ): Promise<ProgressEvent<WidgetModel>> {
        logger.log(`Read widget ${request.desiredResourceState?.widgetName}`);
        return ProgressEvent.success<ProgressEvent<WidgetModel>>(request.desiredResourceState);
    }
}

function handlerRequest(action: 'CREATE' | 'READ', bearerToken: string, providerCredentials: Record<string, string> = v2Credentials) {
    return {
        action,
        awsAccountId: '123456789012',
        bearerToken,
        region: 'us-east-1',
        resourceType: typeName,
        resourceTypeVersion: '00000001',
        stackId,
        callbackContext: null,
        requestData: {
            callerCredentials: { accessKeyId: 'AKIDCALLER', secretAccessKey: 'caller-secret', sessionToken: 'caller-token' },
            providerCredentials,
            providerLogGroupName,
            logicalResourceId,
            resourceProperties: { WidgetName: 'blue-widget' },
            systemTags: {},
            stackTags: {},
        },
    };
}

/** An HTTP listener that answers `{}` and records what reached it, to check what goes on the wire. */
interface WireRecorder {
    url: string;
    requests: { target?: string; headers: http.IncomingHttpHeaders; body: string }[];
    close(): Promise<void>;
}

async function startWireRecorder(): Promise<WireRecorder> {
    const requests: WireRecorder['requests'] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
            const target = req.headers['x-amz-target'];
            requests.push({ target: typeof target === 'string' ? target : undefined, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
            res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{}');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        requests,
        close: async () => {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

/**
 * The library publishes its last log line ("Log delivery completed.") after `entrypoint` has returned, with its
 * own 0.25 s real-time pause before the put: wait for it to land rather than let it hit a stopped emulator.
 */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}

describe('SDK v2 stand-in (aws-sdk → SDK v3)', () => {
    const environmentBefore = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_MAX_ATTEMPTS'].map((name) => [name, process.env[name]] as const);
    let emulator: Emulator;
    let s3Sentinel: WireRecorder;

    beforeAll(async () => {
        emulator = new Emulator({ clock: new SharedClock(), services: [logsService, cloudWatchService] });
        await emulator.start();
        s3Sentinel = await startWireRecorder();
        process.env.AWS_ENDPOINT_URL = emulator.endpoint;
        // Were anything to reach S3, it would land here rather than on the emulator, which has no S3.
        process.env.AWS_ENDPOINT_URL_S3 = s3Sentinel.url;
        // One attempt per call, so an injected fault reaches the caller without the SDK's backoff.
        process.env.AWS_MAX_ATTEMPTS = '1';
    });

    afterAll(async () => {
        for (const [name, value] of environmentBefore) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        await s3Sentinel.close();
        await emulator.stop();
    });

    describe('driven by the real cloudformation-cli-typescript-lib entrypoint', () => {
        const resource = new WidgetResource(typeName, WidgetModel);
        const lambdaLogLines: string[] = [];
        let consoleLog: jest.SpyInstance;

        beforeAll(() => {
            // The library writes its own diagnostics (the "Lambda log") with console.log; keep them to assert on.
            consoleLog = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
                lambdaLogLines.push(format(...args));
            });
        });

        afterAll(() => consoleLog.mockRestore());

        const streamMessages = (): string[] =>
            (emulator.state.logGroups.get(providerLogGroupName)?.get(providerLogStreamName) ?? []).map((e) => e.message);
        const deliveredCount = (line: string) => streamMessages().filter((m) => m.includes(line)).length;

        test('a CREATE invocation delivers its log lines to CloudWatch Logs and its metrics to CloudWatch', async () => {
            const callsBefore = emulator.calls.length;

            const progress = await resource.entrypoint(handlerRequest('CREATE', 'bearer-create-1'), {} as never);
            await waitUntil(() => deliveredCount('Log delivery completed.') === 1, 'the last log line of CREATE');

            expect(progress).toMatchObject({ status: OperationStatus.Success, resourceModel: { WidgetName: 'blue-widget' } });

            // Given a new group, the library creates group and stream, then puts one event per log line.
            const counts = emulator.callCounts(callsBefore);
            expect(counts).toMatchObject({
                'logs:DescribeLogGroups': 1,
                'logs:CreateLogGroup': 1,
                'logs:CreateLogStream': 1,
                'logs:DescribeLogStreams': 1,
            });
            expect(emulator.calls.slice(callsBefore).filter((c) => c.error)).toEqual([]);
            expect(streamMessages()).toEqual(expect.arrayContaining([expect.stringContaining('Created widget blue-widget')]));
            expect(counts['logs:PutLogEvents']).toBe(streamMessages().length);

            const metricsNamed = (name: string) => emulator.state.metrics.filter((m) => m.namespace === metricNamespace && m.name === name);
            const createDimensions = [
                { Name: 'DimensionKeyActionType', Value: 'CREATE' },
                { Name: 'DimensionKeyResourceType', Value: typeName },
            ];
            expect(metricsNamed('HandlerInvocationCount')).toEqual([
                expect.objectContaining({ value: 1, unit: 'Count', dimensions: createDimensions }),
            ]);
            expect(metricsNamed('HandlerInvocationDuration')).toEqual([
                expect.objectContaining({ unit: 'Milliseconds', dimensions: createDimensions }),
            ]);
        });

        test('the S3 log fallback sends nothing, reports why in the Lambda log, and the handler still succeeds', () => {
            expect(s3Sentinel.requests).toEqual([]);
            expect(lambdaLogLines.join('\n')).toContain(
                'Initializing S3 bucket and folder failed with error: S3LogFallbackDisabled: S3 createBucket was not sent',
            );
            // The library counts each refused S3 call (listObjectsV2, createBucket) as a log-delivery exception.
            const logDeliveryException = expect.objectContaining({
                value: 1,
                dimensions: [
                    { Name: 'DimensionKeyActionType', Value: 'ProviderLogDelivery' },
                    { Name: 'DimensionKeyExceptionType', Value: 'S3LogFallbackDisabled' },
                    { Name: 'DimensionKeyResourceType', Value: typeName },
                ],
            });
            const exceptionMetrics = emulator.state.metrics.filter((m) => m.namespace === metricNamespace && m.name === 'HandlerException');
            expect(exceptionMetrics).toEqual([logDeliveryException, logDeliveryException]);
        });

        test('a second invocation for the same resource reuses the existing group and stream', async () => {
            const callsBefore = emulator.calls.length;

            const progress = await resource.entrypoint(handlerRequest('READ', 'bearer-read-1'), {} as never);
            await waitUntil(() => deliveredCount('Log delivery completed.') === 2, 'the last log line of READ');

            expect(progress).toMatchObject({ status: OperationStatus.Success });
            const counts = emulator.callCounts(callsBefore);
            expect(counts['logs:CreateLogGroup']).toBeUndefined();
            // CreateLogStream answers ResourceAlreadyExistsException, which the library reads from `err.code`.
            expect(emulator.calls.slice(callsBefore).filter((c) => c.error)).toEqual([
                expect.objectContaining({ service: 'logs', action: 'CreateLogStream', error: 'ResourceAlreadyExistsException' }),
            ]);
            expect(deliveredCount('Read widget blue-widget')).toBe(1);
            expect(deliveredCount('Created widget blue-widget')).toBe(1);
            expect(emulator.state.metrics.filter((m) => m.namespace === metricNamespace && m.name === 'HandlerInvocationCount')).toHaveLength(2);
            expect(s3Sentinel.requests).toEqual([]);
        });

        test('provider credentials without keys: nothing is sent with other credentials, and the handler still succeeds', async () => {
            // Credentials the SDK's default chain would find, as a Lambda's own role provides them.
            const defaultChainBefore = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((name) => [name, process.env[name]] as const);
            process.env.AWS_ACCESS_KEY_ID = 'AKIDDEFAULTCHAIN';
            process.env.AWS_SECRET_ACCESS_KEY = 'default-chain-secret';
            const callsBefore = emulator.calls.length;
            const lambdaLogBefore = lambdaLogLines.length;
            try {
                const emptyKeys = { accessKeyId: '', secretAccessKey: '', sessionToken: '' };
                const progress = await resource.entrypoint(handlerRequest('READ', 'bearer-read-no-keys', emptyKeys), {} as never);

                expect(progress).toMatchObject({ status: OperationStatus.Success });
                expect(emulator.calls.slice(callsBefore)).toEqual([]);
                expect(s3Sentinel.requests).toEqual([]);
                const lambdaLog = lambdaLogLines.slice(lambdaLogBefore).join('\n');
                expect(lambdaLog).toContain('Initializing logging group setting failed with error: CredentialsError: Missing credentials');
                expect(lambdaLog).toContain('An error occurred while publishing metrics: Missing credentials');
            } finally {
                for (const [name, value] of defaultChainBefore) {
                    if (value === undefined) delete process.env[name];
                    else process.env[name] = value;
                }
            }
        });
    });

    describe('errors carry the SDK v2 fields the library reads', () => {
        const logs = () => new CloudWatchLogs({ credentials: v2Credentials, region: 'us-east-1' });

        test('a call throttled once is tried again and succeeds', async () => {
            emulator.faults.add({ service: 'logs', action: 'DescribeLogGroups', kind: 'throttle', times: 1 });
            const callsBefore = emulator.calls.length;

            await expect(logs().makeRequest('describeLogGroups', {}).promise()).resolves.toBeDefined();
            expect(emulator.calls.slice(callsBefore).map((c) => c.error)).toEqual(['ThrottlingException', undefined]);
        });

        test('a call throttled every time is tried 3 times, then rejects with code ThrottlingException and retryable false', async () => {
            // retryable false: the library must log it and carry on, not fail the resource operation (metrics.js).
            emulator.faults.add({ service: 'logs', action: 'DescribeLogGroups', kind: 'throttle', times: 3 });
            const callsBefore = emulator.calls.length;

            await expect(logs().makeRequest('describeLogGroups', {}).promise()).rejects.toMatchObject({
                name: 'ThrottlingException',
                code: 'ThrottlingException',
                retryable: false,
                statusCode: 400,
            });
            expect(emulator.calls.length - callsBefore).toBe(3);
        });

        test('a 5xx from CloudWatch on every attempt rejects with its status and retryable false', async () => {
            emulator.faults.add({ service: 'cloudwatch', action: 'PutMetricData', kind: 'internal', times: 3 });
            const cloudWatch = new CloudWatch({ credentials: v2Credentials, region: 'us-east-1' });
            const metricInput = {
                Namespace: metricNamespace,
                MetricData: [{ MetricName: 'HandlerInvocationCount', Unit: 'Count', Value: 1, Timestamp: new Date() }],
            };

            const rejection = await cloudWatch.makeRequest('putMetricData', metricInput).promise().catch((err: unknown) => err);

            expect(rejection).toMatchObject({ retryable: false, statusCode: 500 });
            expect((rejection as { code: string }).code).toBe((rejection as Error).name);
        });

        test('a client error rejects with its code and retryable false', async () => {
            await expect(
                logs().makeRequest('createLogStream', { logGroupName: 'no-such-group', logStreamName: 's' }).promise(),
            ).rejects.toMatchObject({ code: 'ResourceNotFoundException', retryable: false });
        });

        test('a client without an access key or secret key rejects with CredentialsError, not retryable, without a request', async () => {
            const callsBefore = emulator.calls.length;

            for (const credentials of [undefined, { accessKeyId: '', secretAccessKey: '' }, { accessKeyId: 'AKIDPROVIDER', secretAccessKey: '' }]) {
                await expect(
                    new CloudWatchLogs({ credentials, region: 'us-east-1' }).makeRequest('describeLogGroups', {}).promise(),
                ).rejects.toMatchObject({ name: 'CredentialsError', code: 'CredentialsError', retryable: false });
            }
            expect(emulator.calls.length).toBe(callsBefore);
        });

        test('a region that is not one host name label rejects, not retryable, without a request', async () => {
            const callsBefore = emulator.calls.length;

            await expect(
                new CloudWatchLogs({ credentials: v2Credentials, region: 'us-east-1.attacker.example' }).makeRequest('describeLogGroups', {}).promise(),
            ).rejects.toMatchObject({ name: 'InvalidRegion', retryable: false, message: expect.stringContaining('not a valid hostname component') });
            expect(emulator.calls.length).toBe(callsBefore);
        });

        test('an operation the stand-in does not cover rejects without a request', async () => {
            const callsBefore = emulator.calls.length;

            await expect(logs().makeRequest('deleteLogGroup', { logGroupName: providerLogGroupName }).promise()).rejects.toMatchObject({
                code: 'UnsupportedOperation',
            });
            expect(emulator.calls.length).toBe(callsBefore);
        });

        test('every S3 call rejects with S3LogFallbackDisabled', async () => {
            for (const operation of ['listObjectsV2', 'createBucket', 'putObject']) {
                await expect(new S3({}).makeRequest(operation, { Bucket: 'b' }).promise()).rejects.toMatchObject({
                    code: 'S3LogFallbackDisabled',
                    retryable: false,
                    message: expect.stringContaining('handler logs go to the CloudWatch Logs group'),
                });
            }
            expect(s3Sentinel.requests).toEqual([]);
        });
    });

    describe('on the wire', () => {
        let recorder: WireRecorder;

        beforeAll(async () => {
            recorder = await startWireRecorder();
            process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS = recorder.url;
        });

        afterAll(async () => {
            delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS;
            await recorder.close();
        });

        test("putLogEvents passes on the library's X-Amzn-Logs-Format header, signed, and leaves out a null sequenceToken", async () => {
            const request = new CloudWatchLogs({ credentials: v2Credentials, region: 'us-east-1' }).makeRequest('putLogEvents', {
                logGroupName: providerLogGroupName,
                logStreamName: 'stream',
                logEvents: [{ message: 'hello', timestamp: 1_700_000_000_000 }],
                sequenceToken: null,
            });
            request.on('build', () => {
                request.httpRequest.headers['X-Amzn-Logs-Format'] = 'json/emf';
            });

            await request.promise();

            expect(recorder.requests).toHaveLength(1);
            const [sent] = recorder.requests;
            expect(sent.target).toBe('Logs_20140328.PutLogEvents');
            expect(sent.headers['x-amzn-logs-format']).toBe('json/emf');
            expect(sent.headers.authorization).toMatch(/SignedHeaders=[^,]*x-amzn-logs-format/);
            expect(sent.headers.authorization).toContain(`Credential=${v2Credentials.accessKeyId}/`);
            expect(sent.headers['x-amz-security-token']).toBe(v2Credentials.sessionToken);
            expect(JSON.parse(sent.body)).toEqual({
                logGroupName: providerLogGroupName,
                logStreamName: 'stream',
                logEvents: [{ message: 'hello', timestamp: 1_700_000_000_000 }],
            });
        });
    });

    test("require('aws-sdk/clients/all') loads only the stand-in, quickly, and no SDK at all until a request", () => {
        const probe = `
            const started = process.hrtime.bigint();
            const clients = require('aws-sdk/clients/all');
            const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
            console.log(JSON.stringify({
                loadMs,
                exported: Object.keys(clients),
                loadedFiles: Object.keys(require.cache),
                packageJson: require.resolve('aws-sdk/package.json'),
            }));`;
        const projectRoot = path.resolve(__dirname, '..');
        const result = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: projectRoot, encoding: 'utf8' }));

        expect(result.exported).toEqual(['CloudWatchLogs', 'CloudWatch', 'S3']);
        expect(result.packageJson).toBe(path.join(projectRoot, 'sdk-v2-shim', 'package.json'));
        const shimDirectory = path.join(projectRoot, 'sdk-v2-shim') + path.sep;
        expect(result.loadedFiles.filter((file: string) => !file.startsWith(shimDirectory))).toEqual([]);
        // SDK v2's clients/all takes hundreds of milliseconds; the stand-in is a handful of small files.
        expect(result.loadMs).toBeLessThan(100);
    });
});
