import { AwsError } from '../errors';
import { ServiceFactory } from '../server';
import { MetricDatum } from '../state';

/**
 * Amazon CloudWatch metrics. The current SDK speaks AWS JSON 1.0 to it (target prefix
 * `GraniteServiceVersion20100801`, query-compatible errors). Only PutMetricData, which the CloudFormation
 * handler library calls for every invocation; a request with any bad datum stores none of them.
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

export const cloudWatchService: ServiceFactory = (ctx) => ({
    name: 'cloudwatch',
    targetPrefix: 'GraniteServiceVersion20100801',
    protocol: 'json1.0',
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

function invalid(value: string, parameter: string): AwsError {
    return new AwsError('InvalidParameterValueException', `The value ${value} for parameter ${parameter} is invalid.`);
}

function missing(parameter: string): AwsError {
    return new AwsError('MissingRequiredParameterException', `The parameter ${parameter} is required.`);
}
