/**
 * The kmsuser script against what the management instance and KMS allow: a CloudHSM CLI too old for the
 * cluster's HSMs stops it before it touches kmsuser (InvalidRequest), and kmsuser logged in by a connected key
 * store makes the CLI refuse the password change (ResourceConflict, saying what to disconnect).
 */
import { randomUUID } from 'crypto';
import { ConnectCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import { stringifyPrimitives } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { keyStoreType, QUICK_SERVICE_DURATIONS, readyCluster } from '../support';
import { advanceSeconds, expectSuccess, hsmUser, KMS_USER, keyStoreProperties, kmsClient } from './key-store-support';

let aws: LocalAws;
let cluster: Record<string, unknown>;

beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    cluster = await readyCluster(aws);
});
afterAll(() => aws?.stop());

const keyStores = () => aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' });
const instance = () => aws.emulator.state.instances.get(aws.network.managementInstanceId)!;

it('GIVEN a CloudHSM CLI older than 5.9.0 on the instance, WHEN a key store is created on an hsm2m.medium cluster, THEN FAILED InvalidRequest naming the version needed, and kmsuser is not created', async () => {
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'old-client-keys' });
    instance().cli.clientVersion = '5.8.0';
    const cliFrom = aws.instances.invocations.length;
    try {
        const failed = await keyStores().create(properties);

        expect(failed.status).toBe('FAILED');
        expect(failed.errorCode).toBe('InvalidRequest');
        expect(failed.message).toMatch(/^ManagementInstanceId: /);
        expect(failed.message).toContain('need Client SDK 5.9.0 or newer');
        expect(hsmUser(aws, cluster.ClusterId as string, KMS_USER)).toEqual([]);
        expect(aws.instances.invocations.slice(cliFrom).map((i) => `${i.tool} ${i.argv.join(' ')}`)).toEqual(['cloudhsm-cli --version']);
        // CloudFormation's rollback deletes the store the create made before the script ran.
        const keyStoreId = [...aws.emulator.state.keyStores.values()].find((s) => s.name === 'old-client-keys')!.customKeyStoreId;
        instance().cli.clientVersion = undefined;
        expectSuccess(await keyStores().delete({ ...properties, KeyStoreId: keyStoreId }));
    } finally {
        instance().cli.clientVersion = undefined;
    }
});

it('GIVEN a rotation whose store someone connects again after the update disconnected it, WHEN the kmsuser script runs, THEN FAILED ResourceConflict saying to disconnect the store, with the password on the HSMs unchanged', async () => {
    // GIVEN a connected key store, and a rotation waiting for the store to disconnect
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: 'rotated-keys' });
    const created = await keyStores().create(properties);
    expectSuccess(created);
    const keyStoreId = created.model!.KeyStoreId as string;
    const current = { ...properties, KeyStoreId: keyStoreId };
    const rotated = { ...current, KmsUserPasswordVersion: 2 };
    const token = randomUUID();
    let event = (await keyStores().update(stringifyPrimitives(current), stringifyPrimitives(rotated), { clientRequestToken: token, maxInvocations: 1, stringify: false })).last;
    while (event.status === 'IN_PROGRESS' && event.callbackContext?.step !== 'await-disconnected') {
        aws.clock.advance(event.callbackDelaySeconds ?? 0);
        event = (await keyStores().update(stringifyPrimitives(current), event.resourceModel!, { clientRequestToken: token, callbackContext: event.callbackContext, maxInvocations: 1, stringify: false })).last;
    }
    expect(event.callbackContext?.step).toBe('await-disconnected');
    advanceSeconds(aws, 600);
    expect(aws.emulator.state.keyStores.get(keyStoreId)!.connectionState).toBe('DISCONNECTED');
    const kmsUserPasswordBefore = hsmUser(aws, cluster.ClusterId as string, KMS_USER)[0].password;

    // WHEN someone connects the store by hand in the seconds between the update seeing it DISCONNECTED and the
    // kmsuser script running (the invocation that passes await-disconnected goes on to send the script)
    await kmsClient(aws).send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: keyStoreId }));
    const pastTheDisconnect: Record<string, unknown> = { ...event.callbackContext, step: 'store-new-kmsuser-password' };
    expect(pastTheDisconnect.waitingSinceMs).toBeDefined();
    delete pastTheDisconnect.waitingSinceMs;
    const resumed = await keyStores().update(stringifyPrimitives(current), event.resourceModel!, { clientRequestToken: token, callbackContext: pastTheDisconnect, stringify: false });

    // THEN
    expect(resumed.status).toBe('FAILED');
    expect(resumed.errorCode).toBe('ResourceConflict');
    expect(resumed.message).toContain('kmsuser exists on this cluster but its password could not be reset');
    expect(resumed.message).toContain('disconnect that key store (DisconnectCustomKeyStore), then retry');
    expect(hsmUser(aws, cluster.ClusterId as string, KMS_USER)[0].password).toBe(kmsUserPasswordBefore);
});
