/**
 * LIST through the real entrypoint, page by page with CloudFormation's nextToken (which the library's own
 * entrypoint would drop): every key in a CloudHSM key store that the caller can see appears exactly once; plain
 * KMS keys, keys pending deletion and keys whose policy refuses the caller DescribeKey do not, and do not fail it.
 */
import { CreateKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { handlerRoleArn, LocalAws, startLocalAws } from '../../local/runtime';
import { expectSuccess, kmsClient } from '../keystore/key-store-support';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { keyProperties, kmsKeys, readyKeyStore } from './kms-key-support';

let aws: LocalAws;
afterAll(() => aws.stop());

test('GIVEN 60 plain keys and CloudHSM keys of every kind WHEN LIST is paged to its end THEN it holds each visible CloudHSM key once', async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    const stack = await readyKeyStore(aws, 'list-keys');
    const kms = kmsClient(aws);
    const accountId = aws.emulator.state.accountId;
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
        await kms.send(new CreateKeyCommand({ Description: `plain ${i}` }));
        if (i % 20 === 0) {
            const created = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId, { Description: `hsm ${i}` }));
            expectSuccess(created);
            expected.push(created.model!.KeyId as string);
        }
    }
    const hidden = await kms.send(
        new CreateKeyCommand({
            Origin: 'AWS_CLOUDHSM',
            CustomKeyStoreId: stack.keyStore.KeyStoreId,
            Policy: JSON.stringify({
                Version: '2012-10-17',
                Statement: [
                    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
                    { Effect: 'Deny', Principal: { AWS: handlerRoleArn(accountId) }, Action: 'kms:DescribeKey', Resource: '*' },
                ],
            }),
        }),
    );
    const pending = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: stack.keyStore.KeyStoreId }));
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
    kms.destroy();

    const listed: Array<Record<string, unknown>> = [];
    let pages = 0;
    let nextToken: string | undefined;
    do {
        const page = await kmsKeys(aws).list(nextToken);
        expectSuccess(page);
        listed.push(...(page.models ?? []));
        nextToken = page.nextToken;
        pages += 1;
    } while (nextToken && pages < 10);

    expect(pages).toBe(2);
    expect(listed.map((m) => m.KeyId).sort()).toEqual(expected.sort());
    expect(listed.map((m) => m.KeyId)).not.toContain(hidden.KeyMetadata!.KeyId);
    expect(listed[0]).toMatchObject({ CustomKeyStoreId: stack.keyStore.KeyStoreId, KeyState: 'Enabled', CloudHsmClusterId: stack.cluster.ClusterId, Origin: 'AWS_CLOUDHSM' });
});
