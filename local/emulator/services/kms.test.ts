import {
    ConnectCustomKeyStoreCommand,
    CreateCustomKeyStoreCommand,
    CreateCustomKeyStoreCommandInput,
    CreateKeyCommand,
    DeleteCustomKeyStoreCommand,
    DescribeCustomKeyStoresCommand,
    DisconnectCustomKeyStoreCommand,
    ScheduleKeyDeletionCommand,
    UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import {
    KeyStoreCluster,
    KmsHarness,
    addKeyStoreCluster,
    advance,
    connectKeyStore,
    createKeyStore,
    describeKeyStore,
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

function createInput(cluster: KeyStoreCluster, overrides: Partial<CreateCustomKeyStoreCommandInput> = {}): CreateCustomKeyStoreCommandInput {
    return {
        CustomKeyStoreName: 'ExampleKeyStore',
        CloudHsmClusterId: cluster.clusterId,
        TrustAnchorCertificate: cluster.trustAnchorPem,
        KeyStorePassword: cluster.kmsUserPassword,
        ...overrides,
    };
}

describe('CreateCustomKeyStore', () => {
    test('creates a DISCONNECTED AWS_CLOUDHSM store that DescribeCustomKeyStores shows', async () => {
        const cluster = addKeyStoreCluster(h);
        const { CustomKeyStoreId } = await h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster)));
        expect(CustomKeyStoreId).toMatch(/^cks-[0-9a-f]{17}$/);
        const store = await describeKeyStore(h, CustomKeyStoreId!);
        expect(store).toEqual({
            CustomKeyStoreId,
            CustomKeyStoreName: 'ExampleKeyStore',
            CustomKeyStoreType: 'AWS_CLOUDHSM',
            CloudHsmClusterId: cluster.clusterId,
            TrustAnchorCertificate: cluster.trustAnchorPem,
            ConnectionState: 'DISCONNECTED',
            CreationDate: expect.any(Date),
        });
        expect(Math.abs(store.CreationDate!.getTime() - h.clock.now())).toBeLessThan(5000);
        // KMS only records the password; kmsuser is untouched until a connection.
        expect(cluster.kmsUser()!.password).toBe(cluster.kmsUserPassword);
    });

    test.each([
        ['an empty name', { CustomKeyStoreName: '' }, "at 'customKeyStoreName'"],
        ['a name of 257 characters', { CustomKeyStoreName: 'n'.repeat(257) }, 'less than or equal to 256'],
        ['a password of 6 characters', { KeyStorePassword: 'Secr3t' }, 'greater than or equal to 7'],
        ['a password of 33 characters', { KeyStorePassword: 'p'.repeat(33) }, 'less than or equal to 32'],
        ['no cluster ID', { CloudHsmClusterId: undefined }, 'must not be null'],
        ['no trust anchor', { TrustAnchorCertificate: undefined }, 'must not be null'],
        ['an unknown store type', { CustomKeyStoreType: 'SOFTWARE' as never }, 'enum value set'],
    ])('refuses %s with ValidationException', async (_case, overrides, messagePart) => {
        const cluster = addKeyStoreCluster(h);
        const error = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, overrides))));
        expect(error.name).toBe('ValidationException');
        expect(error.message).toContain(messagePart);
        expect(h.emulator.state.keyStores.size).toBe(0);
    });

    test('never puts the password into an error message', async () => {
        const cluster = addKeyStoreCluster(h);
        const error = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, { KeyStorePassword: 'Sh0rt!' }))));
        expect(error.name).toBe('ValidationException');
        expect(error.message).not.toContain('Sh0rt!');
    });

    test('does not create external key stores', async () => {
        const error = await failureOf(
            h.client.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'xks', CustomKeyStoreType: 'EXTERNAL_KEY_STORE' })),
        );
        expect(error.name).toBe('UnsupportedOperationException');
    });

    test('refuses an unknown or DELETED cluster with CloudHsmClusterNotFoundException', async () => {
        const cluster = addKeyStoreCluster(h);
        const unknown = await failureOf(
            h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, { CloudHsmClusterId: 'cluster-zzzzzzzzzzz' }))),
        );
        expect(unknown.name).toBe('CloudHsmClusterNotFoundException');
        cluster.cluster.state = 'DELETED';
        const deleted = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster))));
        expect(deleted.name).toBe('CloudHsmClusterNotFoundException');
        expect(deleted.message).toContain(cluster.clusterId);
    });

    test('refuses a CloudHsmClusterId outside the model pattern with ValidationException, on create and update', async () => {
        const cluster = addKeyStoreCluster(h);
        // 19 characters (the model's minimum length), but with digits outside the base32 alphabet.
        const malformed = 'cluster-01234567890';
        const create = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, { CloudHsmClusterId: malformed }))));
        expect(create.name).toBe('ValidationException');
        expect(create.message).toBe(
            `1 validation error detected: Value '${malformed}' at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}`,
        );
        const { CustomKeyStoreId } = await h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster)));
        const update = await failureOf(h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId, CloudHsmClusterId: malformed })));
        expect(update.name).toBe('ValidationException');
    });

    test('refuses a cluster that is not ACTIVE with CloudHsmClusterNotActiveException', async () => {
        const cluster = addKeyStoreCluster(h, { state: 'INITIALIZED' });
        const error = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster))));
        expect(error.name).toBe('CloudHsmClusterNotActiveException');
        expect(error.message).toContain('INITIALIZED');
    });

    test("compares the trust anchor with the cluster's, ignoring surrounding whitespace", async () => {
        const cluster = addKeyStoreCluster(h);
        const other = addKeyStoreCluster(h);
        const error = await failureOf(
            h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, { TrustAnchorCertificate: other.trustAnchorPem }))),
        );
        expect(error.name).toBe('IncorrectTrustAnchorException');
        const padded = `\n  ${cluster.trustAnchorPem.trim()}\n\n`;
        const { CustomKeyStoreId } = await h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, { TrustAnchorCertificate: padded })));
        expect(CustomKeyStoreId).toMatch(/^cks-/);
    });

    test.each([
        ['one ACTIVE HSM', { hsmZones: ['us-east-1a'] }, '1 active HSM(s) in 1 Availability Zone(s)'],
        ['two ACTIVE HSMs in one AZ', { hsmZones: ['us-east-1a', 'us-east-1a'] }, '2 active HSM(s) in 1 Availability Zone(s)'],
        ['subnets in one AZ', { hsmZones: ['us-east-1a'], subnetZones: ['us-east-1a'] }, 'subnets in 1 Availability Zone(s)'],
    ])('refuses a cluster with %s with CloudHsmClusterInvalidConfigurationException', async (_case, options, messagePart) => {
        const cluster = addKeyStoreCluster(h, options);
        const error = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster))));
        expect(error.name).toBe('CloudHsmClusterInvalidConfigurationException');
        expect(error.message).toContain(messagePart);
    });

    test('counts only ACTIVE HSMs towards the two the cluster needs', async () => {
        const cluster = addKeyStoreCluster(h);
        cluster.cluster.hsms[1].state = 'CREATE_IN_PROGRESS';
        const error = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster))));
        expect(error.name).toBe('CloudHsmClusterInvalidConfigurationException');
        cluster.cluster.hsms[1].state = 'ACTIVE';
        await expect(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster)))).resolves.toBeDefined();
    });

    test('refuses a cluster that another store uses, or that shares backup lineage with one', async () => {
        const original = addKeyStoreCluster(h);
        await createKeyStore(h, original, 'first');
        const same = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(original, { CustomKeyStoreName: 'second' }))));
        expect(same.name).toBe('CloudHsmClusterInUseException');
        const restored = addKeyStoreCluster(h, { lineage: original.clusterId, trustAnchorPem: original.trustAnchorPem });
        const related = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(restored, { CustomKeyStoreName: 'second' }))));
        expect(related.name).toBe('CloudHsmClusterInUseException');
        expect(related.message).toContain('backup history');
    });

    test('answers an identical request with the existing ID while the store is DISCONNECTED', async () => {
        const cluster = addKeyStoreCluster(h);
        const first = await h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster)));
        const again = await h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster)));
        expect(again.CustomKeyStoreId).toBe(first.CustomKeyStoreId);
        expect(h.emulator.state.keyStores.size).toBe(1);
    });

    test('refuses a taken name when anything differs or the store is not DISCONNECTED', async () => {
        const cluster = addKeyStoreCluster(h);
        const other = addKeyStoreCluster(h);
        const customKeyStoreId = await createKeyStore(h, cluster, 'ExampleKeyStore');
        const otherCluster = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(other))));
        expect(otherCluster.name).toBe('CustomKeyStoreNameInUseException');
        const otherPassword = await failureOf(
            h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster, { KeyStorePassword: 'another-Pa55word' }))),
        );
        expect(otherPassword.name).toBe('CustomKeyStoreNameInUseException');
        await connectKeyStore(h, customKeyStoreId);
        const connected = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster))));
        expect(connected.name).toBe('CustomKeyStoreNameInUseException');
        // KMS rotated kmsuser's password when it connected: the original request no longer matches the store.
        await disconnectKeyStore(h, customKeyStoreId);
        const rotated = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(cluster))));
        expect(rotated.name).toBe('CustomKeyStoreNameInUseException');
    });

    test('allows 10 custom key stores per account, and more once the quota is raised', async () => {
        for (let i = 0; i < 9; i++) await createKeyStore(h, addKeyStoreCluster(h), `store-${i}`);
        h.kms.seedExternalKeyStore('external');
        const eleventh = addKeyStoreCluster(h);
        const error = await failureOf(h.client.send(new CreateCustomKeyStoreCommand(createInput(eleventh))));
        expect(error.name).toBe('LimitExceededException');
        expect(error.message).toContain('(10)');
        h.kms.quotas.customKeyStoresPerAccount = 11;
        await expect(createKeyStore(h, eleventh)).resolves.toMatch(/^cks-/);
    });
});

describe('DescribeCustomKeyStores', () => {
    test('finds a store by ID or by name, and refuses both at once', async () => {
        const customKeyStoreId = await createKeyStore(h, addKeyStoreCluster(h), 'by-name');
        await createKeyStore(h, addKeyStoreCluster(h), 'other');
        const byName = await h.client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'by-name' }));
        expect(byName.CustomKeyStores!.map((s) => s.CustomKeyStoreId)).toEqual([customKeyStoreId]);
        expect(byName.Truncated).toBe(false);
        const both = await failureOf(
            h.client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: customKeyStoreId, CustomKeyStoreName: 'by-name' })),
        );
        expect(both.name).toBe('ValidationException');
    });

    test('answers CustomKeyStoreNotFoundException for an unknown ID or name', async () => {
        const byId = await failureOf(h.client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: 'cks-0123456789abcdef0' })));
        expect(byId.name).toBe('CustomKeyStoreNotFoundException');
        const byName = await failureOf(h.client.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: 'nobody' })));
        expect(byName.name).toBe('CustomKeyStoreNotFoundException');
    });

    test('lists external stores with their proxy configuration and no cluster', async () => {
        const external = h.kms.seedExternalKeyStore('xks-store');
        const store = await describeKeyStore(h, external.customKeyStoreId);
        expect(store).toMatchObject({
            CustomKeyStoreName: 'xks-store',
            CustomKeyStoreType: 'EXTERNAL_KEY_STORE',
            ConnectionState: 'DISCONNECTED',
            XksProxyConfiguration: { Connectivity: 'PUBLIC_ENDPOINT', UriPath: expect.stringMatching(/\/kms\/xks\/v1$/) },
        });
        expect(store.CloudHsmClusterId).toBeUndefined();
        expect(store.TrustAnchorCertificate).toBeUndefined();
    });

    test('pages with Limit and Marker through every store exactly once', async () => {
        const ids = [];
        for (let i = 0; i < 4; i++) {
            ids.push(await createKeyStore(h, addKeyStoreCluster(h), `store-${i}`));
            advance(h, 1);
        }
        ids.push(h.kms.seedExternalKeyStore('external').customKeyStoreId);
        const seen: string[] = [];
        let marker: string | undefined;
        let pages = 0;
        do {
            const page = await h.client.send(new DescribeCustomKeyStoresCommand({ Limit: 2, Marker: marker }));
            expect(page.CustomKeyStores!.length).toBeLessThanOrEqual(2);
            seen.push(...page.CustomKeyStores!.map((s) => s.CustomKeyStoreId!));
            expect(page.Truncated).toBe(page.NextMarker !== undefined);
            marker = page.NextMarker;
            pages += 1;
        } while (marker);
        expect(pages).toBe(3);
        expect(seen).toEqual(ids);
    });

    test('validates Limit and Marker', async () => {
        for (const Limit of [0, 1001]) {
            const error = await failureOf(h.client.send(new DescribeCustomKeyStoresCommand({ Limit })));
            expect(error.name).toBe('ValidationException');
        }
        const error = await failureOf(h.client.send(new DescribeCustomKeyStoresCommand({ Marker: 'not-a-marker' })));
        expect(error.name).toBe('InvalidMarkerException');
    });
});

describe('UpdateCustomKeyStore', () => {
    test('renames a CONNECTED store, but not to a name in use', async () => {
        const customKeyStoreId = await createKeyStore(h, addKeyStoreCluster(h), 'old-name');
        await createKeyStore(h, addKeyStoreCluster(h), 'taken');
        await connectKeyStore(h, customKeyStoreId);
        await h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, NewCustomKeyStoreName: 'new-name' }));
        expect(await describeKeyStore(h, customKeyStoreId)).toMatchObject({ CustomKeyStoreName: 'new-name', ConnectionState: 'CONNECTED' });
        const taken = await failureOf(
            h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, NewCustomKeyStoreName: 'taken' })),
        );
        expect(taken.name).toBe('CustomKeyStoreNameInUseException');
    });

    test('renames only a CONNECTED or DISCONNECTED store: CONNECTING, DISCONNECTING and FAILED refuse, and nothing changes', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await createKeyStore(h, cluster, 'before');
        const rename = (name: string) => h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, NewCustomKeyStoreName: name }));
        await rename('while-disconnected');

        await h.client.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
        const whileConnecting = await failureOf(rename('while-connecting'));
        expect(whileConnecting.name).toBe('CustomKeyStoreInvalidStateException');
        expect(whileConnecting.message).toContain('CONNECTING');
        advance(h, h.durations.keyStoreConnectSeconds);
        await h.client.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
        expect((await failureOf(rename('while-disconnecting'))).name).toBe('CustomKeyStoreInvalidStateException');
        advance(h, h.durations.keyStoreDisconnectSeconds);

        // kmsuser lost on one HSM: the connection ends FAILED with USER_NOT_FOUND.
        cluster.kmsUser()!.hsmIds = cluster.kmsUser()!.hsmIds.slice(0, 1);
        await connectKeyStore(h, customKeyStoreId);
        expect((await describeKeyStore(h, customKeyStoreId)).ConnectionState).toBe('FAILED');
        const whileFailed = await failureOf(rename('while-failed'));
        expect(whileFailed.name).toBe('CustomKeyStoreInvalidStateException');
        expect(whileFailed.message).toContain('FAILED');
        expect((await describeKeyStore(h, customKeyStoreId)).CustomKeyStoreName).toBe('while-disconnected');
    });

    test('changes the password and the cluster only while DISCONNECTED', async () => {
        const original = addKeyStoreCluster(h);
        const restored = addKeyStoreCluster(h, { lineage: original.clusterId, trustAnchorPem: original.trustAnchorPem });
        const customKeyStoreId = await createKeyStore(h, original);
        await connectKeyStore(h, customKeyStoreId);
        for (const change of [{ KeyStorePassword: 'new-Pa55word' }, { CloudHsmClusterId: restored.clusterId }]) {
            const error = await failureOf(h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, ...change })));
            expect(error.name).toBe('CustomKeyStoreInvalidStateException');
        }
        // A refused request changes nothing, not even the name that came with it.
        await failureOf(
            h.client.send(
                new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, NewCustomKeyStoreName: 'renamed', KeyStorePassword: 'new-Pa55word' }),
            ),
        );
        expect((await describeKeyStore(h, customKeyStoreId)).CustomKeyStoreName).not.toBe('renamed');
        await disconnectKeyStore(h, customKeyStoreId);
        await h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, CloudHsmClusterId: restored.clusterId }));
        expect((await describeKeyStore(h, customKeyStoreId)).CloudHsmClusterId).toBe(restored.clusterId);
    });

    test('moves a store to a cluster restored from the backups of its deleted cluster', async () => {
        const original = addKeyStoreCluster(h);
        const customKeyStoreId = await createKeyStore(h, original);
        h.emulator.state.clusters.delete(original.clusterId);
        const restored = addKeyStoreCluster(h, { lineage: original.clusterId, trustAnchorPem: original.trustAnchorPem });
        await h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, CloudHsmClusterId: restored.clusterId }));
        expect((await describeKeyStore(h, customKeyStoreId)).CloudHsmClusterId).toBe(restored.clusterId);
    });

    test('refuses an unrelated, unknown, inactive or too small cluster', async () => {
        const original = addKeyStoreCluster(h);
        const customKeyStoreId = await createKeyStore(h, original);
        const update = (clusterId: string) =>
            failureOf(h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, CloudHsmClusterId: clusterId })));
        expect((await update(addKeyStoreCluster(h).clusterId)).name).toBe('CloudHsmClusterNotRelatedException');
        expect((await update('cluster-zzzzzzzzzzz')).name).toBe('CloudHsmClusterNotFoundException');
        const degraded = addKeyStoreCluster(h, { lineage: original.clusterId, state: 'DEGRADED' });
        expect((await update(degraded.clusterId)).name).toBe('CloudHsmClusterNotActiveException');
        const small = addKeyStoreCluster(h, { lineage: original.clusterId, hsmZones: ['us-east-1a'] });
        expect((await update(small.clusterId)).name).toBe('CloudHsmClusterInvalidConfigurationException');
        expect((await describeKeyStore(h, customKeyStoreId)).CloudHsmClusterId).toBe(original.clusterId);
    });

    test('validates its input and answers CustomKeyStoreNotFoundException for an unknown store', async () => {
        const customKeyStoreId = await createKeyStore(h, addKeyStoreCluster(h));
        const nothing = await failureOf(h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId })));
        expect(nothing.name).toBe('ValidationException');
        const shortPassword = await failureOf(
            h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId, KeyStorePassword: 'short' })),
        );
        expect(shortPassword.name).toBe('ValidationException');
        const unknown = await failureOf(
            h.client.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: 'cks-0123456789abcdef0', NewCustomKeyStoreName: 'x' })),
        );
        expect(unknown.name).toBe('CustomKeyStoreNotFoundException');
    });
});

describe('DeleteCustomKeyStore', () => {
    test('requires a DISCONNECTED store', async () => {
        const customKeyStoreId = await createKeyStore(h, addKeyStoreCluster(h));
        await connectKeyStore(h, customKeyStoreId);
        const error = await failureOf(h.client.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId })));
        expect(error.name).toBe('CustomKeyStoreInvalidStateException');
        expect(h.kms.findKeyStore(customKeyStoreId)).toBeDefined();
    });

    test('refuses while the store holds keys, even pending deletion, and deletes once the waiting period has passed', async () => {
        const cluster = addKeyStoreCluster(h);
        const customKeyStoreId = await createKeyStore(h, cluster);
        await connectKeyStore(h, customKeyStoreId);
        const { KeyMetadata } = await h.client.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: customKeyStoreId }));
        await disconnectKeyStore(h, customKeyStoreId);
        const withKey = await failureOf(h.client.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId })));
        expect(withKey.name).toBe('CustomKeyStoreHasCMKsException');
        await h.client.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
        const pending = await failureOf(h.client.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId })));
        expect(pending.name).toBe('CustomKeyStoreHasCMKsException');
        expect(pending.message).toContain('pending deletion');
        advance(h, 7 * 86400);
        expect(h.kms.keysInStore(customKeyStoreId)).toEqual([]);
        await h.client.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: customKeyStoreId }));
        expect(h.kms.findKeyStore(customKeyStoreId)).toBeUndefined();
        // Deleting the store touches neither the cluster nor kmsuser.
        expect(h.emulator.state.clusters.get(cluster.clusterId)?.state).toBe('ACTIVE');
        expect(cluster.kmsUser()).toBeDefined();
    });

    test('answers CustomKeyStoreNotFoundException for an unknown store', async () => {
        const error = await failureOf(h.client.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: 'cks-0123456789abcdef0' })));
        expect(error.name).toBe('CustomKeyStoreNotFoundException');
    });
});
