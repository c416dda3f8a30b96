import { AwsError } from '../errors';
import { AwsQueryCompatibility, ServiceFactory } from '../server';
import { MetricDatum } from '../state';

/**
 * Amazon CloudWatch metrics. Current SDKs speak AWS JSON 1.0 to it (target prefix
 * `GraniteServiceVersion20100801`, query-compatible errors); the 3.332 client the product pins speaks the AWS
 * query protocol, which CloudWatch still answers. Only PutMetricData, which the CloudFormation handler library
 * calls for every invocation; a request with any bad datum stores none of them.
 */

const MAX_DATA_PER_REQUEST = 1000;
const MAX_DIMENSIONS = 30;
/** MetricDatum.MetricName and Dimension.Name (255) and Dimension.Value (1024) in the CloudWatch API model. */
const MAX_NAME_CHARS = 255;
const MAX_DIMENSION_VALUE_CHARS = 1024;
/** "Using the Values and Counts method enables you to publish up to 150 values per metric" (PutMetricData reference). */
const MAX_VALUES_PER_DATUM = 150;
const UNITS = [
    'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits',
    'Megabits', 'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second',
    'Gigabytes/Second', 'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second',
    'Terabits/Second', 'Count/Second', 'None',
];
/** CloudWatch rejects magnitudes outside this range (zero aside). */
const SMALLEST_MAGNITUDE = 8.515920e-109;
const LARGEST_MAGNITUDE = 1.174271e108;

interface Dimension {
    Name: string;
    Value: string;
}

/**
 * Over the query protocol: members flattened as `MetricData.member.1.Dimensions.member.2.Name`, numbers and
 * ISO 8601 timestamps as text; error codes are the model's query codes (`InvalidParameterValueException` is
 * `InvalidParameterValue`), throttling is `Throttling`, an unknown action `InvalidAction`.
 */
const awsQuery: AwsQueryCompatibility = {
    signingName: 'monitoring',
    xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    input: (action, params) => (action === 'PutMetricData' ? putMetricDataInput(params) : params),
    // PutMetricData has no output members: its answer is only ResponseMetadata.
    output: () => undefined,
    errorCodes: {
        InvalidParameterValueException: 'InvalidParameterValue',
        MissingRequiredParameterException: 'MissingParameter',
        InvalidParameterCombinationException: 'InvalidParameterCombination',
        ThrottlingException: 'Throttling',
        UnknownOperationException: 'InvalidAction',
    },
};

export const cloudWatchService: ServiceFactory = (ctx) => ({
    name: 'cloudwatch',
    targetPrefix: 'GraniteServiceVersion20100801',
    protocol: 'json1.0',
    awsQuery,
    handle(action, input) {
        if (action !== 'PutMetricData') {
            throw new AwsError('UnknownOperationException', `The emulated CloudWatch has no action ${action}.`);
        }
        const received = metricDataOf(input ?? {}, ctx.clock.now());
        ctx.state.metrics.push(...received);
        return {};
    },
});

// Namespaces under AWS/ are reserved, yet the CloudFormation handler library publishes to
// AWS/CloudFormation/<type>, which CloudWatch accepts from it; so the prefix is not refused here.
function metricDataOf(input: any, nowMs: number): MetricDatum[] {
    const namespace = input.Namespace;
    if (namespace === undefined) throw missing('Namespace');
    if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > 255 || namespace.startsWith(':')) {
        throw invalid(String(namespace), 'Namespace');
    }
    const data = input.MetricData;
    if (!Array.isArray(data) || data.length === 0) throw missing('MetricData');
    if (data.length > MAX_DATA_PER_REQUEST) {
        throw new AwsError('InvalidParameterValueException', `The collection MetricData must not have a size greater than ${MAX_DATA_PER_REQUEST}.`);
    }
    return data.flatMap((datum: any, i: number) => {
        const member = `MetricData.member.${i + 1}`;
        if (typeof datum?.MetricName !== 'string' || datum.MetricName.length === 0) throw missing(`${member}.MetricName`);
        if (datum.MetricName.length > MAX_NAME_CHARS) throw invalid(datum.MetricName, `${member}.MetricName`);
        if (datum.Unit !== undefined && !UNITS.includes(datum.Unit)) {
            throw new AwsError('InvalidParameterValueException', `The parameter ${member}.Unit must be a value in the set [ ${UNITS.join(', ')} ].`);
        }
        const dimensions = dimensionsOf(datum.Dimensions, member);
        const base = {
            namespace,
            name: datum.MetricName,
            unit: datum.Unit,
            dimensions,
            timestampMs: typeof datum.Timestamp === 'number' ? Math.round(datum.Timestamp * 1000) : nowMs,
        };
        if (datum.StorageResolution !== undefined && datum.StorageResolution !== 1 && datum.StorageResolution !== 60) {
            throw invalid(String(datum.StorageResolution), `${member}.StorageResolution`);
        }
        const forms = [datum.Value !== undefined, datum.Values !== undefined, datum.StatisticValues !== undefined].filter(Boolean).length;
        if (forms > 1) {
            throw new AwsError(
                'InvalidParameterCombinationException',
                `The parameters ${member}.Value, ${member}.Values and ${member}.StatisticValues are mutually exclusive.`,
            );
        }
        if (datum.Values !== undefined) return spreadValues(datum, member, base);
        if (datum.StatisticValues !== undefined) {
            const stats = datum.StatisticValues;
            for (const field of ['SampleCount', 'Sum', 'Minimum', 'Maximum']) checkValue(stats[field], `${member}.StatisticValues.${field}`);
            if (stats.SampleCount <= 0) throw invalid(String(stats.SampleCount), `${member}.StatisticValues.SampleCount`);
            return [{ ...base, value: stats.Sum / stats.SampleCount, count: stats.SampleCount }];
        }
        if (datum.Value === undefined) throw missing(`${member}.Value`);
        checkValue(datum.Value, `${member}.Value`);
        return [{ ...base, value: datum.Value }];
    });
}

function spreadValues(datum: any, member: string, base: Omit<MetricDatum, 'value'>): MetricDatum[] {
    const values: unknown[] = datum.Values;
    const counts: unknown[] | undefined = datum.Counts;
    if (!Array.isArray(values)) throw invalid(String(values), `${member}.Values`);
    if (values.length > MAX_VALUES_PER_DATUM) {
        throw new AwsError('InvalidParameterValueException', `The collection ${member}.Values must not have a size greater than ${MAX_VALUES_PER_DATUM}.`);
    }
    if (counts !== undefined && (!Array.isArray(counts) || counts.length !== values.length)) {
        throw new AwsError('InvalidParameterValueException', `The arrays ${member}.Values and ${member}.Counts must be of the same size.`);
    }
    return values.map((value, j) => {
        checkValue(value, `${member}.Values.member.${j + 1}`);
        const count = counts?.[j] ?? 1;
        checkValue(count, `${member}.Counts.member.${j + 1}`);
        return { ...base, value: value as number, count: count as number };
    });
}

function dimensionsOf(dimensions: unknown, member: string): Dimension[] | undefined {
    if (dimensions === undefined) return undefined;
    if (!Array.isArray(dimensions) || dimensions.length > MAX_DIMENSIONS) {
        throw new AwsError('InvalidParameterValueException', `The collection ${member}.Dimensions must not have a size greater than ${MAX_DIMENSIONS}.`);
    }
    return dimensions.map((d: any, j: number) => {
        if (typeof d?.Name !== 'string' || d.Name.length === 0) throw missing(`${member}.Dimensions.member.${j + 1}.Name`);
        if (typeof d?.Value !== 'string' || d.Value.length === 0) throw missing(`${member}.Dimensions.member.${j + 1}.Value`);
        if (d.Name.length > MAX_NAME_CHARS) throw invalid(d.Name, `${member}.Dimensions.member.${j + 1}.Name`);
        if (d.Value.length > MAX_DIMENSION_VALUE_CHARS) throw invalid(d.Value, `${member}.Dimensions.member.${j + 1}.Value`);
        return { Name: d.Name, Value: d.Value };
    });
}

/** The JSON protocol sends NaN and infinities as strings; CloudWatch refuses them and absurd magnitudes. */
function checkValue(value: unknown, parameter: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(String(value), parameter);
    const magnitude = Math.abs(value);
    if (magnitude !== 0 && (magnitude < SMALLEST_MAGNITUDE || magnitude > LARGEST_MAGNITUDE)) throw invalid(String(value), parameter);
}

/** PutMetricData's query parameters as its JSON input: lists from `.member.N`, numbers and timestamps parsed. */
function putMetricDataInput(params: Record<string, string>): any {
    const input = unflatten(params);
    const data: unknown[] = Array.isArray(input.MetricData) ? input.MetricData : [];
    data.forEach((datum: any, i) => {
        if (!datum || typeof datum !== 'object') return;
        for (const field of ['Value', 'StorageResolution']) if (datum[field] !== undefined) datum[field] = queryNumber(datum[field]);
        for (const field of ['Values', 'Counts']) if (Array.isArray(datum[field])) datum[field] = datum[field].map(queryNumber);
        const stats = datum.StatisticValues;
        if (stats && typeof stats === 'object') for (const field of Object.keys(stats)) stats[field] = queryNumber(stats[field]);
        if (datum.Timestamp !== undefined) {
            const ms = Date.parse(datum.Timestamp);
            // The JSON protocol carries epoch seconds; an unreadable timestamp is refused like any bad value.
            if (!/^\d{4}-\d{2}-\d{2}T/.test(datum.Timestamp) || Number.isNaN(ms)) throw invalid(datum.Timestamp, `MetricData.member.${i + 1}.Timestamp`);
            datum.Timestamp = ms / 1000;
        }
    });
    return input;
}

/** `A.member.1.B=x&A.member.2.B=y` → `{ A: [{ B: 'x' }, { B: 'y' }] }`; Action and Version are the protocol's. */
function unflatten(params: Record<string, string>): any {
    const root: any = {};
    for (const [key, value] of Object.entries(params)) {
        if (key === 'Action' || key === 'Version') continue;
        const path = key.split('.');
        let node = root;
        for (let i = 0; i < path.length; i++) {
            const isList = path[i + 1] === 'member';
            const step = isList ? path.slice(i, i + 3) : [path[i]];
            const last = i + step.length >= path.length;
            if (isList) {
                const list = (node[step[0]] = Array.isArray(node[step[0]]) ? node[step[0]] : []);
                const index = Number(step[2]) - 1;
                if (last) list[index] = value;
                else node = list[index] ??= {};
                i += 2;
            } else if (last) node[step[0]] = value;
            else node = node[step[0]] ??= {};
        }
    }
    return root;
}

/** A number as the query protocol writes it (NaN and the infinities spelled out); anything else stays text and is refused later. */
function queryNumber(text: string): number | string {
    return /^(-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|NaN|-?Infinity)$/.test(text) ? Number(text) : text;
}

function invalid(value: string, parameter: string): AwsError {
    return new AwsError('InvalidParameterValueException', `The value ${value} for parameter ${parameter} is invalid.`);
}

function missing(parameter: string): AwsError {
    return new AwsError('MissingRequiredParameterException', `The parameter ${parameter} is required.`);
}
