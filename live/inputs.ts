/**
 * The live test's inputs: from a JSON file (`--config <path>` or LIVE_CONFIG), overridden by LIVE_REGION,
 * LIVE_SUBNET_IDS (comma-separated) and LIVE_INSTANCE_ID; and the acknowledgement of cost, only ever from
 * LIVE_ACKNOWLEDGE_COST=yes or `--acknowledge-cost`, never from the file (a file is easily reused unread).
 */
import { readFileSync } from 'fs';

export interface LiveInputs {
    region: string;
    /** Two private subnets in different Availability Zones of one VPC. */
    subnetIds: string[];
    /** An SSM-managed instance in that VPC with the CloudHSM CLI. */
    instanceId: string;
}

export type InputsOutcome = { inputs: LiveInputs; acknowledgedCost: boolean; problems: [] } | { inputs?: undefined; acknowledgedCost: boolean; problems: string[] };

export const CONFIG_EXAMPLE = '{ "region": "eu-west-1", "subnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"], "instanceId": "i-0123456789abcdef0" }';

export function readInputs(argv: string[], env: NodeJS.ProcessEnv): InputsOutcome {
    const problems: string[] = [];
    const acknowledgedCost = env.LIVE_ACKNOWLEDGE_COST === 'yes' || argv.includes('--acknowledge-cost');
    const configAt = argv.indexOf('--config');
    const configPath = configAt >= 0 ? argv[configAt + 1] : env.LIVE_CONFIG;
    let file: Partial<Record<keyof LiveInputs, unknown>> = {};
    if (configPath) {
        try {
            file = JSON.parse(readFileSync(configPath, 'utf8'));
        } catch (err) {
            problems.push(`The config file ${configPath} could not be read as JSON: ${(err as Error).message}`);
        }
    }
    const region = env.LIVE_REGION ?? file.region ?? env.AWS_REGION;
    const subnetIds = env.LIVE_SUBNET_IDS !== undefined ? env.LIVE_SUBNET_IDS.split(',').map((s) => s.trim()).filter(Boolean) : file.subnetIds;
    const instanceId = env.LIVE_INSTANCE_ID ?? file.instanceId;

    if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) problems.push(`region (LIVE_REGION): a region name such as eu-west-1, not ${JSON.stringify(region)}`);
    if (!Array.isArray(subnetIds) || subnetIds.length !== 2 || !subnetIds.every((s) => typeof s === 'string' && /^subnet-[0-9a-f]{8,17}$/.test(s)) || subnetIds[0] === subnetIds[1]) {
        problems.push(`subnetIds (LIVE_SUBNET_IDS): two different subnet IDs, in different Availability Zones, not ${JSON.stringify(subnetIds)}`);
    }
    if (typeof instanceId !== 'string' || !/^i-[0-9a-f]{8,17}$/.test(instanceId)) problems.push(`instanceId (LIVE_INSTANCE_ID): an instance ID such as i-0123456789abcdef0, not ${JSON.stringify(instanceId)}`);
    if (problems.length) return { acknowledgedCost, problems };
    return { inputs: { region: region as string, subnetIds: subnetIds as string[], instanceId: instanceId as string }, acknowledgedCost, problems: [] };
}
