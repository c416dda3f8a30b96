/** The step that waits for the Run Command script a previous step sent (recorded in `data.command`). */
import { SSMClient } from '@aws-sdk/client-ssm';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError, InvalidInputError, TerminalStateError } from '../engine/errors';
import { nextLookSeconds, SCHEDULES } from '../engine/polling';
import { next, Step, wait } from '../engine/workflow';
import { SCRIPT_EXIT } from './cloudhsm-scripts';
import { checkScript, CommandProgress, SentCommand } from './run-command';

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
        if (result.state === 'failed') throw scriptFailure(command, result);
        delete scope.data.command;
        scope.changed();
        return next();
    },
});

/** The handler's error for a failed script: the exit codes the scripts reserve name what the user must fix. */
function scriptFailure(command: SentCommand & { purpose: string }, result: Extract<CommandProgress, { state: 'failed' }>): HandlerError {
    const what = `The ${command.purpose} script on ${command.instanceId} ended ${result.status} (SSM command ${command.commandId}): ${result.error}.`;
    switch (result.exitCode) {
        case SCRIPT_EXIT.clientTooOld:
            // Checked before the script changed anything: the instance, not the request's progress, is at fault.
            return new InvalidInputError(`ManagementInstanceId: ${what}`);
        case SCRIPT_EXIT.notJsonCredentials:
            // Checked before anything changed; the script's own words name the property and what to give.
            return new InvalidInputError(`${result.error} (${command.purpose} script on ${command.instanceId}, SSM command ${command.commandId})`);
        case SCRIPT_EXIT.kmsUserLoggedIn:
            return new HandlerError(HandlerErrorCode.ResourceConflict, what);
        case 127:
            // The shell's "command not found": the instance lacks a tool the scripts need.
            return new TerminalStateError(`${what} Install the CloudHSM CLI (client SDK 5), the AWS CLI and python3 on the instance.`);
        default:
            return new TerminalStateError(what);
    }
}
