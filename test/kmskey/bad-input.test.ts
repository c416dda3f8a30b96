/**
 * Bad input: each declaration below is refused with FAILED, the right error code, a message that names the
 * property and what to do, and nothing created — no KMS key, no key material, no journal left alive. The
 * last cases are refused by KMS itself (a store that is not connected, a cluster that lacks HSMs), with KMS's
 * reason and the fix.
 */
import { DisconnectCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { advanceSeconds, kmsClient } from '../keystore/key-store-support';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { journals, keyProperties, KeyStoreStack, kmsKeys, readyKeyStore } from './kms-key-support';

let aws: LocalAws;
let stack: KeyStoreStack;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    aws.cloudhsm.quotas.clustersPerRegion = 10;
    aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 20;
    stack = await readyKeyStore(aws, 'bad-input-keys');
});
afterAll(() => aws.stop());

const liveJournals = () => journals(aws).filter((j) => j.deletedDate === undefined);

function expectNothingCreated(report: { calls: Record<string, number> }) {
    expect(aws.emulator.state.kmsKeys.size).toBe(0);
    expect((aws.emulator.state.clusters.get(stack.cluster.ClusterId)!.keys ?? []).length).toBe(0);
    expect(liveJournals()).toEqual([]);
    expect(report.calls['kms:CreateKey'] ?? 0).toBeLessThanOrEqual(1);
}

const policyOf = (statements: unknown[]) => ({ Version: '2012-10-17', Statement: statements });

describe.each<[string, Record<string, unknown>, RegExp]>([
    ['no CustomKeyStoreId', { CustomKeyStoreId: undefined }, /CustomKeyStoreId undefined is not a key store ID.*Ref of a Community::CloudHsm::KeyStore/],
    ['a CustomKeyStoreId that is no key store ID', { CustomKeyStoreId: 'cluster-abcdefghijk' }, /CustomKeyStoreId "cluster-abcdefghijk" is not a key store ID/],
    ['a description longer than KMS allows', { Description: 'd'.repeat(8193) }, /Description must be a string of at most 8192 characters/],
    ['Enabled that is not a boolean', { Enabled: 'yes' }, /Enabled must be true or false \(got "yes"\)/],
    ['a key policy string that is not JSON', { KeyPolicy: '{"Version": "2012-10-17", Statement' }, /KeyPolicy is a string but not a JSON document/],
    ['a key policy without statements', { KeyPolicy: { Version: '2012-10-17' } }, /KeyPolicy has no Statement/],
    ['a key policy over 32 KB', { KeyPolicy: policyOf([{ Sid: 'x'.repeat(33_000), Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }]) }, /KeyPolicy is \d+ bytes; KMS accepts a key policy of at most 32768 bytes/],
    ['a waiting period under 7 days', { PendingWindowInDays: 6 }, /PendingWindowInDays must be a whole number of days from 7 to 30 \(got 6\)/],
    ['a waiting period over 30 days', { PendingWindowInDays: 31 }, /PendingWindowInDays must be a whole number of days from 7 to 30 \(got 31\)/],
    ['an asymmetric key spec', { KeySpec: 'RSA_2048' }, /KeySpec "RSA_2048" is not supported: a CloudHSM key store holds symmetric encryption keys only.*Leave it out or set "SYMMETRIC_DEFAULT"/],
    ['an HMAC key usage', { KeyUsage: 'GENERATE_VERIFY_MAC' }, /KeyUsage "GENERATE_VERIFY_MAC" is not supported/],
    ['imported key material', { Origin: 'EXTERNAL' }, /Origin "EXTERNAL" is not supported: .*imported \(EXTERNAL\) key material is not supported/],
    ['a multi-Region key', { MultiRegion: true }, /MultiRegion true is not supported: a key in a CloudHSM key store cannot be a multi-Region key/],
    ['automatic rotation', { EnableKeyRotation: true }, /EnableKeyRotation true is not supported: KMS does not rotate/],
    ['a reserved tag key', { Tags: [{ Key: 'aws:owner', Value: 'x' }] }, /Tags: tag key "aws:owner" starts with aws:/],
    ['a tag key of the type', { Tags: [{ Key: 'cloudhsm-type:request-token', Value: 'x' }] }, /Tags: tag key "cloudhsm-type:request-token" starts with cloudhsm-type:/],
    ['a tag key twice', { Tags: [{ Key: 'team', Value: 'a' }, { Key: 'team', Value: 'b' }] }, /Tags: tag key "team" appears more than once/],
    ['too many tags', { Tags: Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }, /Tags has 49 tags; at most 48/],
])('GIVEN %s', (_, overrides, message) => {
    test('WHEN the key is created THEN FAILED InvalidRequest names the property, before any call, and nothing exists', async () => {
        const report = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId, overrides));

        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(message);
        expect(report.calls).toEqual({});
        expectNothingCreated(report);
    });
});

describe('GIVEN a key policy that locks the type out', () => {
    test('WHEN the key is created THEN KMS refuses it (lockout safety check): FAILED InvalidRequest naming KeyPolicy, nothing created', async () => {
        const lockout = policyOf([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/someone-else' }, Action: 'kms:*', Resource: '*' }]);

        const report = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId, { KeyPolicy: lockout }));

        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(/^KeyPolicy: KMS refused the key policy: .*will not allow you to update the key policy/);
        expectNothingCreated(report);
    });
});

describe('GIVEN a key store that does not exist', () => {
    test('WHEN the key is created THEN FAILED InvalidRequest naming CustomKeyStoreId, nothing created', async () => {
        const report = await kmsKeys(aws).create(keyProperties('cks-0123456789abcdef0'));

        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(/^CustomKeyStoreId: .*cks-0123456789abcdef0.*Give the Ref of an existing Community::CloudHsm::KeyStore/);
        expectNothingCreated(report);
    });
});

describe('GIVEN the key store is DISCONNECTED', () => {
    test("WHEN the key is created THEN KMS refuses (CustomKeyStoreInvalidStateException): FAILED with KMS's reason and 'connect the key store', nothing created", async () => {
        const kms = kmsClient(aws);
        await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: stack.keyStore.KeyStoreId }));
        advanceSeconds(aws, aws.emulator.durations.keyStoreDisconnectSeconds);
        kms.destroy();

        const report = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId));

        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(/^CustomKeyStoreId: KMS refused to create the key: .*DISCONNECTED.*Connect the key store \(DesiredConnectionState CONNECTED/);
        expectNothingCreated(report);
        const reconnected = await aws.driver((await import('../support')).keyStoreType, { logicalResourceId: 'KeyStore' }).update(stack.keyStoreCurrent, stack.keyStoreCurrent);
        expect(reconnected.status).toBe('SUCCESS');
    });
});

describe('GIVEN the key store\'s cluster has lost its HSM in the second Availability Zone', () => {
    test("WHEN the key is created THEN KMS refuses (CloudHsmClusterInvalidConfigurationException): FAILED with KMS's reason and 'add an HSM in a second AZ', nothing created", async () => {
        const cluster = aws.emulator.state.clusters.get(stack.cluster.ClusterId)!;
        const [, second] = cluster.hsms;
        second.state = 'DEGRADED';

        const report = await kmsKeys(aws).create(keyProperties(stack.keyStore.KeyStoreId));

        second.state = 'ACTIVE';
        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(/^CustomKeyStoreId: KMS refused to create the key because of the key store's cluster: .*1 active HSM\(s\) in 1 Availability Zone.*add an HSM in a second Availability Zone/);
        expectNothingCreated(report);
    });
});
