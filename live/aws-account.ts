/**
 * The live test in a real AWS account: the user's own credentials from the standard chain (environment
 * variables, a profile, SSO, an instance role), handed to the handlers as CloudFormation hands over session
 * credentials; the real clock, on which a callback delay is waited out.
 */
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { setTimeout as sleep } from 'timers/promises';
import { recordAwsCalls } from './aws-calls';
import { LiveEnvironment } from './environment';
import { LiveInputs } from './inputs';

export async function awsAccount(inputs: LiveInputs): Promise<LiveEnvironment> {
    const recorder = recordAwsCalls();
    // Any client resolves the default credential chain; its provider caches and refreshes what it found.
    const ec2 = new EC2Client({ region: inputs.region });
    const credentials = ec2.config.credentials;
    // The instance is the user's own, so its reservation names the account (no STS client is installed).
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [inputs.instanceId] }));
    const accountId = described.Reservations?.[0]?.OwnerId;
    if (!accountId) throw new Error(`The instance ${inputs.instanceId} was not found in ${inputs.region}.`);
    return {
        description: `AWS account ${accountId}, ${inputs.region}; times are real`,
        account: {
            region: inputs.region,
            accountId,
            calls: recorder.calls,
            credentials: async () => {
                const { accessKeyId, secretAccessKey, sessionToken } = await credentials();
                return { accessKeyId, secretAccessKey, sessionToken };
            },
        },
        timeLabel: 'took',
        clock: {
            now: () => Date.now(),
            advance: (seconds, signal) => sleep(seconds * 1000, undefined, { signal }),
        },
        clientSettings: { region: inputs.region },
        stop: async () => {
            recorder.stop();
            ec2.destroy();
        },
    };
}
