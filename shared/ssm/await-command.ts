/** The step that waits for the Run Command script a previous step sent (recorded in `data.command`). */
import { SSMClient } from '@aws-sdk/client-ssm';
import { TerminalStateError } from '../engine/errors';
import { nextLookSeconds, SCHEDULES } from '../engine/polling';
import { next, Step, wait } from '../engine/workflow';
import { checkScript, SentCommand } from './run-command';

export interface CommandScope {
    data: { command?: SentCommand & { purpose: string } };
    ssm: SSMClient;
    /** Told when the script has finished, because it changed what the service holds. */
    changed(): void;
}

export const awaitCommand = <S extends CommandScope>(name: string): Step<S> => ({
    name,
    when: (scope) => !!scope.data.command,
    run: async (scope, progress) => {
        const command = scope.data.command!;
        const result = await checkScript(scope.ssm, command);
        if (result.state === 'running') {
            return wait(
                nextLookSeconds(SCHEDULES.command, progress.waitedSeconds),
                `Waiting for the ${command.purpose} script on ${command.instanceId} (${result.status})`,
                SCHEDULES.command.timeoutSeconds,
            );
        }
        if (result.state === 'failed') {
            // 127 is the shell's "command not found": the instance lacks a tool the scripts need.
            const advice = result.exitCode === 127 ? ' Install the CloudHSM CLI (client SDK 5), the AWS CLI and python3 on the instance.' : '';
            throw new TerminalStateError(`The ${command.purpose} script on ${command.instanceId} ended ${result.status} (SSM command ${command.commandId}): ${result.error}.${advice}`);
        }
        delete scope.data.command;
        scope.changed();
        return next();
    },
});
