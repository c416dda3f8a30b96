/**
 * A management instance that others use too: SSM lists invocations newest first, 50 a page, so commands sent
 * to the instance after a step sent its script push that script off the first page. A step run again (a
 * replayed callback context) must still find its own command and not run the script a second time.
 */
import { randomUUID } from 'crypto';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';
import { createUntilStep } from './mid-workflow';

let aws: LocalAws;
afterEach(() => aws.stop());

const activationsSent = () => [...aws.emulator.state.commands.values()].flat().filter((c) => c.comment?.startsWith('Activate'));

it('a replayed activation step finds its own command behind 60 later commands from others and does not activate twice', async () => {
    // GIVEN a create that has sent its activation script, and 60 commands others sent to the instance since
    aws = await startLocalAws();
    const driver = aws.driver(clusterType);
    const properties = clusterProperties(aws);
    const instanceId = properties.ManagementInstanceId as string;
    const token = randomUUID();
    const events = await createUntilStep(aws, driver, properties, 'await-initialized', token);
    // The invocation that sends the activation: the context it resumed is the one to replay.
    let beforeActivation = events[events.length - 1];
    for (let invocation = 0; invocation < 20 && activationsSent().length === 0; invocation++) {
        aws.clock.advance(beforeActivation.callbackDelaySeconds ?? 0);
        const { last } = await driver.create(beforeActivation.resourceModel!, { clientRequestToken: token, callbackContext: beforeActivation.callbackContext, maxInvocations: 1, stringify: false });
        if (activationsSent().length === 0) beforeActivation = last;
    }
    expect(activationsSent()).toHaveLength(1);
    const ssm = new SSMClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    try {
        for (let other = 0; other < 60; other++) {
            await ssm.send(new SendCommandCommand({ InstanceIds: [instanceId], DocumentName: 'AWS-RunShellScript', Comment: `inventory ${other}`, Parameters: { commands: ['true'] } }));
        }
    } finally {
        ssm.destroy();
    }
    aws.clock.advance(60);

    // WHEN CloudFormation replays the callback context from before the activation
    const replayed = await driver.create(beforeActivation.resourceModel!, { clientRequestToken: token, callbackContext: beforeActivation.callbackContext, stringify: false });

    // THEN the create succeeds with the one activation it sent first
    expect({ status: replayed.status, message: replayed.message }).toEqual({ status: 'SUCCESS', message: replayed.message });
    expect(activationsSent()).toHaveLength(1);
});
