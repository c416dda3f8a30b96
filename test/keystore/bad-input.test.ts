/**
 * Bad input to a key store create is rejected before anything is created: FAILED with InvalidRequest (or
 * AlreadyExists for a name in use), within one or two invocations, with a message that names the property;
 * and nothing is left behind — no key store, no kmsuser secret, no SSM command, no kmsuser on a cluster.
 */
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { addManagementInstance } from '../../local/emulator/fixtures';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, keyStoreType, OpensslCa, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { keyStoreProperties } from './key-store-support';

let aws: LocalAws;
let ready: Record<string, unknown>;
/** Initialized but never activated: created without a management instance. */
let initializedClusterId: string;
/** ACTIVE with two HSMs, both in one Availability Zone (one subnet). */
let oneZoneClusterId: string;
let instanceInOtherVpc: string;
let deletedAdminSecretArn: string;
/** Hand-made secrets with the ready cluster's admin password: one untagged, one tagged with another cluster's ID. */
let untaggedAdminSecretArn: string;
let otherClustersAdminSecretArn: string;
let otherCa: OpensslCa;

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    ready = await readyCluster(aws);
    const clusters = aws.driver(clusterType, { logicalResourceId: 'OtherCluster' });
    const initialized = await clusters.create(clusterProperties(aws, { SubnetIds: [aws.network.subnetIds.c], ManagementInstanceId: undefined }));
    initializedClusterId = initialized.model!.ClusterId as string;
    const oneZone = await clusters.create(clusterProperties(aws, { SubnetIds: [aws.network.subnetIds.b], HsmsPerSubnet: 2 }));
    oneZoneClusterId = oneZone.model!.ClusterId as string;
    instanceInOtherVpc = addManagementInstance(aws.emulator.state, aws.network.otherVpcSubnetId).instanceId;
    const secrets = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    const doomed = await secrets.send(new CreateSecretCommand({ Name: 'retired-admin', SecretString: JSON.stringify({ username: 'admin', password: 'Retired-Admin-Pw-1' }) }));
    await secrets.send(new DeleteSecretCommand({ SecretId: doomed.ARN, RecoveryWindowInDays: 7 }));
    deletedAdminSecretArn = doomed.ARN!;
    const adminPassword = JSON.parse([...aws.emulator.state.secrets.values()].find((x) => x.arn === ready.AdminSecretArn)!.versions[0].secretString!).password as string;
    const handMade = (name: string, tags: Array<{ Key: string; Value: string }>) =>
        secrets.send(new CreateSecretCommand({ Name: name, SecretString: JSON.stringify({ username: 'admin', password: adminPassword }), Tags: tags }));
    untaggedAdminSecretArn = (await handMade('hand-made-admin', [])).ARN!;
    otherClustersAdminSecretArn = (await handMade('other-cluster-admin', [{ Key: 'cloudhsm-type:cluster-id', Value: oneZoneClusterId }])).ARN!;
    otherCa = new OpensslCa('Somebody Else Root CA');
});
afterAll(async () => {
    otherCa?.dispose();
    await aws?.stop();
});

test('GIVEN the clusters the cases need, THEN they are in the states the cases rely on', () => {
    const state = (id: string) => aws.emulator.state.clusters.get(id)!;
    expect(state(ready.ClusterId as string).state).toBe('ACTIVE');
    expect(state(initializedClusterId).state).toBe('INITIALIZED');
    expect(state(oneZoneClusterId).state).toBe('ACTIVE');
    expect(state(oneZoneClusterId).hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.availabilityZone)).toEqual(['us-east-1b', 'us-east-1b']);
});

type Case = [description: string, overrides: () => Record<string, unknown>, message: RegExp];

const cases: Case[] = [
    ['no KeyStoreName', () => ({ KeyStoreName: undefined }), /KeyStoreName is required/],
    ['a KeyStoreName of 257 characters', () => ({ KeyStoreName: 'k'.repeat(257) }), /KeyStoreName.*256/],
    ['a malformed ClusterId', () => ({ ClusterId: 'cluster-1' }), /ClusterId "cluster-1"/],
    ['a cluster that does not exist', () => ({ ClusterId: 'cluster-abcdefghijk' }), /ClusterId: cluster cluster-abcdefghijk does not exist/],
    ['an initialized cluster that was never activated', () => ({ ClusterId: initializedClusterId }), /ClusterId: cluster cluster-\w+ is INITIALIZED/],
    ['a cluster whose two HSMs share one Availability Zone', () => ({ ClusterId: oneZoneClusterId }), /ClusterId: .*2 ACTIVE HSM\(s\) in 1 Availability Zone/],
    ['a trust anchor that is not PEM', () => ({ TrustAnchorCertificate: 'MIIB-not-a-certificate' }), /TrustAnchorCertificate/],
    ["another CA's certificate as trust anchor", () => ({ TrustAnchorCertificate: otherCa.anchorPem }), /TrustAnchorCertificate/],
    ['a malformed AdminSecretArn', () => ({ AdminSecretArn: 'admin-credentials' }), /AdminSecretArn "admin-credentials"/],
    [
        'an admin secret that does not exist',
        () => ({ AdminSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudhsm/none/admin-AbCdEf' }),
        /AdminSecretArn: secret .* does not exist/,
    ],
    ['an admin secret scheduled for deletion', () => ({ AdminSecretArn: deletedAdminSecretArn }), /AdminSecretArn: .*scheduled for deletion/],
    [
        "an admin secret without the cluster's ID tag (the right password, made by hand)",
        () => ({ AdminSecretArn: untaggedAdminSecretArn }),
        /AdminSecretArn: secret .* is not the admin secret of cluster cluster-\w+: it must carry the tag cloudhsm-type:cluster-id=cluster-\w+ \(it has no such tag\)/,
    ],
    ["another cluster's admin secret", () => ({ AdminSecretArn: otherClustersAdminSecretArn }), /AdminSecretArn: .*cloudhsm-type:cluster-id=cluster-\w+ \(it says cluster-\w+\)/],
    ['a malformed ManagementInstanceId', () => ({ ManagementInstanceId: 'i-123' }), /ManagementInstanceId "i-123"/],
    ['an instance that does not exist', () => ({ ManagementInstanceId: 'i-0123456789abcdef0' }), /ManagementInstanceId: instance i-0123456789abcdef0 does not exist/],
    ['an instance SSM does not manage', () => ({ ManagementInstanceId: aws.network.unmanagedInstanceId }), /ManagementInstanceId: .*not managed by SSM/],
    ["an instance outside the cluster's VPC", () => ({ ManagementInstanceId: instanceInOtherVpc }), /ManagementInstanceId: .*not in the cluster's VPC/],
    [
        "a SecretsKmsKeyId of another account",
        () => ({ SecretsKmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }),
        /SecretsKmsKeyId "arn:aws:kms:us-east-1:111122223333:key\/1234abcd-12ab-34cd-56ef-1234567890ab" is in account 111122223333, not in this stack's account \d{12}/,
    ],
    ['a SecretsKmsKeyId of 257 characters', () => ({ SecretsKmsKeyId: 'k'.repeat(257) }), /SecretsKmsKeyId must be a KMS key ID/],
    ['DesiredConnectionState SOMETIMES', () => ({ DesiredConnectionState: 'SOMETIMES' }), /DesiredConnectionState "SOMETIMES"/],
    ['KmsUserPasswordVersion 0', () => ({ KmsUserPasswordVersion: 0 }), /KmsUserPasswordVersion .*\(got 0\)/],
    ['KmsUserPasswordVersion "two"', () => ({ KmsUserPasswordVersion: 'two' }), /KmsUserPasswordVersion .*\(got "two"\)/],
];

/** What a failed create must not leave: counted before and after. */
function footprint() {
    const state = aws.emulator.state;
    return {
        keyStores: state.keyStores.size,
        secrets: [...state.secrets.values()].filter((s) => s.name.includes('kmsuser')).map((s) => s.name),
        ssmCommands: [...state.commands.values()].flat().length,
        kmsUsers: [...state.clusters.values()].flatMap((c) => c.users.filter((u) => u.username === 'kmsuser').map((u) => `${c.clusterId}:${u.password}`)),
    };
}

/**
 * Answered calls of the product that change something (the library's log and metric calls aside), but for
 * the create-request record written before CreateCustomKeyStore and deleted when KMS refuses the input it
 * alone can check (the trust anchor, a cluster in use): that pair must leave no secret behind.
 */
function answeredMutatingCalls(from: number): string[] {
    const calls = aws.emulator.calls
        .slice(from)
        .filter((c) => !c.error && !['logs', 'cloudwatch'].includes(c.service) && !/^(Describe|List|Get)/.test(c.action))
        .map((c) => `${c.service}:${c.action}`);
    const recordLeft = [...aws.emulator.state.secrets.values()].some((x) => x.name.includes('/create-requests/'));
    const recordOnly = calls.join() === 'secretsmanager:CreateSecret,secretsmanager:DeleteSecret';
    return recordOnly && !recordLeft ? [] : calls;
}

describe('WHEN a key store is declared with bad input', () => {
    test.each(cases)('%s is rejected before anything is created', async (_description, overrides, message) => {
        // GIVEN
        const before = footprint();
        const firstCall = aws.emulator.calls.length;
        const properties = Object.fromEntries(Object.entries(keyStoreProperties(aws, ready, overrides())).filter(([, v]) => v !== undefined));

        // WHEN
        const created = await aws.driver(keyStoreType).create(properties);

        // THEN
        expect({ status: created.status, errorCode: created.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(created.invocations).toBeLessThanOrEqual(2);
        expect(answeredMutatingCalls(firstCall)).toEqual([]);
        expect(footprint()).toEqual(before);
        expect(before.kmsUsers).toEqual([]);
        expect(created.message).toMatch(message);
    });

    test('there are at least 12 bad inputs', () => expect(cases.length).toBeGreaterThanOrEqual(12));

    test('several problems are reported together, each naming its property', async () => {
        const created = await aws.driver(keyStoreType).create(
            keyStoreProperties(aws, ready, { KeyStoreName: '', ClusterId: 'nope', DesiredConnectionState: 'LATER', KmsUserPasswordVersion: -1 }),
        );

        expect(created.errorCode).toBe('InvalidRequest');
        for (const property of ['KeyStoreName', 'ClusterId', 'DesiredConnectionState', 'KmsUserPasswordVersion']) expect(created.message).toContain(property);
        expect(created.message).not.toMatch(/TrustAnchorCertificate|AdminSecretArn|ManagementInstanceId/);
    });
});

describe('GIVEN a key store already made on the ready cluster from properties sent as strings', () => {
    const takenName = 'payments-keys';
    let keyStoreId: string;
    beforeAll(async () => {
        // CloudFormation hands every primitive to the handler as a string.
        const created = await aws
            .driver(keyStoreType)
            .create(keyStoreProperties(aws, ready, { KeyStoreName: takenName, KmsUserPasswordVersion: '2', DesiredConnectionState: 'CONNECTED' }), { stringify: false });
        if (created.status !== 'SUCCESS') throw new Error(`The key store the cases need was not made: ${created.errorCode}: ${created.message}`);
        keyStoreId = created.model!.KeyStoreId as string;
    });

    test('THEN the string "2" was taken as KmsUserPasswordVersion 2 and the store is CONNECTED', async () => {
        const read = await aws.driver(keyStoreType).read({ KeyStoreId: keyStoreId });

        expect(read.model).toMatchObject({ KeyStoreName: takenName, KmsUserPasswordVersion: 2, DesiredConnectionState: 'CONNECTED', ConnectionState: 'CONNECTED' });
    });

    test.each([
        ['its name, declared again for another store', () => ({ KeyStoreName: takenName }), 'AlreadyExists', new RegExp(`KeyStoreName: a key store named ${takenName} already exists`)],
        ['its cluster, declared for a second store (KMS allows one per cluster)', () => ({ KeyStoreName: 'second-store' }), 'ResourceConflict', /cluster-\w+ is already associated with custom key store cks-/],
    ])('WHEN %s THEN the create fails and changes nothing', async (_description, overrides, code, message) => {
        // GIVEN
        const before = footprint();
        const firstCall = aws.emulator.calls.length;
        const kmsUserBefore = aws.emulator.state.clusters.get(ready.ClusterId as string)!.users.find((u) => u.username === 'kmsuser');

        // WHEN
        const created = await aws.driver(keyStoreType).create(keyStoreProperties(aws, ready, overrides()));

        // THEN

        expect({ status: created.status, errorCode: created.errorCode }).toEqual({ status: 'FAILED', errorCode: code });
        expect(created.invocations).toBeLessThanOrEqual(2);
        expect(answeredMutatingCalls(firstCall)).toEqual([]);
        expect(footprint()).toEqual(before);
        expect(aws.emulator.state.clusters.get(ready.ClusterId as string)!.users.find((u) => u.username === 'kmsuser')).toEqual(kmsUserBefore);
        expect(aws.emulator.state.keyStores.get(keyStoreId)).toMatchObject({ name: takenName, connectionState: 'CONNECTED' });
        expect(created.message).toMatch(message);
    });
});
