/**
 * The type acts with its own execution role, so whoever may create a stack can make it act on any secret its
 * role reaches. These scenarios hold it to "use only what this request made, or what the user named and the
 * type can prove is the right one": restores copy nothing unasked, a secret planted in the type's way stops
 * the create, the root CA's key does not outlive initialization, and a damaged secret is never quoted.
 */
import { randomUUID } from 'crypto';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { OperationReport } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { createUntilStep, liveClusters, resumeCreate, secretsOf } from './mid-workflow';
import { everyText, exposures, fragmentsOf } from './secret-scan';

let aws: LocalAws;
let secretsManager: SecretsManagerClient;
/** The victim: an ACTIVE cluster made by the type, with a READY backup. */
let victim: Record<string, any>;
let victimBackupId: string;

const secretNamed = (name: string) => aws.emulator.state.secrets.get(name);
const currentValue = (name: string) => secretNamed(name)?.versions.find((v) => v.stages.includes('AWSCURRENT'))?.secretString;
const victimPassword = () => JSON.parse(currentValue(`cloudhsm/${victim.ClusterId}/admin-credentials`)!).password as string;
const plant = (name: string, value: string, tags: Array<{ Key: string; Value: string }> = []) =>
    secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: value, ClientRequestToken: randomUUID(), Tags: tags }));
const failure = (report: OperationReport) => ({ status: report.status, errorCode: report.errorCode });

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    secretsManager = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    const created = await aws.driver(clusterType, { logicalResourceId: 'Victim' }).create(clusterProperties(aws));
    if (created.status !== 'SUCCESS') throw new Error(`The victim cluster was not created: ${created.errorCode} ${created.message}`);
    victim = created.model!;
    aws.clock.advance(2 * aws.emulator.durations.backupCreateSeconds);
    aws.emulator.settle();
    const backup = [...aws.emulator.state.backups.values()].find((b) => b.clusterId === victim.ClusterId && b.state === 'READY');
    if (!backup) throw new Error('No READY backup of the victim cluster');
    victimBackupId = backup.backupId;
});
afterAll(() => aws.stop());

describe('a restore copies the backup cluster’s secrets only when the user names them and they are that cluster’s', () => {
    const restoreOf = (overrides: Record<string, unknown>) => ({ SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, SourceBackupId: victimBackupId, ...overrides });

    test('a stack naming only a backup, its own tags and its own key gets the cluster but no copy of the admin password', async () => {
        // GIVEN another stack's backup, and a stack that declares its own tags and KMS key
        const restore = restoreOf({ Tags: [{ Key: 'owner', Value: 'mallory' }], SecretsKmsKeyId: 'alias/mallory' });

        // WHEN it is created
        const restored = await aws.driver(clusterType, { logicalResourceId: 'Restored' }).create(restore);

        // THEN the cluster is restored, and no secret of it holds anything of the backup's cluster
        expect(restored.status).toBe('SUCCESS');
        const restoredId = restored.model!.ClusterId as string;
        expect(restored.model).toMatchObject({ State: 'ACTIVE', SourceBackupId: victimBackupId });
        expect(secretsOf(aws, restoredId)).toEqual([]);
        expect(restored.model!.AdminSecretArn).toBeUndefined();
        expect(restored.model!.TrustAnchorSecretArn).toBeUndefined();
        expect(restored.model!.TrustAnchorCertificate).toBeUndefined();
        const holders = [...aws.emulator.state.secrets.values()].filter((s) => s.versions.some((v) => v.secretString?.includes(victimPassword()))).map((s) => s.name);
        expect(holders).toEqual([`cloudhsm/${victim.ClusterId}/admin-credentials`]);
        expect((await aws.driver(clusterType).delete(restored.model!)).status).toBe('SUCCESS');
    });

    test('naming the backup cluster’s secrets copies them, with the type’s tag only, under the stack’s key', async () => {
        // GIVEN a restore that names the secrets of the backup's cluster
        const restore = restoreOf({
            Tags: [{ Key: 'owner', Value: 'platform' }],
            SecretsKmsKeyId: 'alias/platform',
            SourceAdminSecretArn: victim.AdminSecretArn,
            SourceTrustAnchorSecretArn: victim.TrustAnchorSecretArn,
        });

        // WHEN it is created
        const restored = await aws.driver(clusterType, { logicalResourceId: 'Restored', stackTags: { stack: 'restore' } }).create(restore);

        // THEN both are copied; user and stack tags stay off the copies of credentials
        expect(restored.status).toBe('SUCCESS');
        const restoredId = restored.model!.ClusterId as string;
        expect(secretsOf(aws, restoredId)).toEqual([`cloudhsm/${restoredId}/admin-credentials`, `cloudhsm/${restoredId}/trust-anchor`]);
        // Only the type's own tags: the cluster each belongs to, and on the admin secret the AdminPasswordVersion its password is.
        const typeTags = (name: string) => [
            { Key: 'cloudhsm-type:cluster-id', Value: restoredId },
            ...(name.endsWith('/admin-credentials') ? [{ Key: 'cloudhsm-type:admin-password-version', Value: '1' }] : []),
        ];
        for (const name of secretsOf(aws, restoredId)) {
            expect({ name, tags: secretNamed(name)!.tags, key: secretNamed(name)!.kmsKeyId }).toEqual({ name, tags: typeTags(name), key: 'alias/platform' });
        }
        expect(JSON.parse(currentValue(`cloudhsm/${restoredId}/admin-credentials`)!)).toEqual({ username: 'admin', password: victimPassword() });
        expect(restored.model).toMatchObject({ TrustAnchorCertificate: victim.TrustAnchorCertificate, AdminSecretArn: secretNamed(`cloudhsm/${restoredId}/admin-credentials`)!.arn });
        expect(restored.model!.SourceAdminSecretArn).toBeUndefined();

        // AND a tag update leaves the copies' tags alone
        const current = { ...restore, ClusterId: restoredId };
        const updated = await aws.driver(clusterType, { logicalResourceId: 'Restored' }).update(current, { ...current, Tags: [{ Key: 'owner', Value: 'someone-else' }] });
        expect(updated.status).toBe('SUCCESS');
        expect(secretNamed(`cloudhsm/${restoredId}/admin-credentials`)!.tags).toEqual(typeTags(`cloudhsm/${restoredId}/admin-credentials`));
        expect((await aws.driver(clusterType).delete(updated.model!)).status).toBe('SUCCESS');
    });

    test.each([
        ['a secret the type keeps for another cluster', async () => ({ SourceAdminSecretArn: (await plant(`cloudhsm/cluster-other${randomSuffix()}/admin-credentials`, '{"username":"admin","password":"x"}', [{ Key: 'cloudhsm-type:cluster-id', Value: 'cluster-otherotherot' }])).ARN })],
        ['a secret without the type’s tag', async () => ({ SourceAdminSecretArn: (await plant(`cloudhsm/cluster-untagged${randomSuffix()}/admin-credentials`, '{"username":"admin","password":"x"}')).ARN })],
        ['a trust anchor of another cluster', async () => ({ SourceTrustAnchorSecretArn: (await plant(`cloudhsm/cluster-anchor${randomSuffix()}/trust-anchor`, victim.TrustAnchorCertificate, [{ Key: 'cloudhsm-type:cluster-id', Value: 'cluster-anotheranoth' }])).ARN })],
        ['a secret that does not exist', async () => ({ SourceAdminSecretArn: `arn:aws:secretsmanager:us-east-1:${aws.emulator.state.accountId}:secret:cloudhsm/cluster-missing/admin-credentials-AbCdEf` })],
    ])('naming %s fails with InvalidRequest naming the property, before anything is created', async (_case, makeNamed) => {
        const named = await makeNamed();
        const property = Object.keys(named)[0];
        const clustersBefore = liveClusters(aws).length;

        const restored = await aws.driver(clusterType).create(restoreOf(named));

        expect(failure(restored)).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(restored.message).toContain(property);
        expect(restored.calls['cloudhsmv2:CreateCluster']).toBeUndefined();
        expect(liveClusters(aws)).toHaveLength(clustersBefore);
    });

    test.each([
        ['a key ARN of another account', 'arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
        ['an alias ARN of another account', 'arn:aws:kms:us-east-1:999999999999:alias/shared'],
        ['a key ARN of another region', () => `arn:aws:kms:eu-west-1:${aws.emulator.state.accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
        ['text that is no KMS key reference', 'key-of-mallory'],
    ])('SecretsKmsKeyId naming %s fails with InvalidRequest naming it, before anything is created', async (_case, keyId) => {
        const callsBefore = aws.emulator.calls.length;

        const created = await aws.driver(clusterType).create(clusterProperties(aws, { SecretsKmsKeyId: typeof keyId === 'function' ? keyId() : keyId }));

        expect(failure(created)).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(created.message).toContain('SecretsKmsKeyId');
        expect(aws.emulator.calls.slice(callsBefore).filter((c) => c.service !== 'logs' && c.service !== 'cloudwatch')).toEqual([]);
    });

    test('an alias ARN of the stack’s own account is accepted', async () => {
        const own = `arn:aws:kms:us-east-1:${aws.emulator.state.accountId}:alias/cloudhsm-secrets`;
        const created = await aws.driver(clusterType).create(clusterProperties(aws, { SecretsKmsKeyId: own, ManagementInstanceId: undefined, HsmsPerSubnet: 0 }));
        expect(created.status).toBe('SUCCESS');
        expect(secretNamed(`cloudhsm/${created.model!.ClusterId}/admin-credentials`)!.kmsKeyId).toBe(own);
        expect((await aws.driver(clusterType).delete(created.model!)).status).toBe('SUCCESS');
    });
});

describe('a secret in the type’s way is never used', () => {
    test.each([
        ['admin-credentials', JSON.stringify({ username: 'admin', password: 'PlantedByMallory-2Q9xWv7' })],
        ['ca-private-key', JSON.stringify({ certificatePem: 'planted', privateKeyPem: 'planted' })],
        ['trust-anchor', 'planted trust anchor'],
    ])('one planted as %s after CreateCluster stops the create with AlreadyExists naming it', async (secret, planted) => {
        // GIVEN a create that made its cluster, whose ID anyone may now read
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const events = await createUntilStep(aws, driver, clusterProperties(aws), 'await-cluster-created', token);
        const clusterId = events[events.length - 1].resourceModel!.ClusterId as string;
        // AND somebody creates the secret the type will write next
        const name = `cloudhsm/${clusterId}/${secret}`;
        await plant(name, planted);

        // WHEN the create carries on
        const finished = await resumeCreate(aws, driver, events[events.length - 1], token);

        // THEN it fails with AlreadyExists naming the secret, and never used what was planted
        expect(failure(finished)).toEqual({ status: 'FAILED', errorCode: 'AlreadyExists' });
        expect(finished.message).toContain(name);
        expect(currentValue(name)).toBe(planted);
        expect(finished.calls['cloudhsmv2:InitializeCluster']).toBeUndefined();
        expect(finished.calls['ssm:SendCommand']).toBeUndefined();
        expect(aws.emulator.state.clusters.get(clusterId)!.users.map((u) => u.password)).not.toContain('PlantedByMallory-2Q9xWv7');
        expect((await driver.delete({ ...clusterProperties(aws), ClusterId: clusterId })).status).toBe('SUCCESS');
    });

    test('the same request, replayed from before the secrets were stored, finds its own secrets; another request does not', async () => {
        // GIVEN a create that stored its secrets, and the event CloudFormation held before that step
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const events = await createUntilStep(aws, driver, clusterProperties(aws), 'await-first-hsm', token);
        const beforeSecrets = events.find((e) => e.callbackContext?.step === 'await-cluster-created')!;
        const clusterId = beforeSecrets.resourceModel!.ClusterId as string;
        const adminName = `cloudhsm/${clusterId}/admin-credentials`;
        const stored = currentValue(adminName);

        // WHEN the same request replays that step (a lost response), and another request tries it with that context
        const replayed = await driver.create(beforeSecrets.resourceModel!, { clientRequestToken: token, callbackContext: beforeSecrets.callbackContext, maxInvocations: 1, stringify: false });
        const other = await driver.create(beforeSecrets.resourceModel!, { clientRequestToken: randomUUID(), callbackContext: beforeSecrets.callbackContext, maxInvocations: 1, stringify: false });

        // THEN the replay takes its own secret as it was; the other request is refused
        expect(replayed.last.status).toBe('IN_PROGRESS');
        expect(currentValue(adminName)).toBe(stored);
        expect(secretNamed(adminName)!.versions).toHaveLength(1);
        expect(failure(other)).toEqual({ status: 'FAILED', errorCode: 'AlreadyExists' });
        expect(other.message).toContain(adminName);
        const finished = await resumeCreate(aws, driver, events[events.length - 1], token);
        expect(finished.status).toBe('SUCCESS');
        expect((await driver.delete(finished.model!)).status).toBe('SUCCESS');
    });
    test('a value put over the secret this request stored is not taken when the step is replayed', async () => {
        // GIVEN a create that stored its admin secret, over which somebody then puts a value of their own
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const events = await createUntilStep(aws, driver, clusterProperties(aws), 'await-first-hsm', token);
        const beforeSecrets = events.find((e) => e.callbackContext?.step === 'await-cluster-created')!;
        const clusterId = beforeSecrets.resourceModel!.ClusterId as string;
        const adminName = `cloudhsm/${clusterId}/admin-credentials`;
        await secretsManager.send(new PutSecretValueCommand({ SecretId: adminName, SecretString: JSON.stringify({ username: 'admin', password: 'OverwrittenByMallory-77' }), ClientRequestToken: randomUUID() }));

        // WHEN the same request replays the step that stored it
        const replayed = await driver.create(beforeSecrets.resourceModel!, { clientRequestToken: token, callbackContext: beforeSecrets.callbackContext, stringify: false });

        // THEN it stops with AlreadyExists naming the secret, before anything used the value
        expect(failure(replayed)).toEqual({ status: 'FAILED', errorCode: 'AlreadyExists' });
        expect(replayed.message).toContain(adminName);
        expect(replayed.calls['ssm:SendCommand']).toBeUndefined();
        expect((await driver.delete({ ...clusterProperties(aws), ClusterId: clusterId })).status).toBe('SUCCESS');
    });
});

describe('the root CA private key lives only until initialization', () => {
    test('until then it carries only the type’s tag; after it, it is gone, and a tag update does not bring it back', async () => {
        // GIVEN a create with user and stack tags, stopped after its CA was made
        const driver = aws.driver(clusterType, { stackTags: { stack: 'tags' } });
        const token = randomUUID();
        const properties = clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }] });
        const events = await createUntilStep(aws, driver, properties, 'await-first-hsm', token);
        const clusterId = events[events.length - 1].resourceModel!.ClusterId as string;
        const caName = `cloudhsm/${clusterId}/ca-private-key`;
        expect(secretNamed(caName)!.tags).toEqual([{ Key: 'cloudhsm-type:cluster-id', Value: clusterId }]);
        expect(secretNamed(`cloudhsm/${clusterId}/admin-credentials`)!.tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'platform' }, { Key: 'stack', Value: 'tags' }]));

        // WHEN the create finishes, and a tag update follows
        const created = await resumeCreate(aws, driver, events[events.length - 1], token);
        const current = { ...properties, ClusterId: clusterId };
        const updated = await driver.update(current, { ...current, Tags: [{ Key: 'team', Value: 'security' }] });

        // THEN the CA key is destroyed (not scheduled for deletion: gone), and nothing names it
        expect(created.status).toBe('SUCCESS');
        expect(created.model!.State).toBe('ACTIVE');
        expect(aws.emulator.state.clusters.get(clusterId)!.pki!.trustAnchorPem!.trim()).toBe((created.model!.TrustAnchorCertificate as string).trim());
        expect(secretNamed(caName)).toBeUndefined();
        expect(created.model!.CaPrivateKeySecretArn).toBeUndefined();
        expect(updated.status).toBe('SUCCESS');
        expect(secretNamed(caName)).toBeUndefined();
        expect(secretNamed(`cloudhsm/${clusterId}/admin-credentials`)!.tags).toContainEqual({ Key: 'team', Value: 'security' });
        expect((await driver.delete(updated.model!)).status).toBe('SUCCESS');
    });
});

describe('a secret that does not hold what the type stored is never quoted', () => {
    const PLANTED = 'hunter2-plaintext-Zq7Kp';

    test('a damaged CA secret fails the create with a message naming the secret, and its text is nowhere', async () => {
        // GIVEN a create stopped after storing its CA, whose secret somebody then overwrites
        const driver = aws.driver(clusterType);
        const token = randomUUID();
        const events = await createUntilStep(aws, driver, clusterProperties(aws), 'await-first-hsm', token);
        const clusterId = events[events.length - 1].resourceModel!.ClusterId as string;
        const caName = `cloudhsm/${clusterId}/ca-private-key`;
        await secretsManager.send(new PutSecretValueCommand({ SecretId: caName, SecretString: PLANTED, ClientRequestToken: randomUUID() }));

        // WHEN the create carries on to initialization
        const finished = await resumeCreate(aws, driver, events[events.length - 1], token);

        // THEN it fails naming the secret, and no 8 characters of what it held appear in any event, log or model
        expect(finished.status).toBe('FAILED');
        expect(finished.message).toContain(caName);
        expect(finished.calls['cloudhsmv2:InitializeCluster']).toBeUndefined();
        expect(exposures(everyText(aws, driver.consoleLines, driver.invocationEvents, [finished]), plantedFragments(PLANTED))).toEqual([]);
        expect((await driver.delete({ ...clusterProperties(aws), ClusterId: clusterId })).status).toBe('SUCCESS');
    });

    test('a damaged source admin secret fails a restore with InvalidRequest naming it, before anything is created, and its text is nowhere', async () => {
        // GIVEN a secret tagged as the backup cluster's, holding no credentials
        const damaged = await plant(`cloudhsm/cluster-damaged${randomSuffix()}/admin-credentials`, PLANTED, [{ Key: 'cloudhsm-type:cluster-id', Value: victim.ClusterId }]);
        const driver = aws.driver(clusterType);

        // WHEN a restore names it
        const restored = await driver.create({ SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, SourceBackupId: victimBackupId, SourceAdminSecretArn: damaged.ARN });

        // THEN
        expect(failure(restored)).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(restored.message).toContain('SourceAdminSecretArn');
        expect(restored.calls['cloudhsmv2:CreateCluster']).toBeUndefined();
        expect(exposures(everyText(aws, driver.consoleLines, driver.invocationEvents, [restored]), plantedFragments(PLANTED))).toEqual([]);
    });

    test('the search finds the planted text where it is (so it can fail)', () => {
        expect(exposures([{ where: 'synthetic', text: `Unexpected token 'h', "${PLANTED}" is not valid JSON` }], plantedFragments(PLANTED))).not.toEqual([]);
    });
});

/** Suffixes made of letters only, as CloudHSM's cluster IDs are. */
function randomSuffix(): string {
    return randomUUID().replace(/[^a-z]/g, '').slice(0, 6).padEnd(6, 'x');
}

const plantedFragments = (text: string) => new Map(fragmentsOf(text).map((f) => [f, 'the planted text']));
