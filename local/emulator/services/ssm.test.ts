import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { writeFile } from 'fs/promises';
import { tmpdir } from 'os';
import * as path from 'path';
import {
    DescribeInstanceInformationCommand,
    GetCommandInvocationCommand,
    GetCommandInvocationCommandOutput,
    InvocationDoesNotExist,
    ListCommandInvocationsCommand,
    SendCommandCommand,
    SSMClient,
} from '@aws-sdk/client-ssm';
import { SharedClock } from '../../clock';
import { installInstanceEmulation } from '../../instance/cli';
import { addManagementInstance } from '../../instance/test-account';
import { Emulator } from '../server';
import { SsmService, ssmService } from './ssm';

describe('SSM Run Command (AWS-RunShellScript)', () => {
    const instanceId = 'i-0123456789abcdef0';
    let clock: SharedClock;
    let emulator: Emulator;
    let ssm: SSMClient;
    let service: SsmService;

    beforeEach(async () => {
        clock = new SharedClock();
        emulator = new Emulator({ clock, services: [ssmService], durations: { commandVisibleAfterSeconds: 30, commandMinimumSeconds: 60 } });
        await emulator.start();
        installInstanceEmulation(emulator);
        service = emulator.service<SsmService>('ssm');
        addManagementInstance(emulator.state, { instanceId });
        ssm = new SSMClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    });

    afterEach(async () => {
        await service.whenAllFinished();
        ssm.destroy();
        await emulator.stop();
    });

    const send = async (commands: string[], extra: Record<string, string[]> = {}) => {
        const { Command } = await ssm.send(
            new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands, ...extra } }),
        );
        return Command!.CommandId!;
    };
    const invocation = (commandId: string) => ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));

    /** Polls the way a handler does: advance the shared clock between polls, a bounded number of times. */
    const pollUntilDone = async (commandId: string): Promise<GetCommandInvocationCommandOutput> => {
        await service.whenFinished(commandId);
        for (let poll = 0; poll < 10; poll++) {
            try {
                const result = await invocation(commandId);
                if (!['Pending', 'InProgress', 'Delayed'].includes(result.Status!)) return result;
            } catch (err) {
                if (!(err instanceof InvocationDoesNotExist)) throw err;
            }
            clock.advance(10);
        }
        throw new Error(`command ${commandId} did not finish within 10 polls`);
    };

    it('answers InvocationDoesNotExist right after sending, then InProgress until the minimum run time, then Success', async () => {
        const { Command } = await ssm.send(
            new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['echo hello'] } }),
        );
        expect(Command).toMatchObject({ Status: 'Pending', DocumentName: 'AWS-RunShellScript', InstanceIds: [instanceId] });
        expect(Command!.Parameters).toEqual({ commands: ['echo hello'] });
        expect(Command!.RequestedDateTime).toBeInstanceOf(Date);
        const commandId = Command!.CommandId!;

        await expect(invocation(commandId)).rejects.toBeInstanceOf(InvocationDoesNotExist);

        await service.whenFinished(commandId);
        clock.advance(30);
        const early = await invocation(commandId);
        expect(early.Status).toBe('InProgress');
        expect(early.ResponseCode).toBe(-1);
        expect(early.StandardOutputContent).toBe('');

        clock.advance(30);
        const done = await invocation(commandId);
        expect(done).toMatchObject({ Status: 'Success', StatusDetails: 'Success', ResponseCode: 0, StandardOutputContent: 'hello\n', PluginName: 'aws:runShellScript' });
        expect(done.StandardErrorContent).toBe('');
    });

    it('reads InProgress for as long as the script runs, however much time passes', async () => {
        const fifoDirectory = mkdtempSync(path.join(tmpdir(), 'ssm-test-'));
        const fifo = path.join(fifoDirectory, 'release');
        execFileSync('mkfifo', [fifo]);
        try {
            const commandId = await send([`read line < ${fifo}`, 'echo "released with $line"']);

            clock.advance(600);
            expect((await invocation(commandId)).Status).toBe('InProgress');
            expect(emulator.state.commands.get(commandId)![0].finished).toBe(false);

            await writeFile(fifo, 'go\n');
            const done = await pollUntilDone(commandId);
            expect(done.Status).toBe('Success');
            expect(done.StandardOutputContent).toBe('released with go\n');
        } finally {
            rmSync(fifoDirectory, { recursive: true, force: true });
        }
    });

    it('reports Failed with the exit code and the agent note when the script exits non-zero', async () => {
        const commandId = await send(['echo partial output', 'echo something broke >&2', 'exit 3']);

        const done = await pollUntilDone(commandId);

        expect(done).toMatchObject({ Status: 'Failed', StatusDetails: 'Failed', ResponseCode: 3, StandardOutputContent: 'partial output\n' });
        expect(done.StandardErrorContent).toBe('something broke\nfailed to run commands: exit status 3\n');
    });

    it('reports TimedOut when the script outlives executionTimeout', async () => {
        const commandId = await send(['echo begun', 'sleep 30'], { executionTimeout: ['1'] });

        const done = await pollUntilDone(commandId);

        expect(done).toMatchObject({ Status: 'TimedOut', StatusDetails: 'ExecutionTimedOut', StandardOutputContent: 'begun\n' });
    });

    it.each([
        ['stops', (i: { state: string }) => (i.state = 'stopped')],
        ['loses its SSM agent', (i: { ssmManaged: boolean }) => (i.ssmManaged = false)],
    ])('an instance that %s before the result reached SSM: InProgress until the command expires, then TimedOut (DeliveryTimedOut) without output', async (_what, goOffline) => {
        const { Command } = await ssm.send(
            new SendCommandCommand({
                InstanceIds: [instanceId],
                DocumentName: 'AWS-RunShellScript',
                TimeoutSeconds: 60,
                Parameters: { commands: ['echo ran'], executionTimeout: ['120'] },
            }),
        );
        const commandId = Command!.CommandId!;
        expect(Command!.ExpiresAfter!.getTime() - Command!.RequestedDateTime!.getTime()).toBe(180_000);
        await service.whenFinished(commandId);
        clock.advance(30);
        goOffline(emulator.state.instances.get(instanceId) as any);

        expect((await invocation(commandId)).Status).toBe('InProgress');
        // The shared clock also moves with real time (the script ran for real): aim a few seconds short of expiry.
        const secondsLeft = Math.ceil((Command!.ExpiresAfter!.getTime() - clock.now()) / 1000);
        expect(secondsLeft).toBeGreaterThan(10);
        clock.advance(secondsLeft - 5);
        expect((await invocation(commandId)).Status).toBe('InProgress');
        clock.advance(5);
        const expired = await invocation(commandId);
        expect(expired).toMatchObject({ Status: 'TimedOut', StatusDetails: 'DeliveryTimedOut', ResponseCode: -1, StandardOutputContent: '', StandardErrorContent: '' });
        // Back online, the lost invocation stays lost.
        Object.assign(emulator.state.instances.get(instanceId)!, { state: 'running', ssmManaged: true });
        expect((await invocation(commandId)).StatusDetails).toBe('DeliveryTimedOut');
    });

    it('a result SSM has reported stays reported after the instance stops', async () => {
        const commandId = await send(['echo done']);
        const done = await pollUntilDone(commandId);
        expect(done.Status).toBe('Success');
        emulator.state.instances.get(instanceId)!.state = 'stopped';
        expect((await invocation(commandId)).Status).toBe('Success');
    });

    it('returns at most the first 24,000 characters of the output', async () => {
        const commandId = await send(["head -c 30000 /dev/zero | tr '\\0' x", 'echo >&2 done']);

        const done = await pollUntilDone(commandId);

        expect(done.Status).toBe('Success');
        expect(done.StandardOutputContent).toHaveLength(24000);
        expect(emulator.state.commands.get(commandId)![0].stdout).toHaveLength(30000);
    });

    it('records the command text as sent, so tests can scan it for secrets', async () => {
        const commandId = await send(['echo one', 'echo two']);
        await service.whenFinished(commandId);

        expect(emulator.state.commands.get(commandId)).toEqual([
            expect.objectContaining({ instanceId, documentName: 'AWS-RunShellScript', commands: ['echo one', 'echo two'] }),
        ]);
    });

    it('rejects instances that are unknown, not managed by SSM, or not running', async () => {
        addManagementInstance(emulator.state, { instanceId: 'i-0000000000000000a', ssmManaged: false });
        addManagementInstance(emulator.state, { instanceId: 'i-0000000000000000b', state: 'stopped' });

        for (const id of ['i-0000000000000000a', 'i-0000000000000000b', 'i-0ffffffffffffffff']) {
            await expect(
                ssm.send(new SendCommandCommand({ InstanceIds: [id], DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['true'] } })),
            ).rejects.toMatchObject({ name: 'InvalidInstanceId', message: `Instances [[${id}]] not in a valid state for account 123456789012` });
        }
        expect(emulator.state.commands.size).toBe(0);
    });

    it('rejects other documents and missing or unknown parameters', async () => {
        await expect(
            ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunPowerShellScript', Parameters: { commands: ['dir'] } })),
        ).rejects.toMatchObject({ name: 'InvalidDocument' });
        await expect(
            ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: {} })),
        ).rejects.toMatchObject({ name: 'InvalidParameters' });
        await expect(
            ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['true'], shell: ['zsh'] } })),
        ).rejects.toMatchObject({ name: 'InvalidParameters' });
        await expect(
            ssm.send(new SendCommandCommand({ InstanceIds: [instanceId, instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['true'] } })),
        ).rejects.toMatchObject({ name: 'DuplicateInstanceId' });
    });

    it('answers InvocationDoesNotExist for an unknown command and InvalidCommandId for a malformed one', async () => {
        await expect(invocation('3a5f7c1e-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(InvocationDoesNotExist);
        await expect(invocation('not-a-command-id')).rejects.toMatchObject({ name: 'InvalidCommandId' });
    });

    it('lists the invocations of a command once they are visible', async () => {
        const commandId = await send(['echo listed']);
        expect((await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId }))).CommandInvocations).toEqual([]);

        await service.whenFinished(commandId);
        clock.advance(60);
        const { CommandInvocations } = await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }));

        expect(CommandInvocations).toHaveLength(1);
        expect(CommandInvocations![0]).toMatchObject({ CommandId: commandId, InstanceId: instanceId, Status: 'Success' });
        expect(CommandInvocations![0].CommandPlugins![0]).toMatchObject({ Name: 'aws:runShellScript', ResponseCode: 0, Output: 'listed\n' });
    });

    it('lists invocations newest first, MaxResults (1–50) at a time, with a NextToken to the rest', async () => {
        const sent: string[] = [];
        for (let n = 0; n < 3; n++) {
            sent.push(await send([`echo ${n}`]));
            clock.advance(1);
        }
        clock.advance(60);
        const first = await ssm.send(new ListCommandInvocationsCommand({ InstanceId: instanceId, MaxResults: 2 }));
        const second = await ssm.send(new ListCommandInvocationsCommand({ InstanceId: instanceId, MaxResults: 2, NextToken: first.NextToken }));

        expect(first.CommandInvocations!.map((i) => i.CommandId)).toEqual([sent[2], sent[1]]);
        expect(second.CommandInvocations!.map((i) => i.CommandId)).toEqual([sent[0]]);
        expect(second.NextToken).toBeUndefined();
        await expect(ssm.send(new ListCommandInvocationsCommand({ MaxResults: 51 }))).rejects.toMatchObject({ name: 'ValidationException' });
        await expect(ssm.send(new ListCommandInvocationsCommand({ NextToken: 'not-a-token' }))).rejects.toMatchObject({ name: 'InvalidNextToken' });
    });

    it('filters invocations by InvokedAfter and DocumentName', async () => {
        const older = await send(['echo older']);
        clock.advance(10);
        const after = new Date(clock.now()).toISOString();
        const newer = await send(['echo newer']);
        clock.advance(60);
        const { CommandInvocations } = await ssm.send(
            new ListCommandInvocationsCommand({ Filters: [{ key: 'InvokedAfter', value: after }, { key: 'DocumentName', value: 'AWS-RunShellScript' }] }),
        );
        expect(CommandInvocations!.map((i) => i.CommandId)).toEqual([newer]);
        expect(CommandInvocations!.map((i) => i.CommandId)).not.toContain(older);
    });

    it('refuses SendCommand members the model constrains: Comment over 100, DocumentName, MaxConcurrency and MaxErrors patterns', async () => {
        const base = { InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['true'] } };
        for (const [extra, member] of [
            [{ Comment: 'x'.repeat(101) }, 'comment'],
            [{ DocumentName: 'AWS RunShellScript' }, 'documentName'],
            [{ MaxConcurrency: '0' }, 'maxConcurrency'],
            [{ MaxErrors: '101%' }, 'maxErrors'],
        ] as const) {
            await expect(ssm.send(new SendCommandCommand({ ...base, ...extra }))).rejects.toMatchObject({
                name: 'ValidationException',
                message: expect.stringContaining(`at '${member}' failed to satisfy constraint`),
            });
        }
        expect(emulator.state.commands.size).toBe(0);
    });

    it('describes instances MaxResults (5–50) at a time, with a NextToken to the rest', async () => {
        const others = ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c', 'i-0000000000000000d', 'i-0000000000000000e'];
        others.forEach((id) => addManagementInstance(emulator.state, { instanceId: id }));
        const first = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 5 }));
        const second = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 5, NextToken: first.NextToken }));

        expect(first.InstanceInformationList).toHaveLength(5);
        expect([...first.InstanceInformationList!, ...second.InstanceInformationList!].map((i) => i.InstanceId).sort()).toEqual([instanceId, ...others].sort());
        expect(second.NextToken).toBeUndefined();
        await expect(ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 4 }))).rejects.toMatchObject({ name: 'ValidationException' });
    });

    it('describes only instances whose SSM agent is registered, so an unmanaged instance is absent', async () => {
        addManagementInstance(emulator.state, { instanceId: 'i-0000000000000000a', ssmManaged: false });

        const byFilterList = await ssm.send(
            new DescribeInstanceInformationCommand({
                InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: [instanceId, 'i-0000000000000000a'] }],
            }),
        );
        const byFilters = await ssm.send(
            new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: ['i-0000000000000000a'] }] }),
        );

        expect(byFilterList.InstanceInformationList!.map((i) => [i.InstanceId, i.PingStatus])).toEqual([[instanceId, 'Online']]);
        expect(byFilters.InstanceInformationList).toEqual([]);
    });

    it('fails the invocation, not the call, when no instance emulation runs the scripts', async () => {
        const bare = new Emulator({ clock, services: [ssmService] });
        await bare.start();
        const client = new SSMClient({ endpoint: bare.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
        try {
            addManagementInstance(bare.state, { instanceId });
            const { Command } = await client.send(
                new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Parameters: { commands: ['true'] } }),
            );
            await bare.service<SsmService>('ssm').whenFinished(Command!.CommandId!);
            clock.advance(60);

            const result = await client.send(new GetCommandInvocationCommand({ CommandId: Command!.CommandId!, InstanceId: instanceId }));

            expect(result.Status).toBe('Failed');
            expect(result.StandardErrorContent).toContain('installInstanceEmulation');
        } finally {
            client.destroy();
            await bare.stop();
        }
    });
});
