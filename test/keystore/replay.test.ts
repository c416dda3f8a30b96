/**
 * Every key store step is idempotent under re-invocation. CloudFormation delivers the same event again when
 * it loses a response or an invocation times out, and a callback context can be replayed after it was
 * issued: neither may create a second key store, kmsuser secret or secret version, send the kmsuser script
 * twice, reset kmsuser behind KMS's back, nor fail an operation that is going well.
 */
import { CreateKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { randomUUID } from 'crypto';
import { OperationReport, ProgressEventJson, stringifyPrimitives } from '../../local/driver/driver';
import { handlerRoleArn, LocalAws, startLocalAws } from '../../local/runtime';
import { answeredCalls } from '../cluster/mid-workflow';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { keyStoreProperties, kmsClient } from './key-store-support';

/** CloudFormation retries a lost invocation a few seconds later; SSM needs a second before a sent command is listed. */
const deliverTwice = { retryAfterSeconds: 5 };

let aws: LocalAws;
let cluster: Record<string, unknown>;
let clusterId: string;

const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };
const failedDeliveries = (events: ProgressEventJson[]) => events.filter((e) => e.status === 'FAILED').map((e) => `${e.errorCode}: ${e.message}`);
const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
const kmsUsers = () => aws.emulator.state.clusters.get(clusterId)!.users.filter((u) => u.username === 'kmsuser');
const kmsUserSecrets = () => [...aws.emulator.state.secrets.values()].filter((s) => /\/kmsuser$/.test(s.name) && s.deletedDate === undefined);
const ssmCommands = () => [...aws.emulator.state.commands.values()].flat();
/** Answered `cloudhsm-cli user <verb> --username kmsuser` runs on the instance, from index `from`. */
const kmsUserCliRuns = (from: number) =>
    aws.instances.invocations
        .slice(from)
        .filter((i) => i.tool === 'cloudhsm-cli' && i.argv[0] === 'user' && i.argv[1] !== 'list' && i.argv.includes('kmsuser'))
        .map((i) => `${i.argv[1]} exit ${i.exitCode}`);
/** The answered calls of this operation that change something, counted by `service:Action`. */
function answeredMutations(from: number): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of aws.emulator.calls.slice(from)) {
        if (call.error || ['logs', 'cloudwatch'].includes(call.service) || /^(Describe|List|Get)/.test(call.action)) continue;
        const key = `${call.service}:${call.action}`;
        counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
}

/** An update driven one invocation at a time until an IN_PROGRESS event waits at `step`; that event. */
async function updateUntilStep(previous: Record<string, unknown>, desired: Record<string, unknown>, step: string, clientRequestToken: string): Promise<ProgressEventJson> {
    let model = stringifyPrimitives(desired) as Record<string, unknown>;
    let callbackContext: Record<string, unknown> | undefined;
    for (let invocation = 0; invocation < 20; invocation++) {
        const { last } = await keyStores().update(stringifyPrimitives(previous), model, { clientRequestToken, callbackContext, maxInvocations: 1, stringify: false });
        if (last.status !== 'IN_PROGRESS') throw new Error(`The update ended ${last.status} before reaching ${step}: ${last.message}`);
        if (last.callbackContext?.step === step) return last;
        aws.clock.advance(last.callbackDelaySeconds ?? 0);
        model = last.resourceModel!;
        callbackContext = last.callbackContext;
    }
    throw new Error(`The update never waited at ${step}`);
}

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    cluster = await readyCluster(aws);
    clusterId = cluster.ClusterId as string;
});
afterAll(() => aws?.stop());

describe('GIVEN a ready cluster, WHEN CloudFormation delivers every key store event twice (each first response lost)', () => {
    const token = randomUUID();
    let properties: Record<string, unknown>;
    let created: OperationReport;
    let current: Record<string, unknown>;
    let keyStoreId: string;

    it('THEN a create makes one key store, one kmsuser secret, one kmsuser and sends one kmsuser script, and ends CONNECTED as READ sees it', async () => {
        // GIVEN
        properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'replayed-keys' });
        const firstCall = aws.emulator.calls.length;
        const cliFrom = aws.instances.invocations.length;
        const commandsBefore = ssmCommands().length;

        // WHEN
        created = await keyStores().create(properties, { deliverTwice, clientRequestToken: token });

        // THEN the answer that counts is a success, and no lost answer was a failure either
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        expect(created.discardedEvents).toHaveLength(created.events.length);
        expect(failedDeliveries(created.discardedEvents)).toEqual([]);
        keyStoreId = created.model!.KeyStoreId as string;
        expect([...aws.emulator.state.keyStores.values()].map((s) => [s.customKeyStoreId, s.connectionState])).toEqual([[keyStoreId, 'CONNECTED']]);
        expect(kmsUserSecrets().map((s) => [s.name, s.versions.length])).toEqual([[`cloudhsm/key-stores/${keyStoreId}/kmsuser`, 1]]);
        // The create writes its create-request record, then the store, then the kmsuser secret, and deletes the
        // record; the replayed first event adopts the store it made (its kmsuser secret carries this request's
        // version) and tells KMS nothing: KMS has the password the record and the kmsuser secret hold
        // (create-key-store.ts).
        expect(answeredMutations(firstCall)).toEqual({
            'secretsmanager:CreateSecret': 2,
            'kms:CreateCustomKeyStore': 1,
            'secretsmanager:DeleteSecret': 1,
            'ssm:SendCommand': 1,
            'kms:ConnectCustomKeyStore': 1,
        });
        expect([...aws.emulator.state.secrets.values()].filter((s) => s.name.includes('/create-requests/') && s.deletedDate === undefined)).toEqual([]);
        expect(ssmCommands().length - commandsBefore).toBe(1);
        expect(kmsUserCliRuns(cliFrom)).toEqual(['create exit 0']);
        expect(kmsUsers()).toHaveLength(1);
        const activeHsms = aws.emulator.state.clusters.get(clusterId)!.hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId);
        expect([...kmsUsers()[0].hsmIds].sort()).toEqual(activeHsms.sort());
        expect(created.model).toEqual((await keyStores().read({ KeyStoreId: keyStoreId })).model);
        current = { ...properties, KeyStoreId: keyStoreId };
    });

    it("THEN replaying each waiting step's callback context after the create finished answers the same store and changes nothing", async () => {
        // GIVEN every callback context CloudFormation could have held: those of lost responses too
        const held = created.events.flatMap((event, i) => [created.discardedEvents[i], event]);
        const firstAtEachStep = new Map<string, ProgressEventJson>();
        for (const event of held) {
            const step = event.callbackContext?.step as string | undefined;
            if (event.status === 'IN_PROGRESS' && step && !firstAtEachStep.has(step)) firstAtEachStep.set(step, event);
        }
        expect([...firstAtEachStep.keys()]).toEqual(expect.arrayContaining(['await-kmsuser', 'await-connected']));
        const expected = (await keyStores().read({ KeyStoreId: keyStoreId })).model;
        const firstCall = aws.emulator.calls.length;
        const cliFrom = aws.instances.invocations.length;
        const kmsUserBefore = { ...kmsUsers()[0] };

        // WHEN CloudFormation resumes from each of them
        const replays: Array<{ from: string; status: string; failure?: string; model?: Record<string, unknown> }> = [];
        for (const [step, event] of firstAtEachStep) {
            const replay = await keyStores().create(event.resourceModel!, { clientRequestToken: token, callbackContext: event.callbackContext, stringify: false });
            replays.push({ from: step, ...outcome(replay), model: replay.model });
        }

        // THEN each answers the finished store, and nothing was created, sent, reset or told to KMS again
        expect(replays).toEqual([...firstAtEachStep.keys()].map((from) => ({ from, status: 'SUCCESS', model: expected })));
        expect(answeredMutations(firstCall)).toEqual({});
        expect(kmsUserCliRuns(cliFrom)).toEqual([]);
        // kmsuser keeps the password KMS gave it on connecting: a reset now would break the next connection.
        expect(kmsUsers()).toEqual([kmsUserBefore]);
        expect(aws.emulator.state.keyStores.size).toBe(1);
        expect(kmsUserSecrets().map((s) => s.versions.length)).toEqual([1]);
    });

    it('THEN the first create event, delivered once more after the create finished, answers the same store and changes nothing', async () => {
        // GIVEN the finished store
        const expected = (await keyStores().read({ KeyStoreId: keyStoreId })).model;
        const firstCall = aws.emulator.calls.length;

        // WHEN CloudFormation delivers the first event of the same request again
        const replay = await keyStores().create(properties, { clientRequestToken: token });

        // THEN it is recognised as this request's own store (as a retry of the first invocation would be)
        expect(outcome(replay)).toEqual({ status: 'SUCCESS' });
        expect(replay.model).toEqual(expected);
        expect(answeredMutations(firstCall)).toEqual({});
        expect(aws.emulator.state.keyStores.size).toBe(1);
    });

    it('THEN a kmsuser password rotation changes the password once, in the secret, on the HSMs and in KMS, and reconnects', async () => {
        // GIVEN the connected store
        const rotated = { ...current, KmsUserPasswordVersion: 2 };
        const firstCall = aws.emulator.calls.length;
        const cliFrom = aws.instances.invocations.length;
        const commandsBefore = ssmCommands().length;

        // WHEN
        const updated = await keyStores().update(current, rotated, { deliverTwice });

        // THEN
        expect(outcome(updated)).toEqual({ status: 'SUCCESS' });
        expect(failedDeliveries(updated.discardedEvents)).toEqual([]);
        expect(answeredMutations(firstCall)).toEqual({
            'kms:DisconnectCustomKeyStore': 1,
            'secretsmanager:PutSecretValue': 1,
            'secretsmanager:TagResource': expect.any(Number),
            // The admin secret's form check, then the kmsuser script.
            'ssm:SendCommand': 2,
            'kms:UpdateCustomKeyStore': 1,
            'kms:ConnectCustomKeyStore': 1,
        });
        expect(ssmCommands().length - commandsBefore).toBe(2);
        expect(kmsUserCliRuns(cliFrom)).toEqual(['change-password exit 0']);
        expect(kmsUsers()).toHaveLength(1);
        const [secret] = kmsUserSecrets();
        expect(secret.versions).toHaveLength(2);
        const newPassword = JSON.parse(secret.versions.find((v) => v.stages.includes('AWSCURRENT'))!.secretString!).password;
        const changePassword = aws.instances.invocations.slice(cliFrom).find((i) => i.tool === 'cloudhsm-cli' && i.argv[1] === 'change-password')!;
        expect(changePassword.typedAtPrompts).toEqual([newPassword, newPassword]);
        expect(aws.emulator.state.keyStores.get(keyStoreId)!.connectionState).toBe('CONNECTED');
        expect(updated.model).toMatchObject({ KmsUserPasswordVersion: 2, ConnectionState: 'CONNECTED' });
        expect(updated.model).toEqual((await keyStores().read({ KeyStoreId: keyStoreId })).model);
        current = rotated;
    });

    it('THEN a rotation whose response after the kmsuser script finished is lost still ends CONNECTED with the new password', async () => {
        // GIVEN a rotation CloudFormation drives one invocation at a time, up to the wait for the kmsuser script
        const rotated = { ...current, KmsUserPasswordVersion: 3 };
        const rotationToken = randomUUID();
        const atScript = await updateUntilStep(current, rotated, 'await-kmsuser', rotationToken);
        aws.clock.advance(atScript.callbackDelaySeconds ?? 0);
        const firstCall = aws.emulator.calls.length;

        // WHEN the next invocation (script done: KMS is told the password and the connection starts) loses its
        // response, and CloudFormation delivers the same event again
        const resumed = await keyStores().update(stringifyPrimitives(current), atScript.resourceModel!, {
            clientRequestToken: rotationToken,
            callbackContext: atScript.callbackContext,
            stringify: false,
            deliverTwice,
        });

        // THEN the rotation carries on to CONNECTED, and KMS was told the password once
        expect(failedDeliveries([...resumed.discardedEvents, ...resumed.events])).toEqual([]);
        expect(outcome(resumed)).toEqual({ status: 'SUCCESS' });
        expect(answeredMutations(firstCall)).toMatchObject({ 'kms:UpdateCustomKeyStore': 1, 'kms:ConnectCustomKeyStore': 1 });
        expect(aws.emulator.state.keyStores.get(keyStoreId)!.connectionState).toBe('CONNECTED');
        current = rotated;
    });

    it('THEN a delete that KMS refuses (a key the handler may not describe) disconnects, connects again and fails once, with nothing deleted', async () => {
        // GIVEN a key in the store whose policy refuses the handler role kms:DescribeKey
        const kms = kmsClient(aws);
        const accountId = aws.emulator.state.accountId;
        const policy = JSON.stringify({
            Version: '2012-10-17',
            Statement: [
                { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
                { Effect: 'Deny', Principal: { AWS: handlerRoleArn(accountId) }, Action: 'kms:DescribeKey', Resource: '*' },
            ],
        });
        const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: keyStoreId, Policy: policy }));
        const firstCall = aws.emulator.calls.length;

        // WHEN
        const refused = await keyStores().delete(current, { deliverTwice });

        // THEN every delivery that answered said the same, and the store is as it was
        expect(outcome(refused)).toMatchObject({ status: 'FAILED', failure: expect.stringMatching(/^ResourceConflict: KMS refused to delete key store/) });
        expect(failedDeliveries(refused.discardedEvents).every((f) => f.startsWith('ResourceConflict: KMS refused'))).toBe(true);
        expect(answeredMutations(firstCall)).toEqual({ 'kms:DisconnectCustomKeyStore': 1, 'kms:ConnectCustomKeyStore': 1 });
        expect(aws.emulator.state.keyStores.get(keyStoreId)!.connectionState).toBe('CONNECTED');
        expect(kmsUserSecrets()).toHaveLength(1);

        // AND once KMS has deleted the key, the store can go
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
        kms.destroy();
        aws.clock.advance(7 * 24 * 3600 + 60);
        aws.emulator.settle();
    });

    it('THEN a delete removes the store and its kmsuser secret once, and keeps kmsuser on the cluster', async () => {
        // GIVEN
        const firstCall = aws.emulator.calls.length;

        // WHEN
        const deleted = await keyStores().delete(current, { deliverTwice });

        // THEN the second delivery of the event that deleted the store does not fail the delete
        expect(failedDeliveries([...deleted.discardedEvents, ...deleted.events])).toEqual([]);
        expect(outcome(deleted)).toEqual({ status: 'SUCCESS' });
        expect(answeredMutations(firstCall)).toEqual({
            'kms:DisconnectCustomKeyStore': 1,
            'kms:DeleteCustomKeyStore': 1,
            'secretsmanager:DeleteSecret': 1,
        });
        expect(answeredCalls(aws, 'kms', 'DeleteCustomKeyStore', firstCall)).toBe(1);
        expect(aws.emulator.state.keyStores.size).toBe(0);
        expect(kmsUserSecrets()).toEqual([]);
        expect(kmsUsers()).toHaveLength(1);
    });
});
