import {
    CancelKeyDeletionCommand,
    ConnectCustomKeyStoreCommand,
    CreateKeyCommand,
    CreateKeyCommandInput,
    DescribeKeyCommand,
    DisableKeyCommand,
    DisconnectCustomKeyStoreCommand,
    EnableKeyCommand,
    ListKeysCommand,
    ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
    KeyStoreCluster,
    KmsHarness,
    addKeyStoreCluster,
    advance,
    connectKeyStore,
    createKeyStore,
    disconnectKeyStore,
    failureOf,
    startKms,
    stopKms,
} from './kms-test-fixtures';

let h: KmsHarness;
beforeEach(async () => {
    h = await startKms();
});
afterEach(async () => {
    await stopKms(h);
});

const day = 86_400;

async function keyState(keyId: string) {
    const { KeyMetadata } = await h.client.send(new DescribeKeyCommand({ KeyId: keyId }));
    return KeyMetadata!.KeyState;
}

async function connectedStore(): Promise<{ cluster: KeyStoreCluster; customKeyStoreId: string }> {
    const cluster = addKeyStoreCluster(h);
    const customKeyStoreId = await createKeyStore(h, cluster);
    await connectKeyStore(h, customKeyStoreId);
    return { cluster, customKeyStoreId };
}

async function keyInStore(customKeyStoreId: string): Promise<string> {
    const { KeyMetadata } = await h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId }));
    return KeyMetadata!.KeyId!;
}

describe('CreateKey and DescribeKey', () => {
    test('a plain key is an Enabled symmetric AWS_KMS key, found by ID or ARN', async () => {
        const { KeyMetadata } = await h.client.send(new CreateKeyCommand({ Description: 'plain' }));
        expect(KeyMetadata).toMatchObject({
            AWSAccountId: '123456789012',
            Arn: `arn:aws:kms:us-east-1:123456789012:key/${KeyMetadata!.KeyId}`,
            Description: 'plain',
            Enabled: true,
            KeyState: 'Enabled',
            Origin: 'AWS_KMS',
            KeySpec: 'SYMMETRIC_DEFAULT',
            KeyUsage: 'ENCRYPT_DECRYPT',
            KeyManager: 'CUSTOMER',
        });
        expect(KeyMetadata!.KeyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(KeyMetadata!.CustomKeyStoreId).toBeUndefined();
        expect(Math.abs(KeyMetadata!.CreationDate!.getTime() - h.clock.now())).toBeLessThan(5000);
        const byArn = await h.client.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.Arn }));
        expect(byArn.KeyMetadata!.KeyId).toBe(KeyMetadata!.KeyId);
    });

    test('a key in a CONNECTED CloudHSM key store names the store and its cluster', async () => {
        const { cluster, customKeyStoreId } = await connectedStore();
        const { KeyMetadata } = await h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId }));
        expect(KeyMetadata).toMatchObject({
            KeyState: 'Enabled',
            Origin: 'AWS_CLOUDHSM',
            CustomKeyStoreId: customKeyStoreId,
            CloudHsmClusterId: cluster.clusterId,
        });
        expect(h.kms.keysInStore(customKeyStoreId).map((k) => k.keyId)).toEqual([KeyMetadata!.KeyId]);
        expect(h.kms.keysInStore(customKeyStoreId)[0].keyMaterialClusterId).toBe(cluster.clusterId);
    });

    test('needs a CONNECTED store', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await createKeyStore(h, cluster);
        const disconnected = await failureOf(h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId })));
        expect(disconnected.name).toBe('CustomKeyStoreInvalidStateException');
        await h.client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
        const connecting = await failureOf(h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId })));
        expect(connecting.name).toBe('CustomKeyStoreInvalidStateException');
        expect(h.emulator.state.kmsKeys.size).toBe(0);
    });

    test('needs two ACTIVE HSMs in different AZs in the cluster', async () => {
        const { cluster, customKeyStoreId } = await connectedStore();
        cluster.cluster.hsms[1].state = 'DEGRADED';
        const error = await failureOf(h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId })));
        expect(error.name).toBe('CloudHsmClusterInvalidConfigurationException');
    });

    test.each([
        ['Origin AWS_CLOUDHSM without a store', { Origin: 'AWS_CLOUDHSM' }, 'ValidationException'],
        ['a store with Origin AWS_KMS', { CustomKeyStoreId: 'STORE' }, 'ValidationException'],
        ['an asymmetric key in a store', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'STORE', KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }, 'UnsupportedOperationException'],
        ['a multi-Region key in a store', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'STORE', MultiRegion: true }, 'UnsupportedOperationException'],
        ['an unknown store', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: 'cks-0123456789abcdef0' }, 'CustomKeyStoreNotFoundException'],
        ['an unknown key spec', { KeySpec: 'AES_512' }, 'ValidationException'],
        ['a tag key with the reserved aws: prefix', { Tags: [{ TagKey: 'aws:owner', TagValue: 'x' }] }, 'TagException'],
        ['a tag key with the reserved prefix in other case', { Tags: [{ TagKey: 'AWS:owner', TagValue: 'x' }] }, 'TagException'],
        ['51 tags (at most 50 per key)', { Tags: Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' })) }, 'LimitExceededException'],
    ])('refuses %s', async (_case, input: Record<string, unknown>, code) => {
        const { customKeyStoreId } = await connectedStore();
        const request = { ...input, ...(input.CustomKeyStoreId === 'STORE' ? { CustomKeyStoreId: customKeyStoreId } : {}) } as CreateKeyCommandInput;
        const error = await failureOf(h.client.send(new CreateKeyCommand(request)));
        expect(error.name).toBe(code);
        expect(h.emulator.state.kmsKeys.size).toBe(0);
    });

    test('answers NotFoundException for an unknown key or an alias', async () => {
        for (const KeyId of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'alias/example', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab']) {
            const error = await failureOf(h.client.send(new DescribeKeyCommand({ KeyId })));
            expect(error.name).toBe('NotFoundException');
        }
    });
});

describe('key states and the key store connection', () => {
    test('keys in a store are Unavailable while it is not CONNECTED, and Enabled again once it reconnects', async () => {
        const { customKeyStoreId } = await connectedStore();
        const keyId = await keyInStore(customKeyStoreId);
        await h.client.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
        expect(await keyState(keyId)).toBe('Unavailable');
        advance(h, h.durations.keyStoreDisconnectSeconds);
        const { KeyMetadata } = await h.client.send(new DescribeKeyCommand({ KeyId: keyId }));
        expect(KeyMetadata).toMatchObject({ KeyState: 'Unavailable', Enabled: false });
        // KMS knows the password it set on its last connection, so it reconnects without help.
        await connectKeyStore(h, customKeyStoreId);
        expect(await keyState(keyId)).toBe('Enabled');
    });

    test('EnableKey and DisableKey work on available keys only', async () => {
        const { customKeyStoreId } = await connectedStore();
        const keyId = await keyInStore(customKeyStoreId);
        await h.client.send(new DisableKeyCommand({ KeyId: keyId }));
        expect(await keyState(keyId)).toBe('Disabled');
        await disconnectKeyStore(h, customKeyStoreId);
        const unavailable = await failureOf(h.client.send(new EnableKeyCommand({ KeyId: keyId })));
        expect(unavailable.name).toBe('KMSInvalidStateException');
        await connectKeyStore(h, customKeyStoreId);
        await h.client.send(new EnableKeyCommand({ KeyId: keyId }));
        expect(await keyState(keyId)).toBe('Enabled');
    });
});

describe('ScheduleKeyDeletion and CancelKeyDeletion', () => {
    test('a key is PendingDeletion for the waiting period (default 30 days), then gone', async () => {
        const { KeyMetadata } = await h.client.send(new CreateKeyCommand({}));
        const keyId = KeyMetadata!.KeyId!;
        const scheduled = await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }));
        expect(scheduled).toMatchObject({ KeyId: KeyMetadata!.Arn, KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
        expect(Math.abs(scheduled.DeletionDate!.getTime() - (h.clock.now() + 30 * day * 1000))).toBeLessThan(5000);
        const { KeyMetadata: pending } = await h.client.send(new DescribeKeyCommand({ KeyId: keyId }));
        expect(pending).toMatchObject({ KeyState: 'PendingDeletion', Enabled: false, PendingDeletionWindowInDays: 30 });
        expect(pending!.DeletionDate).toEqual(scheduled.DeletionDate);
        advance(h, 30 * day - 60);
        expect(await keyState(keyId)).toBe('PendingDeletion');
        advance(h, 60);
        expect((await failureOf(h.client.send(new DescribeKeyCommand({ KeyId: keyId })))).name).toBe('NotFoundException');
        const { Keys } = await h.client.send(new ListKeysCommand({}));
        expect(Keys).toEqual([]);
    });

    test('validates the waiting period and refuses to schedule a key twice', async () => {
        const { KeyMetadata } = await h.client.send(new CreateKeyCommand({}));
        for (const PendingWindowInDays of [6, 31]) {
            const error = await failureOf(h.client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays })));
            expect(error.name).toBe('ValidationException');
        }
        await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
        const twice = await failureOf(h.client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId })));
        expect(twice.name).toBe('KMSInvalidStateException');
    });

    test('canceling leaves the key Disabled and stops its deletion', async () => {
        const { KeyMetadata } = await h.client.send(new CreateKeyCommand({}));
        const keyId = KeyMetadata!.KeyId!;
        await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
        const canceled = await h.client.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
        expect(canceled.KeyId).toBe(KeyMetadata!.Arn);
        const { KeyMetadata: after } = await h.client.send(new DescribeKeyCommand({ KeyId: keyId }));
        expect(after!.KeyState).toBe('Disabled');
        expect(after!.DeletionDate).toBeUndefined();
        advance(h, 8 * day);
        expect(await keyState(keyId)).toBe('Disabled');
        const again = await failureOf(h.client.send(new CancelKeyDeletionCommand({ KeyId: keyId })));
        expect(again.name).toBe('KMSInvalidStateException');
    });

    test('a key of a disconnected store can be scheduled for deletion', async () => {
        const { customKeyStoreId } = await connectedStore();
        const keyId = await keyInStore(customKeyStoreId);
        await disconnectKeyStore(h, customKeyStoreId);
        await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
        expect(await keyState(keyId)).toBe('PendingDeletion');
        expect(h.kms.keysInStore(customKeyStoreId)).toHaveLength(1);
        advance(h, 7 * day);
        expect(h.kms.keysInStore(customKeyStoreId)).toHaveLength(0);
    });
});

describe('ListKeys', () => {
    test('pages through every key exactly once; entries carry only KeyId and KeyArn', async () => {
        const { customKeyStoreId } = await connectedStore();
        const created: string[] = [];
        for (let i = 0; i < 5; i++) {
            created.push(i === 2 ? await keyInStore(customKeyStoreId) : (await h.client.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!);
            advance(h, 1);
        }
        const seen: string[] = [];
        let marker: string | undefined;
        do {
            const page = await h.client.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
            for (const entry of page.Keys!) {
                expect(Object.keys(entry).sort()).toEqual(['KeyArn', 'KeyId']);
                seen.push(entry.KeyId!);
            }
            expect(page.Truncated).toBe(page.NextMarker !== undefined);
            marker = page.NextMarker;
        } while (marker);
        expect(seen).toEqual(created);
    });

    test('validates Limit and Marker', async () => {
        expect((await failureOf(h.client.send(new ListKeysCommand({ Limit: 0 })))).name).toBe('ValidationException');
        expect((await failureOf(h.client.send(new ListKeysCommand({ Limit: 1001 })))).name).toBe('ValidationException');
        expect((await failureOf(h.client.send(new ListKeysCommand({ Marker: '%%%' })))).name).toBe('InvalidMarkerException');
    });
});
