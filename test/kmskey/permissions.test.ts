/**
 * The KMS key's handlers.*.permissions lists exactly the API actions each handler calls: nothing missing (the
 * handler would fail with AccessDenied under the role built from them) and nothing unused (least privilege).
 * Scenarios that together take every path of every handler run through the driver; each emulator call is
 * attributed to the handler action being driven, turned into its IAM action, and compared with the schema.
 */
import kmsKeySchema from '../../kmskey-resource/schema.json';
import { OperationReport } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { HANDLER_ACTIONS, HandlerAction, iamActionsOf, permissionDifference, QUICK_SERVICE_DURATIONS } from '../support';
import { keyProperties, kmsKeys, readyKeyStore } from './kms-key-support';

/**
 * IAM actions a call needs besides its own name: CreateKey with Tags needs kms:TagResource too ("ABAC for AWS
 * KMS" / CreateKey in the KMS API Reference: "To tag a KMS key when you create it, you need kms:TagResource").
 */
const IMPLIED_PERMISSIONS: Record<string, string[]> = { 'kms:CreateKey': ['kms:TagResource'] };

const schemaHandlers = kmsKeySchema.handlers as Record<HandlerAction, { permissions: string[] }>;

describe('GIVEN every path of every KMS key handler, driven through the local runtime', () => {
    let aws: LocalAws;
    const observed = Object.fromEntries(HANDLER_ACTIONS.map((a) => [a, new Set<string>()])) as Record<HandlerAction, Set<string>>;
    const phases: string[] = [];

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const stack = await readyKeyStore(aws, 'permission-keys');
        const driver = kmsKeys(aws);
        const run = async (phase: string, operation: Promise<OperationReport>) => {
            const report = await operation;
            if (report.status !== 'SUCCESS') throw new Error(`${phase} ended ${report.status} ${report.errorCode}: ${report.message}`);
            iamActionsOf(report.calls, IMPLIED_PERMISSIONS).forEach((action) => observed[report.action.toLowerCase() as HandlerAction].add(action));
            phases.push(phase);
            return report;
        };

        // KMS makes the key but its answer is lost: the create looks for it by its request tag.
        aws.emulator.faults.add({ service: 'kms', action: 'CreateKey', kind: 'lose-response', lostAs: 'drop', times: 1 });
        const properties = keyProperties(stack.keyStore.KeyStoreId, { Enabled: false, Tags: [{ Key: 'a', Value: '1' }] });
        const created = await run('create disabled, after a lost CreateKey answer', driver.create(properties));
        const current = { ...properties, KeyId: created.model!.KeyId };
        await run('read', driver.read({ KeyId: created.model!.KeyId }));
        await run('list', driver.list());
        const desired = {
            ...current,
            Description: 'every change',
            Enabled: true,
            Tags: [{ Key: 'b', Value: '2' }],
            KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${aws.emulator.state.accountId}:root` }, Action: 'kms:*', Resource: '*' }] },
        };
        await run('update every property', driver.update(current, desired));
        const disabled = { ...desired, Enabled: false };
        await run('update: disable', driver.update(desired, disabled));
        await run('delete, every event delivered twice', driver.delete(disabled, { deliverTwice: { retryAfterSeconds: 5 } }));
    });

    afterAll(async () => {
        await aws?.stop();
    });

    it('WHEN the scenarios run THEN every operation succeeds', () => {
        expect(phases).toEqual(['create disabled, after a lost CreateKey answer', 'read', 'list', 'update every property', 'update: disable', 'delete, every event delivered twice']);
    });

    it.each(HANDLER_ACTIONS)('THEN the %s handler calls exactly the permissions the schema declares for it', (action) => {
        const used = observed[action];
        const difference = permissionDifference(schemaHandlers[action].permissions, used);

        expect(used.size).toBeGreaterThan(0);
        expect(difference).toEqual({ calledButNotDeclared: [], declaredButNeverCalled: [] });
    });

    it('THEN every tagging permission is used by some handler', () => {
        const usedAnywhere = new Set(HANDLER_ACTIONS.flatMap((a) => [...observed[a]]));
        expect(kmsKeySchema.tagging.permissions.filter((p) => !usedAnywhere.has(p))).toEqual([]);
    });
});
