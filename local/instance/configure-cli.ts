import { isIP } from 'net';
import { UsageError, parseArgs } from './cli-args';
import { CliResult, ToolContext, failed, succeeded } from './tool-context';

/**
 * `configure-cli` of client SDK 5: writes the HSM address (or the cluster ID) into the CLI's configuration.
 * With `-a` it only records addresses (IPv4 or IPv6: "AWS CloudHSM Client SDK 5 configuration examples");
 * whether they answer shows when cloudhsm-cli connects. With `--cluster-id` it calls
 * cloudhsmv2:DescribeClusters (with the instance's role) to learn the HSM addresses, so an unknown cluster
 * fails here. `--hsm-ca-cert <path>` names the CA file to verify the HSMs with instead of customerCA.crt.
 */
const usage = `Usage: configure-cli [OPTIONS] <-a <ENI_IP>...|--cluster-id <CLUSTER_ID>>

Options:
  -a <ENI_IP>...               IPv4 or IPv6 addresses of the HSMs to connect to
      --hsm-ca-cert <HSM_CA_CERT>  Path to the CA certificate that issued the HSMs' certificates
      --cluster-id <CLUSTER_ID>  Look up the HSM addresses of this cluster with DescribeClusters
      --region <REGION>          Region of the cluster (with --cluster-id)
      --endpoint <ENDPOINT>      CloudHSM API endpoint (with --cluster-id)
  -h, --help                     Print help
`;

export function runConfigureCli(ctx: ToolContext): CliResult {
    try {
        const args = parseArgs(ctx.request.argv, {
            lists: ['-a'],
            values: ['--cluster-id', '--region', '--endpoint', '--hsm-ca-cert'],
            flags: ['-h', '--help'],
        });
        if (args.flags.has('-h') || args.flags.has('--help')) return succeeded(usage);
        if (args.positionals.length > 0) throw new UsageError(`error: unexpected argument '${args.positionals[0]}' found`);
        const addresses = args.lists.get('-a');
        const clusterId = args.values.get('--cluster-id');
        const caFile = args.values.get('--hsm-ca-cert');
        if (caFile !== undefined && addresses === undefined && clusterId === undefined) return configureCaFile(ctx, caFile);
        if ((addresses === undefined) === (clusterId === undefined)) {
            throw new UsageError('error: exactly one of -a <ENI_IP> and --cluster-id <CLUSTER_ID> is required');
        }
        if (caFile !== undefined) {
            const failure = configureCaFile(ctx, caFile);
            if (failure.exitCode !== 0) return failure;
        }
        if (addresses) return configureAddresses(ctx, addresses);
        return configureCluster(ctx, clusterId!, args.values.get('--region'));
    } catch (err) {
        if (err instanceof UsageError) return failed(`${err.message}\n\n${usage}`);
        throw err;
    }
}

function configureAddresses(ctx: ToolContext, addresses: string[]): CliResult {
    const invalid = addresses.find((address) => isIP(address) === 0);
    if (invalid) throw new UsageError(`error: invalid value '${invalid}' for '-a <ENI_IP>...': invalid IP address syntax`);
    const cli = ctx.instance.cli;
    // The emulated configuration holds one server; the client discovers the rest of the cluster from it.
    cli.configuredHsmIp = addresses[0];
    cli.configuredClusterId = clusterOfAddress(ctx, addresses[0]);
    return succeeded('');
}

/** The CA file is read now: a path that names no readable certificate is refused (strict: the docs say nothing). */
function configureCaFile(ctx: ToolContext, file: string): CliResult {
    const pem = ctx.request.optionFiles?.['--hsm-ca-cert'];
    if (!pem || !pem.includes('-----BEGIN CERTIFICATE-----')) {
        return failed(`Error: invalid value '${file}' for '--hsm-ca-cert': the file does not exist or holds no PEM certificate\n`);
    }
    ctx.instance.cli.configuredCaCertificatePem = pem;
    return succeeded('');
}

function configureCluster(ctx: ToolContext, clusterId: string, region: string | undefined): CliResult {
    const cluster = region && region !== ctx.state.region ? undefined : ctx.state.clusters.get(clusterId);
    if (!cluster || cluster.state === 'DELETED') {
        return failed(
            `Error: unable to retrieve the HSM addresses of cluster ${clusterId}: CloudHsmResourceNotFoundException: The cluster ${clusterId} was not found\n`,
        );
    }
    if (!cluster.hsms.some((h) => h.state !== 'DELETED' && h.state !== 'DELETE_IN_PROGRESS')) {
        return failed(`Error: cluster ${clusterId} has no HSMs to connect to\n`);
    }
    const cli = ctx.instance.cli;
    cli.configuredClusterId = clusterId;
    cli.configuredHsmIp = undefined;
    return succeeded('');
}

function clusterOfAddress(ctx: ToolContext, address: string): string | undefined {
    for (const cluster of ctx.state.clusters.values()) {
        if (cluster.state !== 'DELETED' && cluster.hsms.some((h) => h.eniIp === address && h.state !== 'DELETED')) return cluster.clusterId;
    }
    return undefined;
}
