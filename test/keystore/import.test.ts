/**
 * Resource import of a CloudHSM key store the type did not create, here one made as the AWS sample makes it
 * (kmsuser with the admin's password, then CreateCustomKeyStore and a connection, all without the type).
 * READ tells its true state; an update or a delete changes nothing until the cluster's owner tags the cluster
 * with cloudhsm-type:import-into = the stack's name; with that consent the store is renamed, disconnected,
 * connected, its kmsuser password rotated (the admin resets it; the type's kmsuser secret is made then, and the
 * store stays imported) and deleted, leaving the user's own secrets and kmsuser as they were.
 */
import { ConnectCustomKeyStoreCommand, DisconnectCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { OperationReport } from '../../local/driver/driver';
import { clientSettings } from '../../local/emulator/services/test-client';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { everyText, exposures, SecretHarvest } from '../cluster/secret-scan';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { consent, handMadeKeyStore, IMPORTING_STACK, importKeyStore, setKmsUserPasswordByHand, withdrawConsent } from './import-support';
import { advanceSeconds, cliUserCommands, expectSuccess, hsmUser, KMS_USER, kmsClient, kmsOf, liveSecret, mutatingCallSequence } from './key-store-support';

let aws: LocalAws;
let cluster: Record<string, unknown>;
let clusterId: string;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    cluster = await readyCluster(aws);
    clusterId = cluster.ClusterId as string;
});
afterAll(() => aws?.stop());
afterEach(() => aws.emulator.faults.clear());

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'ImportedKeyStore', stackName: IMPORTING_STACK });
const kmsUserSecretName = (keyStoreId: string) => `cloudhsm/key-stores/${keyStoreId}/kmsuser`;
const ssmCommandsSince = (from: number) => [...aws.emulator.state.commands.values()].flat().slice(from);
const commandCount = () => [...aws.emulator.state.commands.values()].flat().length;

/** Everything an operation could change: the store as KMS holds it, kmsuser on the HSMs, every live secret and its versions. */
function accountState(keyStoreId: string) {
    const store = kmsOf(aws).findKeyStore(keyStoreId);
    return {
        store: store && { name: store.name, state: store.connectionState, cluster: store.clusterId, passwordKmsHolds: store.kmsUserPassword },
        kmsUserOnHsms: hsmUser(aws, clusterId, KMS_USER).map((u) => ({ password: u.password, hsms: u.hsmIds.length })),
        secrets: [...aws.emulator.state.secrets.values()]
            .filter((s) => s.deletedDate === undefined)
            .map((s) => `${s.name}: ${s.versions.map((v) => `${v.versionId}/${v.stages.join('+')}`).join(' ')}`)
            .sort(),
    };
}

/** A secret made by the user (as the AWS sample keeps the admin password: a plain string), tagged as the cluster's. */
async function userSecret(name: string, value: string): Promise<string> {
    const created = await new SecretsManagerClient(clientSettings(aws.emulator)).send(
        new CreateSecretCommand({ Name: name, SecretString: value, Tags: [{ Key: 'cloudhsm-type:cluster-id', Value: clusterId }] }),
    );
    return created.ARN!;
}

describe('GIVEN a key store made as the AWS sample makes it, on a cluster the cluster type manages', () => {
    let template: Record<string, unknown>;
    let keyStoreId: string;
    let plainAdminSecretArn: string;

    beforeAll(async () => {
        template = await handMadeKeyStore(aws, cluster, 'sample-key-store');
        keyStoreId = template.KeyStoreId as string;
        plainAdminSecretArn = await userSecret('cloudhsm/sample/admin-password', JSON.parse(liveSecret(aws, cluster.AdminSecretArn as string)!.versions[0].secretString!).password);
    });

    it('WHEN it is imported (READ with the identifier only) THEN the model is its true state, without KmsUserSecretArn, and nothing is changed', async () => {
        const from = aws.emulator.calls.length;
        const before = accountState(keyStoreId);

        const read = await importKeyStore(keyStores(), template);

        expectSuccess(read);
        const store = kmsOf(aws).findKeyStore(keyStoreId)!;
        expect(read.model).toEqual({
            KeyStoreId: keyStoreId,
            KeyStoreName: 'sample-key-store',
            ClusterId: clusterId,
            TrustAnchorCertificate: cluster.TrustAnchorCertificate,
            ConnectionState: 'CONNECTED',
            DesiredConnectionState: 'CONNECTED',
            CreationDate: new Date(store.creationDate * 1000).toISOString(),
        });
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        expect(accountState(keyStoreId)).toEqual(before);
    });

    it('WHEN the stack updates it while the cluster carries no consent tag THEN FAILED InvalidRequest naming the tag, the stack and the command, and nothing is changed', async () => {
        const from = aws.emulator.calls.length;
        const before = accountState(keyStoreId);

        const refused = await keyStores().update(template, { ...template, KeyStoreName: 'renamed-without-consent', KmsUserPasswordVersion: 2 });

        expect({ status: refused.status, errorCode: refused.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(refused.message).toContain(`The key store ${keyStoreId} was not created by this type (it was imported), and cluster ${clusterId} has no cloudhsm-type:import-into tag.`);
        expect(refused.message).toContain(`aws cloudhsmv2 tag-resource --resource-id ${clusterId} --tag-list Key=cloudhsm-type:import-into,Value=${IMPORTING_STACK}`);
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        expect(accountState(keyStoreId)).toEqual(before);
    });

    it('WHEN an update changes nothing on the store (CloudFormation rolling back a refused rename and disconnect) THEN it needs no consent and changes nothing', async () => {
        const refusedDesired = { ...template, KeyStoreName: 'renamed-without-consent', DesiredConnectionState: 'DISCONNECTED', ManagementInstanceId: 'i-0123456789abcdef0' };
        expect((await keyStores().update(template, refusedDesired)).errorCode).toBe('InvalidRequest');
        const from = aws.emulator.calls.length;
        const before = accountState(keyStoreId);

        const rolledBack = await keyStores().update(refusedDesired, template);

        expectSuccess(rolledBack);
        expect(rolledBack.model).toMatchObject({ KeyStoreName: 'sample-key-store', ConnectionState: 'CONNECTED' });
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        expect(accountState(keyStoreId)).toEqual(before);
    });

    it('WHEN the consent tag names another stack THEN the update is refused naming both stacks, and nothing is changed', async () => {
        await consent(aws, clusterId, 'some-other-stack');
        const from = aws.emulator.calls.length;
        const before = accountState(keyStoreId);
        try {
            const refused = await keyStores().update(template, { ...template, DesiredConnectionState: 'DISCONNECTED' });

            expect(refused.errorCode).toBe('InvalidRequest');
            expect(refused.message).toContain(`cluster ${clusterId}'s cloudhsm-type:import-into tag names stack some-other-stack, not ${IMPORTING_STACK}`);
            expect(mutatingCallSequence(aws, from)).toEqual([]);
            expect(accountState(keyStoreId)).toEqual(before);
        } finally {
            await withdrawConsent(aws, clusterId);
        }
    });

    describe('AND the cluster consents to this stack', () => {
        beforeAll(() => consent(aws, clusterId));

        it('WHEN it is renamed while CONNECTED THEN one UpdateCustomKeyStore, and READ shows the name', async () => {
            const from = aws.emulator.calls.length;
            const renamed = { ...template, KeyStoreName: 'sample-key-store-renamed' };

            const updated = await keyStores().update(template, renamed);

            expectSuccess(updated);
            expect(mutatingCallSequence(aws, from)).toEqual(['kms:UpdateCustomKeyStore']);
            expect(updated.model).toMatchObject({ KeyStoreName: 'sample-key-store-renamed', ConnectionState: 'CONNECTED' });
            expect(updated.model!.KmsUserSecretArn).toBeUndefined();
            template = renamed;
        });

        it('WHEN it is disconnected and connected again THEN KMS disconnects and connects it with the password KMS holds', async () => {
            const disconnected = { ...template, DesiredConnectionState: 'DISCONNECTED' };
            expectSuccess(await keyStores().update(template, disconnected));
            expect(kmsOf(aws).findKeyStore(keyStoreId)!.connectionState).toBe('DISCONNECTED');

            const connected = { ...disconnected, DesiredConnectionState: 'CONNECTED' };
            const reconnected = await keyStores().update(disconnected, connected);

            expectSuccess(reconnected);
            expect(reconnected.model).toMatchObject({ ConnectionState: 'CONNECTED', DesiredConnectionState: 'CONNECTED' });
            template = connected;
        });

        it('WHEN someone changes kmsuser\'s password by hand and connects the store THEN it FAILS to connect, and READ tells the state and the error code', async () => {
            const kms = kmsClient(aws);
            await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
            advanceSeconds(aws, aws.emulator.durations.keyStoreDisconnectSeconds);
            await setKmsUserPasswordByHand(aws, cluster, 'Changed-by-hand-1');
            await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
            advanceSeconds(aws, aws.emulator.durations.keyStoreConnectSeconds);

            const read = await keyStores().read({ KeyStoreId: keyStoreId });

            expect(read.model).toMatchObject({ ConnectionState: 'FAILED', ConnectionErrorCode: 'INVALID_CREDENTIALS', DesiredConnectionState: 'DISCONNECTED' });
        });

        it('WHEN kmsuser is rotated with a plain-string admin secret (the sample\'s form) THEN FAILED InvalidRequest saying what to give, before anything changed', async () => {
            const from = aws.emulator.calls.length;
            const cliFrom = aws.instances.invocations.length;
            const before = accountState(keyStoreId);

            const refused = await keyStores().update(template, { ...template, AdminSecretArn: plainAdminSecretArn, KmsUserPasswordVersion: 2 });

            expect({ status: refused.status, errorCode: refused.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
            expect(refused.message).toMatch(/^AdminSecretArn: secret arn:\S+cloudhsm\/sample\/admin-password-\S+ does not hold the cluster admin's credentials as JSON/);
            expect(refused.message).toContain(`Give the AdminSecretArn attribute of the Community::CloudHsm::Cluster that manages cluster ${clusterId}`);
            expect(refused.message).toContain('Nothing was changed.');
            // Only the check was sent; the store was not even disconnected.
            expect(mutatingCallSequence(aws, from)).toEqual(['ssm:SendCommand']);
            expect(cliUserCommands(aws, cliFrom)).toEqual([]);
            expect(accountState(keyStoreId)).toEqual(before);
        });

        it('WHEN kmsuser is rotated with the cluster\'s admin secret THEN the admin resets kmsuser, the type\'s kmsuser secret is made (marked imported), the FAILED store connects with it, and the user\'s own secrets are untouched', async () => {
            const from = aws.emulator.calls.length;
            const cliFrom = aws.instances.invocations.length;
            const commandsFrom = commandCount();
            const userSecrets = accountState(keyStoreId).secrets.filter((s) => !s.startsWith('cloudhsm/key-stores/'));
            const rotated = { ...template, KmsUserPasswordVersion: 2 };

            const updated = await keyStores().update(template, rotated);

            expectSuccess(updated);
            expect(mutatingCallSequence(aws, from)).toEqual([
                'ssm:SendCommand',
                'kms:DisconnectCustomKeyStore',
                'secretsmanager:CreateSecret',
                'ssm:SendCommand',
                'kms:UpdateCustomKeyStore',
                'secretsmanager:TagResource',
                'kms:ConnectCustomKeyStore',
            ]);
            expect(ssmCommandsSince(commandsFrom).map((c) => c.comment?.replace(/ \[.*$/, ''))).toEqual([`admin secret check for ${keyStoreId}`, `kmsuser for ${keyStoreId}`]);
            expect(cliUserCommands(aws, cliFrom).map((c) => `${c.command} from the ${c.typedAtPrompt ? 'terminal' : 'argv'}, exit ${c.exitCode}`)).toEqual([
                'user change-password kmsuser from the terminal, exit 0',
            ]);
            const secret = liveSecret(aws, kmsUserSecretName(keyStoreId))!;
            expect(secret.tags).toEqual(
                expect.arrayContaining([
                    { Key: 'cloudhsm-type:key-store-id', Value: keyStoreId },
                    { Key: 'cloudhsm-type:imported-key-store', Value: 'true' },
                    { Key: 'cloudhsm-type:kmsuser-password-version', Value: '2' },
                ]),
            );
            expect(secret.versions).toHaveLength(1);
            expect(updated.model).toMatchObject({ ConnectionState: 'CONNECTED', KmsUserSecretArn: secret.arn, KmsUserPasswordVersion: 2 });
            expect(accountState(keyStoreId).secrets.filter((s) => !s.startsWith('cloudhsm/key-stores/'))).toEqual(userSecrets);
            template = rotated;
        });

        it('WHEN the owner withdraws consent THEN the store stays imported though it has the type\'s kmsuser secret now: updates and deletes are refused', async () => {
            await withdrawConsent(aws, clusterId);
            const from = aws.emulator.calls.length;
            const before = accountState(keyStoreId);
            try {
                const update = await keyStores().update(template, { ...template, KeyStoreName: 'no-longer-consented' });
                const deletion = await keyStores().delete(template);

                expect([update.errorCode, deletion.errorCode]).toEqual(['InvalidRequest', 'InvalidRequest']);
                expect(deletion.message).toContain('DeletionPolicy: Retain');
                expect(mutatingCallSequence(aws, from)).toEqual([]);
                expect(accountState(keyStoreId)).toEqual(before);
            } finally {
                await consent(aws, clusterId);
            }
        });

        it('WHEN the stack deletes it THEN the store and the type\'s kmsuser secret are gone; kmsuser and the user\'s secrets stay', async () => {
            const userSecrets = accountState(keyStoreId).secrets.filter((s) => !s.startsWith('cloudhsm/key-stores/'));

            const deleted = await keyStores().delete(template);

            expectSuccess(deleted);
            expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
            expect(liveSecret(aws, kmsUserSecretName(keyStoreId))).toBeUndefined();
            expect(hsmUser(aws, clusterId, KMS_USER)).toHaveLength(1);
            expect(accountState(keyStoreId).secrets).toEqual(userSecrets);
        });

        afterAll(() => withdrawConsent(aws, clusterId));
    });
});

describe('GIVEN a key store made by hand that nobody consented to', () => {
    it('WHEN the stack deletes it THEN FAILED InvalidRequest before anything is touched, naming DeletionPolicy: Retain; with consent the delete is clean', async () => {
        const template = await handMadeKeyStore(aws, cluster, 'hand-made-keys');
        const keyStoreId = template.KeyStoreId as string;
        expectSuccess(await importKeyStore(keyStores(), template));
        const from = aws.emulator.calls.length;
        const before = accountState(keyStoreId);

        const refused = await keyStores().delete(template);

        expect({ status: refused.status, errorCode: refused.errorCode }).toEqual({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(refused.message).toContain(`cluster ${clusterId} has no cloudhsm-type:import-into tag`);
        expect(refused.message).toContain('give the resource DeletionPolicy: Retain before removing it from the stack');
        expect(mutatingCallSequence(aws, from)).toEqual([]);
        expect(accountState(keyStoreId)).toEqual(before);

        await consent(aws, clusterId);
        const deleted = await keyStores().delete(template);
        await withdrawConsent(aws, clusterId);

        expectSuccess(deleted);
        expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
        expect(hsmUser(aws, clusterId, KMS_USER)).toHaveLength(1);
    });
});

describe('GIVEN an external (XKS) key store', () => {
    it('WHEN it is imported, updated or deleted THEN NotFound saying the type manages only CloudHSM key stores', async () => {
        const external = kmsOf(aws).seedExternalKeyStore('xks-store');
        const template = { ...templateFields(), KeyStoreId: external.customKeyStoreId, KeyStoreName: 'xks-store' };

        const reports = [await importKeyStore(keyStores(), template), await keyStores().update(template, { ...template, KeyStoreName: 'xks-renamed' }), await keyStores().delete(template)];

        expect(reports.map((r) => `${r.action} ${r.status} ${r.errorCode}`)).toEqual(['READ FAILED NotFound', 'UPDATE FAILED NotFound', 'DELETE FAILED NotFound']);
        for (const report of reports) expect(report.message).toContain(`Key store ${external.customKeyStoreId} is an external key store (EXTERNAL_KEY_STORE)`);
        expect(aws.emulator.state.keyStores.get(external.customKeyStoreId)?.name).toBe('xks-store');
        aws.emulator.state.keyStores.delete(external.customKeyStoreId);
    });
});

/** The declared properties of a key store on the test's cluster, without an identifier or a name. */
function templateFields() {
    return { ClusterId: clusterId, TrustAnchorCertificate: cluster.TrustAnchorCertificate, AdminSecretArn: cluster.AdminSecretArn, ManagementInstanceId: aws.network.managementInstanceId };
}

describe('GIVEN imported stores with consent, WHEN a new step of the rotation is delivered twice or its answer is lost', () => {
    beforeAll(() => consent(aws, clusterId));
    afterAll(() => withdrawConsent(aws, clusterId));

    it.each([
        { what: 'every event delivered twice', loss: undefined },
        { what: 'the admin secret check SendCommand answer lost', loss: { service: 'ssm', action: 'SendCommand', lostAs: 'drop' as const } },
        { what: 'the kmsuser secret CreateSecret answer lost', loss: { service: 'secretsmanager', action: 'CreateSecret', lostAs: 'internal' as const } },
    ])('$what: the rotation makes one kmsuser secret of one version, sends each script once, and ends CONNECTED; the delete is clean', async ({ what, loss }) => {
        const template = await handMadeKeyStore(aws, cluster, `imported-${what.split(' ').slice(0, 3).join('-')}`);
        const keyStoreId = template.KeyStoreId as string;
        expectSuccess(await importKeyStore(keyStores(), template));
        const commandsFrom = commandCount();
        const cliFrom = aws.instances.invocations.length;
        const from = aws.emulator.calls.length;
        if (loss) aws.emulator.faults.add({ ...loss, kind: 'lose-response', times: 1 });
        const twice = loss ? {} : { deliverTwice: { retryAfterSeconds: 5 } };
        const rotated = { ...template, KmsUserPasswordVersion: 2 };

        const updated = await keyStores().update(template, rotated, twice);

        expectSuccess(updated);
        if (!loss) expect(updated.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
        if (loss) expect(aws.emulator.calls.slice(from).filter((c) => c.responseLost).map((c) => `${c.service}:${c.action}`)).toEqual([`${loss.service}:${loss.action}`]);
        expect(ssmCommandsSince(commandsFrom).map((c) => c.comment?.replace(/ \[.*$/, ''))).toEqual([`admin secret check for ${keyStoreId}`, `kmsuser for ${keyStoreId}`]);
        expect(cliUserCommands(aws, cliFrom).map((c) => c.command)).toEqual(['user change-password kmsuser']);
        expect(liveSecret(aws, kmsUserSecretName(keyStoreId))!.versions).toHaveLength(1);
        expect(kmsOf(aws).findKeyStore(keyStoreId)!.connectionState).toBe('CONNECTED');

        const deleted = await keyStores().delete(rotated, twice);

        expectSuccess(deleted);
        expect(kmsOf(aws).findKeyStore(keyStoreId)).toBeUndefined();
        expect(liveSecret(aws, kmsUserSecretName(keyStoreId))).toBeUndefined();
    });
});

describe('GIVEN a key store the type made whose kmsuser secret someone deleted', () => {
    it('WHEN the stack updates it THEN the type cannot tell it from an imported store and asks for consent (it fails safe)', async () => {
        const properties = { ...templateFields(), KeyStoreName: 'type-made-keys' };
        const created = await keyStores().create(properties);
        expectSuccess(created);
        const current = { ...properties, KeyStoreId: created.model!.KeyStoreId };
        await new SecretsManagerClient(clientSettings(aws.emulator)).send(new DeleteSecretCommand({ SecretId: kmsUserSecretName(current.KeyStoreId as string), ForceDeleteWithoutRecovery: true }));

        const refused = await keyStores().update(current, { ...current, KeyStoreName: 'type-made-keys-2' });

        expect(refused.errorCode).toBe('InvalidRequest');
        expect(refused.message).toContain('was not created by this type (it was imported)');
        await consent(aws, clusterId);
        expectSuccess(await keyStores().delete(current));
        await withdrawConsent(aws, clusterId);
    });
});

test('no piece of any secret is anywhere a user, an operator or a log reader could see, after an imported store\'s life', async () => {
    // GIVEN a hand-made store (its setup ran the sample's kmsuser command, with the admin password in argv: not the type's doing)
    const template = await handMadeKeyStore(aws, cluster, 'scanned-import');
    const plainArn = await userSecret('cloudhsm/sample/scan-admin-password', JSON.parse(liveSecret(aws, cluster.AdminSecretArn as string)!.versions[0].secretString!).password);
    const toolsFrom = aws.instances.invocations.length;
    const driver = keyStores();
    const reports: OperationReport[] = [];
    const harvest = new SecretHarvest();
    const collect = () => {
        harvest.collect(aws.emulator.state);
        for (const c of aws.emulator.state.clusters.values()) c.users.forEach((u) => harvest.add(JSON.stringify({ password: u.password })));
        for (const s of aws.emulator.state.keyStores.values()) harvest.add(JSON.stringify({ password: s.kmsUserPassword }));
    };
    collect();

    // WHEN it is imported, refused, renamed, refused a plain-string admin secret, rotated (a lost answer on the way) and deleted
    reports.push(await importKeyStore(driver, template));
    reports.push(await driver.update(template, { ...template, KeyStoreName: 'scanned-import-2' }));
    await consent(aws, clusterId);
    const renamed = { ...template, KeyStoreName: 'scanned-import-2' };
    reports.push(await driver.update(template, renamed));
    reports.push(await driver.update(renamed, { ...renamed, AdminSecretArn: plainArn, KmsUserPasswordVersion: 2 }));
    collect();
    aws.emulator.faults.add({ service: 'secretsmanager', action: 'CreateSecret', kind: 'lose-response', lostAs: 'drop', times: 1 });
    const rotated = { ...renamed, KmsUserPasswordVersion: 2 };
    reports.push(await driver.update(renamed, rotated));
    collect();
    reports.push(await driver.read({ KeyStoreId: template.KeyStoreId }));
    reports.push(await driver.delete(rotated, { deliverTwice: { retryAfterSeconds: 5 } }));
    await withdrawConsent(aws, clusterId);
    collect();
    expect(reports.map((r) => `${r.action} ${r.status}`)).toEqual(['READ SUCCESS', 'UPDATE FAILED', 'UPDATE SUCCESS', 'UPDATE FAILED', 'UPDATE SUCCESS', 'READ SUCCESS', 'DELETE SUCCESS']);
    // The admin password (which the sample also gave kmsuser and keeps as a plain string), the kmsuser password KMS
    // set on connecting the hand-made store, the one the type's rotation set, and the one KMS set on reconnecting.
    expect(harvest.passwords.size).toBeGreaterThanOrEqual(4);

    // THEN the only place one is found is where it must be: CLOUDHSM_PIN of the type's cloudhsm-cli logins, with the admin password
    const adminPassword = JSON.parse(liveSecret(aws, cluster.AdminSecretArn as string)!.versions[0].secretString!).password;
    const theSamplesSetup = (where: string) => Number(/call (\d+)$/.exec(where)?.[1] ?? Infinity) < toolsFrom;
    const texts = everyText(aws, driver.consoleLines, driver.invocationEvents, reports).filter((t) => !theSamplesSetup(t.where));
    const found = exposures(texts, harvest.fragments());
    const logins = aws.instances.invocations.slice(toolsFrom).filter((i) => i.env.CLOUDHSM_PIN !== undefined);

    expect(texts.length).toBeGreaterThan(10);
    expect([...new Set(found.map((f) => f.where.replace(/\d+$/, 'N')))]).toEqual(['environment of cloudhsm-cli call N']);
    expect(logins.map((i) => `${i.tool} ${i.argv.slice(0, 2).join(' ')} as ${i.env.CLOUDHSM_PIN === `admin:${adminPassword}` ? 'admin' : 'someone else'}`)).toEqual([
        'cloudhsm-cli user change-password as admin',
    ]);
});
