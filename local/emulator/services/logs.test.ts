import {
    CloudWatchLogsClient,
    CreateLogGroupCommand,
    CreateLogStreamCommand,
    DescribeLogGroupsCommand,
    DescribeLogStreamsCommand,
    PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { SharedClock } from '../../clock';
import { Emulator } from '../server';
import { logsService } from './logs';
import { clientSettings, errorOf } from './test-client';

let clock: SharedClock;
let emulator: Emulator;
let client: CloudWatchLogsClient;

beforeEach(async () => {
    clock = new SharedClock();
    emulator = new Emulator({ clock, services: [logsService] });
    await emulator.start();
    client = new CloudWatchLogsClient(clientSettings(emulator));
});

afterEach(async () => {
    client.destroy();
    await emulator.stop();
});

async function groupWithStream(group = 'handler-logs', stream = 'stack__resource'): Promise<void> {
    await client.send(new CreateLogGroupCommand({ logGroupName: group }));
    await client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
}

describe('groups and streams', () => {
    it('refuses a second group or stream of the same name', async () => {
        await groupWithStream();
        const group = await errorOf(client.send(new CreateLogGroupCommand({ logGroupName: 'handler-logs' })));
        expect(group.name).toBe('ResourceAlreadyExistsException');
        const stream = await errorOf(client.send(new CreateLogStreamCommand({ logGroupName: 'handler-logs', logStreamName: 'stack__resource' })));
        expect(stream.name).toBe('ResourceAlreadyExistsException');
    });

    it('refuses a stream in a group that does not exist, and invalid names', async () => {
        const error = await errorOf(client.send(new CreateLogStreamCommand({ logGroupName: 'nope', logStreamName: 's' })));
        expect(error.name).toBe('ResourceNotFoundException');
        expect(error.message).toBe('The specified log group does not exist.');
        expect((await errorOf(client.send(new CreateLogGroupCommand({ logGroupName: 'bad name' })))).name).toBe('InvalidParameterException');
        await client.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
        expect((await errorOf(client.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: 'a:b' })))).name).toBe(
            'InvalidParameterException',
        );
    });

    it('describes groups by prefix, in pages', async () => {
        for (const name of ['app/a', 'app/b', 'app/c', 'other']) await client.send(new CreateLogGroupCommand({ logGroupName: name }));
        const first = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'app/', limit: 2 }));
        expect(first.logGroups!.map((g) => g.logGroupName)).toEqual(['app/a', 'app/b']);
        expect(first.logGroups![0]).toMatchObject({
            creationTime: expect.any(Number),
            arn: 'arn:aws:logs:us-east-1:123456789012:log-group:app/a:*',
        });
        const second = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'app/', limit: 2, nextToken: first.nextToken }));
        expect(second.logGroups!.map((g) => g.logGroupName)).toEqual(['app/c']);
        expect(second.nextToken).toBeUndefined();
    });

    it('describes streams by prefix, with a limit, and refuses ordering by event time with a prefix', async () => {
        await client.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
        for (const name of ['b-1', 'a-1', 'a-2']) await client.send(new CreateLogStreamCommand({ logGroupName: 'g', logStreamName: name }));
        const streams = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'g', logStreamNamePrefix: 'a-' }));
        expect(streams.logStreams!.map((s) => s.logStreamName)).toEqual(['a-1', 'a-2']);
        const limited = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'g', limit: 1 }));
        expect(limited.logStreams!.map((s) => s.logStreamName)).toEqual(['a-1']);
        expect(limited.nextToken).toBeDefined();
        const error = await errorOf(
            client.send(new DescribeLogStreamsCommand({ logGroupName: 'g', logStreamNamePrefix: 'a', orderBy: 'LastEventTime' })),
        );
        expect(error.name).toBe('InvalidParameterException');
        expect((await errorOf(client.send(new DescribeLogStreamsCommand({ logGroupName: 'nope' })))).name).toBe('ResourceNotFoundException');
    });
});

describe('PutLogEvents', () => {
    it('stores the events in emulator state and returns a new sequence token each time', async () => {
        await groupWithStream();
        const now = clock.now();
        const first = await client.send(
            new PutLogEventsCommand({
                logGroupName: 'handler-logs',
                logStreamName: 'stack__resource',
                logEvents: [
                    { timestamp: now, message: 'one' },
                    { timestamp: now + 1, message: 'two' },
                ],
            }),
        );
        // Any sequence token, even a stale one, is accepted, as CloudWatch Logs does today.
        const second = await client.send(
            new PutLogEventsCommand({
                logGroupName: 'handler-logs',
                logStreamName: 'stack__resource',
                sequenceToken: 'stale',
                logEvents: [{ timestamp: now + 2, message: 'three' }],
            }),
        );
        expect(first.nextSequenceToken).toMatch(/^\d+$/);
        expect(second.nextSequenceToken).not.toBe(first.nextSequenceToken);
        const stored = emulator.state.logGroups.get('handler-logs')!.get('stack__resource')!;
        expect(stored.map((e) => [e.message, e.timestamp - now])).toEqual([
            ['one', 0],
            ['two', 1],
            ['three', 2],
        ]);
        const { logStreams } = await client.send(new DescribeLogStreamsCommand({ logGroupName: 'handler-logs' }));
        expect(logStreams![0]).toMatchObject({ firstEventTimestamp: now, lastEventTimestamp: now + 2, uploadSequenceToken: second.nextSequenceToken });
    });

    it('refuses a missing stream or group', async () => {
        await client.send(new CreateLogGroupCommand({ logGroupName: 'g' }));
        const events = [{ timestamp: clock.now(), message: 'm' }];
        const stream = await errorOf(client.send(new PutLogEventsCommand({ logGroupName: 'g', logStreamName: 'nope', logEvents: events })));
        expect(stream.name).toBe('ResourceNotFoundException');
        expect(stream.message).toBe('The specified log stream does not exist.');
        const group = await errorOf(client.send(new PutLogEventsCommand({ logGroupName: 'nope', logStreamName: 's', logEvents: events })));
        expect(group.name).toBe('ResourceNotFoundException');
    });

    it('refuses batches out of chronological order', async () => {
        await groupWithStream();
        const now = clock.now();
        const error = await errorOf(
            client.send(
                new PutLogEventsCommand({
                    logGroupName: 'handler-logs',
                    logStreamName: 'stack__resource',
                    logEvents: [
                        { timestamp: now, message: 'later' },
                        { timestamp: now - 1000, message: 'earlier' },
                    ],
                }),
            ),
        );
        expect(error.name).toBe('InvalidParameterException');
        expect(emulator.state.logGroups.get('handler-logs')!.get('stack__resource')).toEqual([]);
    });

    it('rejects, without storing, events older than 14 days or more than 2 hours ahead', async () => {
        await groupWithStream();
        const now = clock.now();
        const put = (logEvents: Array<{ timestamp: number; message: string }>) =>
            client.send(new PutLogEventsCommand({ logGroupName: 'handler-logs', logStreamName: 'stack__resource', logEvents }));
        const fourteenDaysMs = 14 * 86_400_000;
        const old = await put([
            { timestamp: now - fourteenDaysMs - 60_000, message: 'too old' },
            { timestamp: now - fourteenDaysMs + 3_600_000, message: 'old but kept' },
        ]);
        expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
        const ahead = await put([
            { timestamp: now + 3_600_000, message: 'ahead but kept' },
            { timestamp: now + 3 * 3_600_000, message: 'too new' },
        ]);
        expect(ahead.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
        const stored = emulator.state.logGroups.get('handler-logs')!.get('stack__resource')!;
        expect(stored.map((e) => e.message)).toEqual(['old but kept', 'ahead but kept']);
    });

    it('refuses a batch that spans more than 24 hours', async () => {
        await groupWithStream();
        const now = clock.now();
        const error = await errorOf(
            client.send(
                new PutLogEventsCommand({
                    logGroupName: 'handler-logs',
                    logStreamName: 'stack__resource',
                    logEvents: [
                        { timestamp: now - 25 * 3_600_000, message: 'a' },
                        { timestamp: now, message: 'b' },
                    ],
                }),
            ),
        );
        expect(error.name).toBe('InvalidParameterException');
    });
});

describe('API model constraints (rows in local/emulator/FIDELITY.md)', () => {
    it('refuses an event with an empty message or a negative timestamp, storing nothing', async () => {
        await groupWithStream();
        const now = clock.now();
        const put = (logEvents: Array<{ timestamp: number; message: string }>) =>
            errorOf(client.send(new PutLogEventsCommand({ logGroupName: 'handler-logs', logStreamName: 'stack__resource', logEvents })));
        const empty = await put([{ timestamp: now, message: 'first' }, { timestamp: now, message: '' }]);
        expect(empty.name).toBe('InvalidParameterException');
        expect(empty.message).toContain('logEvents.2.member.message');
        expect((await put([{ timestamp: -1, message: 'm' }])).name).toBe('InvalidParameterException');
        expect(emulator.state.logGroups.get('handler-logs')!.get('stack__resource')).toEqual([]);
    });

    it('refuses group tags beyond 50, or with keys or values outside the tag pattern', async () => {
        const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
        for (const tags of [tooMany, { 'bad*key': 'v' }, { key: 'bad<value>' }, { ['k'.repeat(129)]: 'v' }]) {
            const error = await errorOf(client.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags })));
            expect(error.name).toBe('InvalidParameterException');
        }
        expect(emulator.state.logGroups.has('tagged')).toBe(false);
        await client.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: { 'stack:name/x=y+z@1': 'value with spaces_.:/=+-@' } }));
    });

    it('refuses group and stream name prefixes outside the name patterns', async () => {
        await groupWithStream();
        for (const prefix of ['bad prefix', 'x'.repeat(513)]) {
            expect((await errorOf(client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix })))).name).toBe('InvalidParameterException');
        }
        const stream = await errorOf(client.send(new DescribeLogStreamsCommand({ logGroupName: 'handler-logs', logStreamNamePrefix: 'a:b' })));
        expect(stream.name).toBe('InvalidParameterException');
        expect((await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'handler' }))).logGroups).toHaveLength(1);
    });
});
