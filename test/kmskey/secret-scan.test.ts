/**
 * The KMS key type handles no secret of its own, but it runs beside every secret of the stack: the admin and
 * kmsuser passwords, the password KMS set for kmsuser, and the key material. After the key's whole life —
 * including a lost CreateKey answer, an invalid update and a delete delivered twice — none of them, not even an
 * 8-character piece, is in any progress event, model, message, console line, log, SSM command or tool call.
 */
import { OperationReport } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { everyText, exposures, SecretHarvest } from '../cluster/secret-scan';
import { QUICK_SERVICE_DURATIONS } from '../support';
import { keyProperties, kmsKeys, readyKeyStore } from './kms-key-support';

let aws: LocalAws;
afterAll(() => aws.stop());

test('no piece of any secret of the stack is anywhere a user, an operator or a log reader could see', async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    const harvest = new SecretHarvest();
    const stack = await readyKeyStore(aws, 'scanned-keys');
    harvest.collect(aws.emulator.state);
    const driver = kmsKeys(aws);
    const reports: OperationReport[] = [];
    const toolCallsBefore = aws.instances.invocations.length;

    aws.emulator.faults.add({ service: 'kms', action: 'CreateKey', kind: 'lose-response', lostAs: 'internal', times: 1 });
    const properties = keyProperties(stack.keyStore.KeyStoreId, { Tags: [{ Key: 'team', Value: 'payments' }] });
    reports.push(await driver.create(properties));
    const current = { ...properties, KeyId: reports[0].model!.KeyId };
    reports.push(await driver.read({ KeyId: current.KeyId }));
    reports.push(await driver.list());
    reports.push(await driver.update(current, { ...current, Enabled: false, Description: 'scanned' }));
    reports.push(await driver.update(current, { ...current, PendingWindowInDays: 2 }));
    reports.push(await driver.delete(current, { deliverTwice: { retryAfterSeconds: 5 } }));
    expect(reports.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILED', 'SUCCESS']);

    harvest.collect(aws.emulator.state);
    for (const cluster of aws.emulator.state.clusters.values()) cluster.users.forEach((u) => harvest.add(JSON.stringify({ password: u.password })));
    for (const store of aws.emulator.state.keyStores.values()) harvest.add(JSON.stringify({ password: store.kmsUserPassword }));
    for (const key of aws.emulator.state.kmsKeys.values()) harvest.add(JSON.stringify({ password: key.materialHex }));
    expect(harvest.passwords.size).toBeGreaterThanOrEqual(4);

    // The key type runs nothing on the management instance; the cloudhsm-cli logins before it are the key store's
    // (CLOUDHSM_PIN holds the admin password by design; test/keystore/secrets.test.ts checks them).
    expect(aws.instances.invocations.length).toBe(toolCallsBefore);
    const theKeyStoresLogins = new Set(aws.instances.invocations.map((invocation, i) => `environment of ${invocation.tool} call ${i}`).filter((where, i) => i < toolCallsBefore && where.includes('cloudhsm-cli')));
    const texts = everyText(aws, driver.consoleLines, driver.invocationEvents, reports).filter((t) => !theKeyStoresLogins.has(t.where));

    expect(texts.length).toBeGreaterThan(10);
    expect(exposures(texts, harvest.fragments())).toEqual([]);
});
