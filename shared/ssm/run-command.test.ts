/**
 * sendScriptOnce on a management instance that others use too: SSM lists invocations newest first, 50 a page,
 * so commands sent to the instance after a step sent its script push that script off the first page. Asked
 * again for the same request (a retried step), it must still find its own command and not send the script a
 * second time. Real SSM client against the emulator.
 */
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { sendScriptOnce } from './run-command';

let aws: LocalAws;
let ssm: SSMClient;
beforeAll(async () => {
    aws = await startLocalAws();
    ssm = new SSMClient({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
});
afterAll(async () => {
    ssm.destroy();
    await aws.stop();
});

const commandsOn = (instanceId: string) => [...aws.emulator.state.commands.values()].flat().filter((c) => c.instanceId === instanceId);

it('GIVEN a script sent once and 60 commands from others since, WHEN the same request sends it again, THEN it finds its own command on a later page and sends nothing', async () => {
    const instanceId = aws.network.managementInstanceId;
    const first = await sendScriptOnce(ssm, instanceId, 'echo one', 'Activate cluster-test', 'request-token-1');
    for (let other = 0; other < 60; other++) {
        await ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Comment: `inventory ${other}`, Parameters: { commands: ['true'] } }));
    }
    // SSM lists a command a moment after sending it.
    aws.clock.advance(5);
    const before = commandsOn(instanceId).length;

    const again = await sendScriptOnce(ssm, instanceId, 'echo one', 'Activate cluster-test', 'request-token-1');

    expect(again).toEqual(first);
    expect(commandsOn(instanceId).length).toBe(before);
});
