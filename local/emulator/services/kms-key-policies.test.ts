/**
 * Key policies in the emulated KMS: the caller is the principal of the request's SigV4 credentials, and every
 * request on a key is authorized by the key's policy, answered as KMS answers (AccessDeniedException in IAM's
 * wording), with the default policy letting every principal of the account in.
 */
import {
    CreateKeyCommand,
    DescribeKeyCommand,
    GetKeyPolicyCommand,
    KMSClient,
    ListKeysCommand,
    PutKeyPolicyCommand,
    ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { KmsHarness, failureOf, startKms, stopKms } from './kms-test-fixtures';

const account = '123456789012';
const keyAdminRole = `arn:aws:iam::${account}:role/key-admin`;
const keyAdminSession = `arn:aws:sts::${account}:assumed-role/key-admin/alice`;
const handlerSession = `arn:aws:sts::${account}:assumed-role/handler-role/cfn-session`;

let h: KmsHarness;
let keyAdmin: KMSClient;
let handler: KMSClient;
const clientFor = (accessKeyId: string) =>
    new KMSClient({ endpoint: h.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'SECRET', sessionToken: 'TOKEN' }, maxAttempts: 1 });

beforeEach(async () => {
    h = await startKms();
    h.emulator.principals.set('ASIAKEYADMIN', keyAdminSession);
    h.emulator.principals.set('ASIAHANDLER', handlerSession);
    keyAdmin = clientFor('ASIAKEYADMIN');
    handler = clientFor('ASIAHANDLER');
});
afterEach(async () => {
    keyAdmin.destroy();
    handler.destroy();
    await stopKms(h);
});

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const onlyKeyAdmin = policy({ Sid: 'Key administrators only', Effect: 'Allow', Principal: { AWS: keyAdminRole }, Action: 'kms:*', Resource: '*' });

test('a key created without a policy gets the default one, which lets every principal of the account in', async () => {
    const { KeyMetadata } = await keyAdmin.send(new CreateKeyCommand({}));

    const { Policy } = await handler.send(new GetKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId, PolicyName: 'default' }));
    expect(JSON.parse(Policy!).Statement).toEqual([
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
    ]);
    expect((await handler.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata!.KeyId).toBe(KeyMetadata!.KeyId);
});

test('a policy naming one role refuses every other principal: AccessDeniedException in IAM wording, for DescribeKey and the rest', async () => {
    const { KeyMetadata } = await keyAdmin.send(new CreateKeyCommand({ Policy: onlyKeyAdmin }));
    const keyArn = KeyMetadata!.Arn!;

    const denied = await failureOf(handler.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId })));

    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
        `User: ${handlerSession} is not authorized to perform: kms:DescribeKey on resource: ${keyArn} because no resource-based policy allows the kms:DescribeKey action`,
    );
    expect((await failureOf(handler.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 })))).name).toBe('AccessDeniedException');
    expect((await failureOf(handler.send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' })))).name).toBe('AccessDeniedException');
    // The role's own sessions are let in; ListKeys is IAM's alone and still lists the key.
    expect((await keyAdmin.send(new DescribeKeyCommand({ KeyId: keyArn }))).KeyMetadata!.KeyState).toBe('Enabled');
    expect((await handler.send(new ListKeysCommand({}))).Keys!.map((k) => k.KeyId)).toContain(KeyMetadata!.KeyId);
});

test('an explicit Deny wins over the Allow for the account, and says so', async () => {
    const denyHandler = policy(
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::123456789012:role/handler-role' }, Action: ['kms:Describe*'], Resource: '*' },
    );
    const { KeyMetadata } = await keyAdmin.send(new CreateKeyCommand({ Policy: denyHandler }));

    const denied = await failureOf(handler.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId })));

    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
        `User: ${handlerSession} is not authorized to perform: kms:DescribeKey on resource: ${KeyMetadata!.Arn} with an explicit deny in a resource-based policy`,
    );
    expect((await keyAdmin.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata).toBeDefined();
});

test('an Allow with a Condition grants nothing the emulator cannot evaluate; a Deny with one applies', async () => {
    const conditional = policy(
        { Effect: 'Allow', Principal: { AWS: keyAdminRole }, Action: 'kms:*', Resource: '*' },
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:DescribeKey', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': account } } },
        { Effect: 'Deny', Principal: '*', Action: 'kms:ScheduleKeyDeletion', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } },
    );
    const { KeyMetadata } = await keyAdmin.send(new CreateKeyCommand({ Policy: conditional }));

    expect((await failureOf(handler.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId })))).name).toBe('AccessDeniedException');
    expect((await failureOf(keyAdmin.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId })))).name).toBe('AccessDeniedException');
});

test('the lockout safety check: a policy that would not let the caller change it again is refused unless bypassed', async () => {
    const lockout = await failureOf(handler.send(new CreateKeyCommand({ Policy: onlyKeyAdmin })));
    expect(lockout.name).toBe('MalformedPolicyDocumentException');
    expect(lockout.message).toBe('The new key policy will not allow you to update the key policy in the future.');

    const { KeyMetadata } = await handler.send(new CreateKeyCommand({ Policy: onlyKeyAdmin, BypassPolicyLockoutSafetyCheck: true }));
    expect((await failureOf(handler.send(new PutKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId, PolicyName: 'default', Policy: onlyKeyAdmin })))).name).toBe('AccessDeniedException');
    await keyAdmin.send(new PutKeyPolicyCommand({ KeyId: KeyMetadata!.KeyId, PolicyName: 'default', Policy: policy({ Effect: 'Allow', Principal: { AWS: account }, Action: 'kms:*', Resource: '*' }) }));
    expect((await handler.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata).toBeDefined();
    expect((await failureOf(keyAdmin.send(new CreateKeyCommand({ Policy: '{"Statement": "not a list of statements"' })))).name).toBe('MalformedPolicyDocumentException');
});
