/**
 * Runs a shell script on the management instance through SSM Run Command: one step sends it, a later step
 * polls it. Scripts carry no secret: they fetch what they need from Secrets Manager on the instance and pass
 * it to the CloudHSM CLI on stdin or in its environment, never on a command line.
 */
import { GetCommandInvocationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { isAwsError } from '../aws/error-table';

export interface SentCommand {
    commandId: string;
    instanceId: string;
}

export async function sendScript(client: SSMClient, instanceId: string, script: string, comment: string, timeoutSeconds = 600): Promise<SentCommand> {
    const sent = await client.send(
        new SendCommandCommand({
            InstanceIds: [instanceId],
            DocumentName: 'AWS-RunShellScript',
            Comment: comment.slice(0, 100),
            TimeoutSeconds: timeoutSeconds,
            Parameters: { commands: [script], executionTimeout: [String(timeoutSeconds)] },
        }),
    );
    return { commandId: sent.Command!.CommandId!, instanceId };
}

export type CommandProgress =
    | { state: 'running'; status: string }
    | { state: 'succeeded'; output: string }
    | { state: 'failed'; status: string; output: string; error: string };

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed']);

export async function checkScript(client: SSMClient, sent: SentCommand): Promise<CommandProgress> {
    try {
        const invocation = await client.send(new GetCommandInvocationCommand({ CommandId: sent.commandId, InstanceId: sent.instanceId }));
        const status = invocation.Status ?? 'Pending';
        if (RUNNING.has(status)) return { state: 'running', status };
        if (status === 'Success') return { state: 'succeeded', output: invocation.StandardOutputContent ?? '' };
        return {
            state: 'failed',
            status,
            output: invocation.StandardOutputContent ?? '',
            error: (invocation.StandardErrorContent ?? '').trim() || invocation.StatusDetails || status,
        };
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
