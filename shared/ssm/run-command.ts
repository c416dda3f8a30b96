/**
 * Runs a shell script on the management instance through SSM Run Command: one step sends it, a later step
 * polls it. Scripts carry no secret: they fetch what they need from Secrets Manager on the instance and pass
 * it to the CloudHSM CLI on stdin or in its environment, never on a command line.
 */
import { GetCommandInvocationCommand, ListCommandInvocationsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'crypto';
import { isAwsError } from '../aws/error-table';
import { pause } from '../engine/sleep';

export interface SentCommand {
    commandId: string;
    instanceId: string;
}

export async function sendScript(client: SSMClient, instanceId: string, script: string, comment: string, timeoutSeconds = 600): Promise<SentCommand> {
    const sent = await client.send(
        new SendCommandCommand({
            InstanceIds: [instanceId],
            DocumentName: 'AWS-RunShellScript',
            Comment: comment.slice(-100),
            TimeoutSeconds: timeoutSeconds,
            Parameters: { commands: [script], executionTimeout: [String(timeoutSeconds)] },
        }),
    );
    return { commandId: sent.Command!.CommandId!, instanceId };
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

async function findSent(client: SSMClient, instanceId: string, comment: string): Promise<SentCommand | undefined> {
    const listed = await client.send(new ListCommandInvocationsCommand({ InstanceId: instanceId, MaxResults: 50 }));
    const sent = listed.CommandInvocations?.find((i) => i.Comment === comment);
    return sent?.CommandId ? { commandId: sent.CommandId, instanceId } : undefined;
}

export type CommandProgress =
    | { state: 'running'; status: string }
    | { state: 'succeeded'; output: string }
    | { state: 'failed'; status: string; output: string; error: string; exitCode?: number };

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
