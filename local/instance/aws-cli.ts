import { Cluster, Secret } from '../emulator/state';
import { ParsedArgs, UsageError, parseArgs } from './cli-args';
import { CliResult, ToolContext, failed, succeeded } from './tool-context';

/**
 * The AWS CLI v2 on the instance, for the two calls a management script makes: reading a secret and
 * describing a cluster. It reads the emulated account directly, as the instance role would through the API.
 * Exit codes are the CLI's: 252 for a bad command line, 254 for an error answered by the service.
 */
const usageExitCode = 252;
const serviceErrorExitCode = 254;

const usage = `usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]
To see help text, you can run:

  aws help
  aws <command> help
  aws <command> <subcommand> help
`;

class ServiceError extends Error {
    constructor(
        readonly code: string,
        readonly operation: string,
        message: string,
    ) {
        super(message);
    }
}

const globalOptions = { values: ['--region', '--output', '--query', '--profile'], flags: ['--no-cli-pager', '--no-paginate'] };

interface Operation {
    values: string[];
    run(ctx: ToolContext, args: ParsedArgs, region: string): unknown;
}

const operations: Record<string, Operation> = {
    'secretsmanager get-secret-value': { values: ['--secret-id', '--version-id', '--version-stage'], run: getSecretValue },
    'cloudhsmv2 describe-clusters': { values: ['--filters', '--max-results'], run: describeClusters },
};

export function runAwsCli(ctx: ToolContext): CliResult {
    try {
        const argv = ctx.request.argv;
        const words = argv.filter((arg, i) => !arg.startsWith('-') && !takesValue(argv[i - 1]));
        const operation = operations[words.slice(0, 2).join(' ')];
        if (!operation) {
            throw new UsageError(`aws: error: argument operation: Invalid choice or unsupported by the emulator: '${words.slice(0, 2).join(' ')}'`);
        }
        const args = parseArgs(argv, { values: [...globalOptions.values, ...operation.values], flags: globalOptions.flags });
        if (args.positionals.length !== 2) throw new UsageError(`aws: error: unrecognized arguments: ${args.positionals.slice(2).join(' ')}`);
        if (args.values.has('--profile')) {
            return failed(`\nThe config profile (${args.values.get('--profile')}) could not be found\n`, 253);
        }
        const region = args.values.get('--region') ?? ctx.request.env.AWS_REGION ?? ctx.request.env.AWS_DEFAULT_REGION ?? ctx.state.region;
        const result = operation.run(ctx, args, region);
        return succeeded(format(select(result, args.values.get('--query')), args.values.get('--output') ?? 'json'));
    } catch (err) {
        if (err instanceof UsageError) return failed(`${usage}\n${err.message}\n`, usageExitCode);
        if (err instanceof ServiceError) {
            return failed(`\nAn error occurred (${err.code}) when calling the ${err.operation} operation: ${err.message}\n`, serviceErrorExitCode);
        }
        throw err;
    }
}

function takesValue(previous: string | undefined): boolean {
    if (!previous?.startsWith('--') || previous.includes('=')) return false;
    return !globalOptions.flags.includes(previous);
}

function getSecretValue(ctx: ToolContext, args: ParsedArgs, region: string): unknown {
    const secretId = args.values.get('--secret-id');
    if (secretId === undefined) throw new UsageError('aws: error: the following arguments are required: --secret-id');
    const secret = region === ctx.state.region ? findSecret(ctx, secretId) : undefined;
    if (!secret) throw new ServiceError('ResourceNotFoundException', 'GetSecretValue', "Secrets Manager can't find the specified secret.");
    if (secret.deletedDate !== undefined) {
        throw new ServiceError(
            'InvalidRequestException',
            'GetSecretValue',
            "You can't perform this operation on the secret because it was marked for deletion.",
        );
    }
    const versionId = args.values.get('--version-id');
    const stage = args.values.get('--version-stage') ?? (versionId ? undefined : 'AWSCURRENT');
    const version = secret.versions.find((v) => (!versionId || v.versionId === versionId) && (!stage || v.stages.includes(stage)));
    if (!version) {
        throw new ServiceError(
            'ResourceNotFoundException',
            'GetSecretValue',
            "Secrets Manager can't find the specified secret value for staging label: " + (stage ?? versionId),
        );
    }
    return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.versionId,
        SecretString: version.secretString,
        VersionStages: version.stages,
        CreatedDate: isoTimestamp(version.createdDate),
    };
}

function findSecret(ctx: ToolContext, secretId: string): Secret | undefined {
    for (const secret of ctx.state.secrets.values()) {
        if (secret.name === secretId || secret.arn === secretId) return secret;
    }
    return undefined;
}

function describeClusters(ctx: ToolContext, args: ParsedArgs, region: string): unknown {
    const filters = parseShorthandFilters(args.values.get('--filters'));
    const clusters = region === ctx.state.region ? [...ctx.state.clusters.values()] : [];
    return {
        Clusters: clusters
            .filter((c) => !filters.clusterIds || filters.clusterIds.includes(c.clusterId))
            .filter((c) => !filters.vpcIds || filters.vpcIds.includes(c.vpcId))
            .filter((c) => !filters.states || filters.states.includes(c.state))
            .map(describeCluster),
    };
}

/**
 * The CLI's shorthand for a map of lists, `clusterIds=cluster-a,cluster-b,states=ACTIVE`: an item with `=`
 * starts a key, items without one add to its list.
 */
function parseShorthandFilters(text: string | undefined): Record<string, string[]> {
    const filters: Record<string, string[]> = {};
    if (!text) return filters;
    let key: string | undefined;
    for (const item of text.split(',')) {
        const equals = item.indexOf('=');
        if (equals > 0) {
            key = item.slice(0, equals);
            if (!['clusterIds', 'vpcIds', 'states'].includes(key)) {
                throw new UsageError(`Parameter validation failed:\nUnknown parameter in Filters: "${key}", must be one of: clusterIds, vpcIds, states`);
            }
            filters[key] = [item.slice(equals + 1)];
        } else if (key) {
            filters[key].push(item);
        } else {
            throw new UsageError(`Error parsing parameter '--filters': Expected: '=', received: '${item}'`);
        }
    }
    return filters;
}

function describeCluster(cluster: Cluster): unknown {
    return {
        ClusterId: cluster.clusterId,
        State: cluster.state,
        StateMessage: cluster.stateMessage,
        HsmType: cluster.hsmType,
        VpcId: cluster.vpcId,
        SecurityGroup: cluster.securityGroup,
        SubnetMapping: cluster.subnetMapping,
        CreateTimestamp: isoTimestamp(cluster.createTimestamp),
        BackupPolicy: 'DEFAULT',
        BackupRetentionPolicy: { Type: 'DAYS', Value: String(cluster.backupRetentionDays) },
        Hsms: cluster.hsms.map((h) => ({
            AvailabilityZone: h.availabilityZone,
            ClusterId: h.clusterId,
            SubnetId: h.subnetId,
            EniId: h.eniId,
            EniIp: h.eniIp,
            HsmId: h.hsmId,
            State: h.state,
            StateMessage: h.stateMessage,
        })),
    };
}

/** State timestamps are epoch seconds like the JSON protocol's; tolerate milliseconds from a service that keeps those. */
function isoTimestamp(epoch: number): string {
    return new Date(epoch > 1e11 ? epoch : epoch * 1000).toISOString();
}

/** The part of JMESPath that scripts use with --query: `Name`, `A.B`, `A[0].B`. */
function select(value: unknown, query: string | undefined): unknown {
    if (query === undefined) return value;
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(query)) {
        throw new UsageError(`aws: error: the emulated AWS CLI does not support the --query expression '${query}'`);
    }
    let current: unknown = value;
    for (const step of query.match(/[A-Za-z_][A-Za-z0-9_]*|\[\d+\]/g)!) {
        if (current === null || current === undefined) return null;
        if (step.startsWith('[')) current = Array.isArray(current) ? current[Number(step.slice(1, -1))] : null;
        else current = typeof current === 'object' ? (current as Record<string, unknown>)[step] : null;
    }
    return current ?? null;
}

function format(value: unknown, output: string): string {
    if (output === 'json') return `${JSON.stringify(value ?? null, null, 4)}\n`;
    if (output === 'text') return `${textOf(value)}\n`;
    throw new UsageError(`aws: error: argument --output: Invalid choice or unsupported by the emulator: '${output}' (choose from 'json', 'text')`);
}

function textOf(value: unknown): string {
    if (value === null || value === undefined) return 'None';
    if (typeof value === 'boolean') return value ? 'True' : 'False';
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object')) return value.map(textOf).join('\t');
    throw new UsageError('aws: error: the emulated AWS CLI prints only scalars and lists of scalars with --output text; add a --query');
}
