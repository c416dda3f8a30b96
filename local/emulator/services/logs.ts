import { AwsError } from '../errors';
import { ServiceContext, ServiceFactory } from '../server';
import { LogEvent, LogGroupInfo } from '../state';

/**
 * Amazon CloudWatch Logs (JSON 1.1, target prefix `Logs_20140328`), as far as the CloudFormation handler
 * library uses it to ship handler logs: groups, streams and PutLogEvents. Times are epoch milliseconds, as
 * CloudWatch Logs carries them (they are longs in its model, not timestamps).
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Events older than this (or than the group's retention) are rejected as too old; newer than now + 2 h as too new. */
const MAX_EVENT_AGE_MS = 14 * DAY_MS;
const MAX_EVENT_LEAD_MS = 2 * HOUR_MS;
const MAX_BATCH_SPAN_MS = 24 * HOUR_MS;
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
/** PutLogEvents counts each event's message plus this many bytes against the batch size. */
const EVENT_OVERHEAD_BYTES = 26;
const MAX_PAGE = 50;
const GROUP_NAME_PATTERN = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME_PATTERN = /^[^:*]{1,512}$/;
/** CreateLogGroup `tags` in the CloudWatch Logs API model: 1–50 entries, keys 1–128 and values 0–256 of this set. */
const MAX_TAGS = 50;
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const groupNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');

export const logsService: ServiceFactory = (ctx) => {
    const api = new LogsApi(ctx);
    const actions: Record<string, (input: any) => unknown> = {
        CreateLogGroup: (input) => api.createLogGroup(input),
        CreateLogStream: (input) => api.createLogStream(input),
        DescribeLogGroups: (input) => api.describeLogGroups(input),
        DescribeLogStreams: (input) => api.describeLogStreams(input),
        PutLogEvents: (input) => api.putLogEvents(input),
    };
    return {
        name: 'logs',
        targetPrefix: 'Logs_20140328',
        protocol: 'json1.1',
        handle(action, input) {
            const run = actions[action];
            if (!run) throw new AwsError('UnknownOperationException', `The emulated CloudWatch Logs has no action ${action}.`);
            return run(input ?? {});
        },
    };
};

class LogsApi {
    constructor(private readonly ctx: ServiceContext) {}

    createLogGroup(input: any) {
        const name = input.logGroupName;
        if (typeof name !== 'string' || !GROUP_NAME_PATTERN.test(name)) {
            throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint`);
        }
        checkTags(input.tags);
        if (this.ctx.state.logGroups.has(name)) {
            throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
        }
        this.ctx.state.logGroups.set(name, new Map());
        this.ctx.state.logGroupInfo.set(name, {
            creationTimeMs: this.ctx.clock.now(),
            tags: { ...(input.tags ?? {}) },
            streams: new Map(),
        });
        return {};
    }

    createLogStream(input: any) {
        const streamName = input.logStreamName;
        if (typeof streamName !== 'string' || !STREAM_NAME_PATTERN.test(streamName)) {
            throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${streamName}' at 'logStreamName' failed to satisfy constraint`);
        }
        const { events, info } = this.group(input.logGroupName);
        if (events.has(streamName)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
        events.set(streamName, []);
        info.streams.set(streamName, { creationTimeMs: this.ctx.clock.now(), batchesAccepted: 0 });
        return {};
    }

    describeLogGroups(input: any) {
        const { accountId, region } = this.ctx.state;
        const prefix: string = input.logGroupNamePrefix ?? '';
        if (input.logGroupNamePrefix !== undefined && !GROUP_NAME_PATTERN.test(prefix)) {
            throw constraint('logGroupNamePrefix', 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
        }
        const names = [...this.ctx.state.logGroups.keys()].filter((n) => n.startsWith(prefix)).sort();
        const { page, nextToken } = pageOf(names, input.limit, input.nextToken);
        return {
            logGroups: page.map((name) => {
                const info = this.group(name).info;
                const arn = `arn:aws:logs:${region}:${accountId}:log-group:${name}`;
                return {
                    logGroupName: name,
                    creationTime: info.creationTimeMs,
                    retentionInDays: info.retentionInDays,
                    metricFilterCount: 0,
                    arn: `${arn}:*`,
                    logGroupArn: arn,
                    storedBytes: storedBytes([...this.group(name).events.values()].flat()),
                    logGroupClass: 'STANDARD',
                };
            }),
            nextToken,
        };
    }

    describeLogStreams(input: any) {
        const { accountId, region } = this.ctx.state;
        const { name: groupName, events, info } = this.group(groupNameOf(input));
        const prefix: string | undefined = input.logStreamNamePrefix;
        if (prefix !== undefined && !STREAM_NAME_PATTERN.test(prefix)) {
            throw constraint('logStreamNamePrefix', 'Member must satisfy regular expression pattern: [^:*]*');
        }
        const byLastEvent = input.orderBy === 'LastEventTime';
        if (byLastEvent && prefix !== undefined) {
            throw new AwsError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
        }
        const streams = [...events.entries()]
            .filter(([name]) => prefix === undefined || name.startsWith(prefix))
            .map(([name, streamEvents]) => {
                const stream = info.streams.get(name) ?? { creationTimeMs: this.ctx.clock.now(), batchesAccepted: 0 };
                info.streams.set(name, stream);
                const timestamps = streamEvents.map((e) => e.timestamp);
                return {
                    logStreamName: name,
                    creationTime: stream.creationTimeMs,
                    firstEventTimestamp: timestamps.length ? Math.min(...timestamps) : undefined,
                    lastEventTimestamp: timestamps.length ? Math.max(...timestamps) : undefined,
                    lastIngestionTime: streamEvents.length ? streamEvents[streamEvents.length - 1].ingestionTimeMs : undefined,
                    uploadSequenceToken: stream.batchesAccepted ? sequenceToken(stream.batchesAccepted) : undefined,
                    arn: `arn:aws:logs:${region}:${accountId}:log-group:${groupName}:log-stream:${name}`,
                    storedBytes: 0,
                };
            })
            .sort((a, b) =>
                byLastEvent ? (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) : a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0,
            );
        if (input.descending === true) streams.reverse();
        const { page, nextToken } = pageOf(streams, input.limit, input.nextToken);
        return { logStreams: page, nextToken };
    }

    /**
     * Stores the batch. The sequence token is accepted and ignored, as CloudWatch Logs has done since 2023;
     * events outside the accepted time range are reported as rejected, not stored.
     */
    putLogEvents(input: any) {
        const { name: groupName, events, info } = this.group(groupNameOf(input));
        const streamName = input.logStreamName;
        const streamEvents = events.get(streamName);
        if (!streamEvents) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
        const batch: Array<{ timestamp: number; message: string }> = input.logEvents ?? [];
        validateBatch(batch);

        const nowMs = this.ctx.clock.now();
        const oldestAcceptedMs = nowMs - Math.min(MAX_EVENT_AGE_MS, (info.retentionInDays ?? Infinity) * DAY_MS);
        let tooOldEnd = 0;
        while (tooOldEnd < batch.length && batch[tooOldEnd].timestamp < oldestAcceptedMs) tooOldEnd++;
        let tooNewStart = batch.length;
        while (tooNewStart > tooOldEnd && batch[tooNewStart - 1].timestamp > nowMs + MAX_EVENT_LEAD_MS) tooNewStart--;
        for (const event of batch.slice(tooOldEnd, tooNewStart)) {
            const stored: LogEvent = { group: groupName, stream: streamName, timestamp: event.timestamp, message: event.message, ingestionTimeMs: nowMs };
            streamEvents.push(stored);
        }
        const stream = info.streams.get(streamName) ?? { creationTimeMs: nowMs, batchesAccepted: 0 };
        stream.batchesAccepted += 1;
        info.streams.set(streamName, stream);
        const rejected =
            tooOldEnd > 0 || tooNewStart < batch.length
                ? {
                      tooOldLogEventEndIndex: tooOldEnd > 0 ? tooOldEnd : undefined,
                      tooNewLogEventStartIndex: tooNewStart < batch.length ? tooNewStart : undefined,
                  }
                : undefined;
        return { nextSequenceToken: sequenceToken(stream.batchesAccepted), rejectedLogEventsInfo: rejected };
    }

    /** A group's events and bookkeeping; a group that another part of the emulator put into `logGroups` gets bookkeeping on first sight. */
    private group(name: unknown): { name: string; events: Map<string, LogEvent[]>; info: LogGroupInfo } {
        if (typeof name !== 'string') throw groupNotFound();
        const events = this.ctx.state.logGroups.get(name);
        if (!events) throw groupNotFound();
        let info = this.ctx.state.logGroupInfo.get(name);
        if (!info) {
            info = { creationTimeMs: this.ctx.clock.now(), tags: {}, streams: new Map() };
            this.ctx.state.logGroupInfo.set(name, info);
        }
        return { name, events, info };
    }
}

/** `logGroupIdentifier` may be the group's name or its ARN (with or without the trailing `:*`). */
function groupNameOf(input: any): unknown {
    if (input.logGroupName !== undefined) return input.logGroupName;
    const identifier = input.logGroupIdentifier;
    if (typeof identifier === 'string' && identifier.startsWith('arn:')) {
        return identifier.replace(/:\*$/, '').split(':log-group:')[1];
    }
    return identifier;
}

function validateBatch(batch: Array<{ timestamp: number; message: string }>): void {
    if (!Array.isArray(batch) || batch.length === 0) {
        throw new AwsError('InvalidParameterException', 'A PutLogEvents request must contain at least one log event.');
    }
    if (batch.length > MAX_BATCH_EVENTS) {
        throw new AwsError('InvalidParameterException', `A PutLogEvents request can contain at most ${MAX_BATCH_EVENTS} log events.`);
    }
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
        const { timestamp, message } = batch[i];
        if (!Number.isInteger(timestamp) || typeof message !== 'string') {
            throw new AwsError('InvalidParameterException', 'Each log event needs an integer timestamp and a message.');
        }
        // InputLogEvent in the API model: timestamp ≥ 0, message at least 1 character.
        if (timestamp < 0) throw constraint(`logEvents.${i + 1}.member.timestamp`, 'Member must have value greater than or equal to 0');
        if (message.length === 0) throw constraint(`logEvents.${i + 1}.member.message`, 'Member must have length greater than or equal to 1');
        if (i > 0 && timestamp < batch[i - 1].timestamp) {
            throw new AwsError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
        }
        bytes += Buffer.byteLength(message, 'utf8') + EVENT_OVERHEAD_BYTES;
    }
    if (bytes > MAX_BATCH_BYTES) {
        throw new AwsError('InvalidParameterException', `Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    }
    if (batch[batch.length - 1].timestamp - batch[0].timestamp > MAX_BATCH_SPAN_MS) {
        throw new AwsError('InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
}

function checkTags(tags: unknown): void {
    if (tags === undefined) return;
    if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) throw constraint('tags', 'Member must be a map');
    const entries = Object.entries(tags);
    if (entries.length < 1 || entries.length > MAX_TAGS) throw constraint('tags', `Member must have length between 1 and ${MAX_TAGS}`);
    for (const [key, value] of entries) {
        if (!TAG_KEY_PATTERN.test(key) || typeof value !== 'string' || !TAG_VALUE_PATTERN.test(value)) {
            throw constraint('tags', 'Tag keys (1-128) and values (0-256) must be letters, digits, spaces and _.:/=+-@');
        }
    }
}

/** A model constraint, answered as CloudWatch Logs answers its request validation (InvalidParameterException). */
function constraint(member: string, text: string): AwsError {
    return new AwsError('InvalidParameterException', `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${text}`);
}

function pageOf<T>(items: T[], limit: unknown, nextToken: unknown): { page: T[]; nextToken?: string } {
    const pageSize = limit ?? MAX_PAGE;
    if (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > MAX_PAGE) {
        throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${String(limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${MAX_PAGE}`);
    }
    let start = 0;
    if (nextToken !== undefined) {
        start = Number(Buffer.from(String(nextToken), 'base64url').toString('utf8'));
        if (!Number.isInteger(start) || start < 0 || start > items.length) {
            throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
        }
    }
    const end = start + (pageSize as number);
    return { page: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
}

function storedBytes(events: LogEvent[]): number {
    return events.reduce((sum, e) => sum + Buffer.byteLength(e.message, 'utf8'), 0);
}

/** CloudWatch Logs' tokens are long decimal strings; this one encodes how many batches the stream took. */
function sequenceToken(batchesAccepted: number): string {
    return `4961${String(batchesAccepted).padStart(52, '0')}`;
}
