/**
 * The key store's handlers.*.permissions lists exactly the API actions each handler calls: nothing missing
 * (the handler would fail with AccessDenied under the role `cfn generate` builds from them) and nothing
 * unused (least privilege).
 *
 * Scenarios that together take every path of every handler run through the driver; each emulator call is
 * attributed to the handler action being driven, turned into its IAM action, and compared with the schema.
 */
import { CreateKeyCommand, PutKeyPolicyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import keyStoreSchema from '../../keystore-resource/schema.json';
import { OperationReport } from '../../local/driver/driver';
import { handlerRoleArn, LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster, HANDLER_ACTIONS, HandlerAction, iamActionsOf, permissionDifference } from '../support';
import { consent, handMadeKeyStore, IMPORTING_STACK, importKeyStore, withdrawConsent } from './import-support';
import { keyStoreProperties, kmsClient } from './key-store-support';



/**
 * IAM actions a call needs besides its own name, where the product always meets the condition.
 * - kms:CreateCustomKeyStore: the caller must be allowed iam:CreateServiceLinkedRole, since KMS creates the
 *   AWSServiceRoleForKeyManagementServiceCustomKeyStores role on first use (KMS Developer Guide, "Authorizing
 *   AWS KMS to manage AWS CloudHSM and Amazon EC2 resources").
 * - secretsmanager:CreateSecret: the product tags the kmsuser secret on creation, which needs
 *   secretsmanager:TagResource (Secrets Manager API Reference, CreateSecret, "Required permissions").
 * - With a customer managed key (the scenarios declare SecretsKmsKeyId, so every secret the handlers write or
 *   read uses it), Secrets Manager uses the key in the caller's name: CreateSecret and PutSecretValue need
 *   kms:GenerateDataKey, GetSecretValue needs kms:Decrypt (Secrets Manager User Guide, "Secret encryption and
 *   decryption in AWS Secrets Manager"). DescribeSecret, TagResource and DeleteSecret do not touch the value.
 */
const IMPLIED_PERMISSIONS: Record<string, string[]> = {
    'kms:CreateCustomKeyStore': ['iam:CreateServiceLinkedRole'],
    'secretsmanager:CreateSecret': ['secretsmanager:TagResource', 'kms:GenerateDataKey'],
    'secretsmanager:PutSecretValue': ['kms:GenerateDataKey'],
    'secretsmanager:GetSecretValue': ['kms:Decrypt'],
};

const schemaHandlers = keyStoreSchema.handlers as Record<HandlerAction, { permissions: string[] }>;


describe('GIVEN every path of every key store handler, driven through the local runtime', () => {
    let aws: LocalAws;
    const observed = Object.fromEntries(HANDLER_ACTIONS.map((a) => [a, new Set<string>()])) as Record<HandlerAction, Set<string>>;
    const phases: string[] = [];

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const cluster = await readyCluster(aws);
        const driver = aws.driver(keyStoreType, { logicalResourceId: 'KeyStore', stackName: IMPORTING_STACK });
        const run = async (phase: string, operation: Promise<OperationReport>, expected: { status: 'SUCCESS' } | { status: 'FAILED'; errorCode: string } = { status: 'SUCCESS' }) => {
            const report = await operation;
            const got = report.status === 'SUCCESS' ? { status: report.status } : { status: report.status, errorCode: report.errorCode };
            if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${phase} ended ${report.status} ${report.errorCode}: ${report.message}`);
            iamActionsOf(report.calls, IMPLIED_PERMISSIONS).forEach((action) => observed[report.action.toLowerCase() as HandlerAction].add(action));
            phases.push(phase);
            return report;
        };

        const secretsKey = await kmsClient(aws).send(new CreateKeyCommand({ Description: 'the kmsuser secret key' }));

        // A store made as the AWS sample makes it, imported: the cluster's consent is looked up, the first rotation
        // creates the type's kmsuser secret, and the delete looks for consent again.
        const handMade = { ...(await handMadeKeyStore(aws, cluster, 'hand-made-permission-keys')), SecretsKmsKeyId: secretsKey.KeyMetadata!.Arn };
        await run('import (read)', importKeyStore(driver, handMade));
        await consent(aws, cluster.ClusterId as string);
        const handMadeRotated = { ...handMade, KmsUserPasswordVersion: 2 };
        await run('update: rotate an imported store\'s kmsuser', driver.update(handMade, handMadeRotated));
        await run('delete of the imported store', driver.delete(handMadeRotated));
        await withdrawConsent(aws, cluster.ClusterId as string);

        // KMS makes the store but its answer is lost: the create comes back, finds the store by name, ties it to
        // this request by its create-request record, reads the password it gave KMS from that record, stores it
        // in the kmsuser secret and deletes the record.
        aws.emulator.faults.add({ service: 'kms', action: 'CreateCustomKeyStore', kind: 'lose-response', lostAs: 'drop', times: 1 });
        const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'permission-keys', SecretsKmsKeyId: secretsKey.KeyMetadata!.Arn });
        const created = await run('create, after a lost CreateCustomKeyStore answer', driver.create(properties));
        const keyStoreId = created.model!.KeyStoreId as string;
        let current: Record<string, unknown> = { ...properties, KeyStoreId: keyStoreId };
        await run('read', driver.read({ KeyStoreId: keyStoreId }));
        await run('list', driver.list());
        for (const [phase, change] of [
            ['update: rename', { KeyStoreName: 'permission-keys-2' }],
            ['update: rotate kmsuser', { KmsUserPasswordVersion: 2 }],
            ['update: disconnect', { DesiredConnectionState: 'DISCONNECTED' }],
            ['update: reconnect', { DesiredConnectionState: 'CONNECTED' }],
        ] as const) {
            const desired = { ...current, ...change };
            await run(phase, driver.update(current, desired));
            current = desired;
        }

        // A cluster restored from a backup taken after kmsuser was made is related: the store can move to it.
        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        aws.emulator.settle();
        const backup = [...aws.emulator.state.backups.values()]
            .filter((b) => b.clusterId === cluster.ClusterId && b.state === 'READY' && b.users.some((u) => u.username === 'kmsuser'))
            .sort((a, b) => b.createTimestamp - a.createTimestamp)[0];
        if (!backup) throw new Error(`No READY backup of ${cluster.ClusterId} holding kmsuser`);
        const restored = await aws.driver(clusterType, { logicalResourceId: 'RestoredCluster' }).create(
            clusterProperties(aws, { SourceBackupId: backup.backupId, SourceAdminSecretArn: cluster.AdminSecretArn, SourceTrustAnchorSecretArn: cluster.TrustAnchorSecretArn }),
        );
        if (restored.status !== 'SUCCESS') throw new Error(`Restore failed: ${restored.errorCode}: ${restored.message}`);
        const moved = { ...current, ClusterId: restored.model!.ClusterId, AdminSecretArn: restored.model!.AdminSecretArn };
        await run('update: move to a related cluster', driver.update(current, moved));
        current = moved;

        // A key whose policy refuses the handler DescribeKey: only KMS's own refusal stops the delete, which then
        // connects the store again.
        const kms = kmsClient(aws);
        const accountId = aws.emulator.state.accountId;
        const policy = JSON.stringify({
            Version: '2012-10-17',
            Statement: [
                { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' },
                { Effect: 'Deny', Principal: { AWS: handlerRoleArn(accountId) }, Action: 'kms:DescribeKey', Resource: '*' },
            ],
        });
        const key = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: keyStoreId, Description: 'permissions test', Policy: policy }));
        await run('delete refused while a key is in the store', driver.delete(current), { status: 'FAILED', errorCode: 'ResourceConflict' });
        // With the key visible again and only pending deletion, the delete retires the store (renames it).
        await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyMetadata!.KeyId!, PolicyName: 'default', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [JSON.parse(policy).Statement[0]] }) }));
        await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyMetadata!.KeyId!, PendingWindowInDays: 7 }));
        await run('delete, retiring the store that holds only a key pending deletion', driver.delete(current));
    });

    afterAll(async () => {
        await aws?.stop();
    });

    it('WHEN the scenarios run THEN every operation ends as expected, the create by its retry path', () => {
        expect(phases).toEqual([
            'import (read)',
            "update: rotate an imported store's kmsuser",
            'delete of the imported store',
            'create, after a lost CreateCustomKeyStore answer',
            'read',
            'list',
            'update: rename',
            'update: rotate kmsuser',
            'update: disconnect',
            'update: reconnect',
            'update: move to a related cluster',
            'delete refused while a key is in the store',
            'delete, retiring the store that holds only a key pending deletion',
        ]);
        expect([...aws.emulator.state.keyStores.values()].map((s) => s.name)).toEqual([expect.stringMatching(/^retired\/cks-/)]);
        expect([...observed.create]).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret']));
    });

    it.each(HANDLER_ACTIONS)('THEN the %s handler calls exactly the permissions the schema declares for it', (action) => {
        const used = observed[action];
        const difference = permissionDifference(schemaHandlers[action].permissions, used);

        expect(used.size).toBeGreaterThan(0);
        expect(difference).toEqual({ calledButNotDeclared: [], declaredButNeverCalled: [] });
    });
});
