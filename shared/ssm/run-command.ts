/**
 * Runs a shell script on the management instance through SSM Run Command: one step sends it, a later step
 * polls it. Scripts carry no secret: they fetch what they need from Secrets Manager on the instance and pass
 * it to the CloudHSM CLI on stdin or in its environment, never on a command line.
 */
import { GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { createHash } from 'crypto';
import { isAwsError } from '../aws/error-table';
import { HandlerError } from '../engine/errors';
import { SCHEDULES } from '../engine/polling';
import { pause } from '../engine/sleep';

export interface SentCommand {
    commandId: string;
    instanceId: string;
}

/** How long a script may run on the instance (the document's executionTimeout). */
const EXECUTION_TIMEOUT_SECONDS = 600;
/**
 * How long SSM may take to deliver it. A command expires after delivery plus execution timeout, and then an
 * invocation whose instance stopped or lost its agent reads DeliveryTimedOut: keeping the sum under the
 * script wait's deadline lets SSM's own answer arrive before the wait gives up.
 */
const DELIVERY_TIMEOUT_SECONDS = SCHEDULES.command.timeoutSeconds - EXECUTION_TIMEOUT_SECONDS - 60;

/** What to do when the management instance cannot take or finish a command. */
const INSTANCE_ADVICE =
    'Start the instance if it is stopped, and check that its SSM agent is running and online (Systems Manager > Fleet Manager) and that its instance role allows SSM (the AmazonSSMManagedInstanceCore policy); then retry the stack operation';

export async function sendScript(client: SSMClient, instanceId: string, script: string, comment: string): Promise<SentCommand> {
    try {
        const sent = await client.send(
            new SendCommandCommand({
                InstanceIds: [instanceId],
                DocumentName: 'AWS-RunShellScript',
                Comment: comment.slice(-100),
                TimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
                Parameters: { commands: [script], executionTimeout: [String(EXECUTION_TIMEOUT_SECONDS)] },
            }),
        );
        return { commandId: sent.Command!.CommandId!, instanceId };
    } catch (err) {
        // SSM's own text ("Instances [[i-…]] not in a valid state for account …") does not say what to do.
        if (isAwsError(err, 'InvalidInstanceId')) {
            throw new HandlerError(
                HandlerErrorCode.InvalidRequest,
                `The management instance ${instanceId} cannot take commands now: it is not running, or its SSM agent is offline (SSM: ${(err as Error).message}). ${INSTANCE_ADVICE}.`,
            );
        }
        throw err;
    }
}

/** SSM lists a command about a second after SendCommand answers; looking sooner may miss it. */
const LISTED_AFTER_SECONDS = 2;

/**
 * SendCommand takes no client token. The comment carries the purpose and a digest of the CloudFormation
 * request token, so a retried step finds the command an earlier attempt sent instead of running it twice.
 * When SendCommand fails, SSM may have run it all the same (only the answer was lost), so this looks again
 * once SSM would list it, before the failure goes to the engine, which runs the step again later.
 */
export async function sendScriptOnce(client: SSMClient, instanceId: string, script: string, purpose: string, requestToken: string): Promise<SentCommand> {
    const comment = `${purpose} [${createHash('sha256').update(requestToken).digest('hex').slice(0, 12)}]`.slice(-100);
    const earlier = await findSent(client, instanceId, comment);
    if (earlier) return earlier;
    try {
        return await sendScript(client, instanceId, script, comment);
    } catch (err) {
        await pause.seconds(LISTED_AFTER_SECONDS);
        const sent = await findSent(client, instanceId, comment);
        if (sent) return sent;
        throw err;
    }
}

/**
 * How far back findSent looks: SSM lists invocations newest first, 50 a page, and other people's commands on
 * the same instance since this request's send push ours down. Ten pages is 500 shell scripts on one instance
 * between a step's attempts, far more than a management instance sees, and keeps the look bounded.
 */
const FIND_SENT_MAX_PAGES = 10;

async function findSent(client: SSMClient, instanceId: string, comment: string): Promise<SentCommand | undefined> {
    let nextToken: string | undefined;
    for (let page = 0; page < FIND_SENT_MAX_PAGES; page++) {
        const listed = await client.send(
            new ListCommandInvocationsCommand({
                InstanceId: instanceId,
                Filters: [{ key: 'DocumentName', value: 'AWS-RunShellScript' }],
                MaxResults: 50,
                NextToken: nextToken,
            }),
        );
        const sent = listed.CommandInvocations?.find((i) => i.Comment === comment);
        if (sent?.CommandId) return { commandId: sent.CommandId, instanceId };
        nextToken = listed.NextToken;
        if (!nextToken) return undefined;
    }
    return undefined;
}

export type CommandProgress =
    | { state: 'running'; status: string }
    | { state: 'succeeded'; output: string }
    | { state: 'failed'; status: string; output: string; error: string; exitCode?: number };

/**
 * StatusDetails of an invocation the instance never reported on: it stopped or lost its agent before the
 * result reached SSM (or never got the command). The script may have run in part.
 */
const NEVER_REPORTED = new Set(['DeliveryTimedOut', 'Undeliverable']);

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed']);
const SSM_EXIT_LINE = /^failed to run commands: exit status \d+$/;

export async function checkScript(client: SSMClient, sent: SentCommand): Promise<CommandProgress> {
    try {
        const invocation = await client.send(new GetCommandInvocationCommand({ CommandId: sent.commandId, InstanceId: sent.instanceId }));
        const status = invocation.Status ?? 'Pending';
        if (RUNNING.has(status)) return { state: 'running', status };
        if (status === 'Success') return { state: 'succeeded', output: invocation.StandardOutputContent ?? '' };
        // SSM adds its own line ("failed to run commands: exit status 1") to stderr, and the CloudHSM CLI reports
        // its errors as JSON on stdout: the message keeps the end of stdout, then what the script said on stderr.
        if (NEVER_REPORTED.has(invocation.StatusDetails ?? '')) {
            return {
                state: 'failed',
                status: `${status} (${invocation.StatusDetails})`,
                output: '',
                error: `the instance never reported back: it stopped, or its SSM agent went offline, before the script's result reached SSM, so the script may have run only in part. ${INSTANCE_ADVICE}`,
            };
        }
        const output = invocation.StandardOutputContent ?? '';
        const stderr = (invocation.StandardErrorContent ?? '')
            .split('\n')
            .filter((line) => line.trim() && !SSM_EXIT_LINE.test(line.trim()))
            .join('\n');
        const error = [tail(output, 3), tail(stderr, 5)].filter(Boolean).join(' | ');
        return { state: 'failed', status, output, error: error || invocation.StatusDetails || status, exitCode: invocation.ResponseCode };
    } catch (err) {
        // SSM needs a moment after SendCommand before the invocation can be read.
        if (isAwsError(err, 'InvocationDoesNotExist')) return { state: 'running', status: 'Pending' };
        throw err;
    }
}

/** The last lines of a script's error output, for a FAILED message a person can act on. */
export function tail(text: string, lines = 5): string {
    return text.trim().split('\n').slice(-lines).join(' | ');
}
