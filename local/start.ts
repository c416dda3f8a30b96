/**
 * `npm start`: the complete stack on the embedded emulator, through the same entrypoints and the same
 * CloudFormation protocol a user's stack takes:
 *
 *   cluster create (2 subnets, 1 HSM each, self-signed CA, management instance) → read → admin password rotation
 *   → key store create → a KMS key in it (Community::CloudHsm::KmsKey) → encrypt and decrypt with it
 *   → key update: disable (encrypt refused), enable again → key store rename → rotate the kmsuser password
 *   → key store delete, refused while the key is live
 *   → the stack's delete in CloudFormation's order: the key (scheduled for deletion), the key store (retired,
 *     as it holds only that key pending deletion), the cluster (after a last update: grow, shrink to 0, grow back at the same addresses)
 *   → what stays behind, then the clock past the waiting period and the clean-up,
 *
 * then a check that nothing is left.
 */
import { CloudHSMV2Client, DeleteBackupCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import keyStoreSchema from '../keystore-resource/schema.json';
import { entrypoint as keyStoreEntrypoint } from '../keystore-resource/src/handlers';
import kmsKeySchema from '../kmskey-resource/schema.json';
import { entrypoint as kmsKeyEntrypoint } from '../kmskey-resource/src/handlers';
import { OperationReport } from './driver/driver';
import { leftovers } from './leftovers';
import { describeOperation } from './report';
import { LocalAws, startLocalAws } from './runtime';

const KEY_WAITING_PERIOD_DAYS = 7;

async function main(): Promise<void> {
    const aws = await startLocalAws();
    const clusters = aws.driver({ entrypoint: clusterEntrypoint, schema: clusterSchema }, { logicalResourceId: 'Cluster' });
    const keyStores = aws.driver({ entrypoint: keyStoreEntrypoint, schema: keyStoreSchema }, { logicalResourceId: 'KeyStore' });
    const kmsKeys = aws.driver({ entrypoint: kmsKeyEntrypoint, schema: kmsKeySchema }, { logicalResourceId: 'Key' });
    const failures: string[] = [];
    const phase = (name: string, report: OperationReport, expected: 'SUCCESS' | 'FAILED' = 'SUCCESS') => {
        console.log(describeOperation(name, report));
        if (report.status !== expected) failures.push(name);
        return report;
    };
    try {
        console.log(`${clusterSchema.typeName}, ${keyStoreSchema.typeName} and ${kmsKeySchema.typeName} on the local emulator (${aws.emulator.endpoint}); times are emulated.\n`);
        const clusterProperties = {
            SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
            HsmsPerSubnet: 1,
            ManagementInstanceId: aws.network.managementInstanceId,
            Tags: [{ Key: 'team', Value: 'platform' }],
        };
        const created = phase('cluster: create', await clusters.create(clusterProperties));
        if (created.status !== 'SUCCESS') throw new Error('cluster create failed');
        const cluster = created.model!;
        console.log(`    ${cluster.ClusterId} ${cluster.State}, HSMs ${(cluster.Hsms as Array<{ HsmId: string; AvailabilityZone: string }>).map((h) => `${h.HsmId}@${h.AvailabilityZone}`).join(', ')}`);
        phase('cluster: read', await clusters.read({ ClusterId: cluster.ClusterId }));
        let current: Record<string, unknown> = { ...clusterProperties, ClusterId: cluster.ClusterId };
        const rotated = { ...current, AdminPasswordVersion: 2 };
        const rotation = phase('cluster: rotate admin password', await clusters.update(current, rotated));
        console.log(`    ${describeRotation(aws, cluster.ClusterId as string, rotation)}`);
        current = rotated;

        const keyStore = await keyStoreLifecycle(aws, keyStores, kmsKeys, phase, cluster);

        // A park keeps the HSMs' addresses: the grow-back brings back the addresses the HSMs had before it.
        for (const [name, hsmsPerSubnet] of [['cluster: grow to 2 per subnet', 2], ['cluster: shrink to 0', 0], ['cluster: grow back to 2', 2]] as const) {
            const desired = { ...current, HsmsPerSubnet: hsmsPerSubnet };
            const updated = phase(name, await clusters.update(current, desired));
            console.log(`    HSMs now: ${(updated.model?.Hsms as unknown[] | undefined)?.length ?? 0}${hsmAddresses(updated.model)}`);
            if (updated.message) console.log(`    ${updated.message}`);
            current = desired;
        }
        const listed = phase('cluster: list', await clusters.list());
        console.log(`    listed: ${(listed.models ?? []).map((m) => m.ClusterId).join(', ')}`);
        phase('cluster: delete', await clusters.delete({ ...current }));

        await afterTheWaitingPeriod(aws, keyStores, phase, keyStore);
        await reportLeftovers(aws, failures);
    } finally {
        await aws.stop();
    }
    if (failures.length) {
        console.log(`\nFailed: ${failures.join(', ')}`);
        process.exitCode = 1;
    }
}

/** What a user checks after a rotation, without showing a password: which version the HSMs and the secret agree on. */
function describeRotation(aws: LocalAws, clusterId: string, report: OperationReport): string {
    const secret = [...aws.emulator.state.secrets.values()].find((s) => s.name === `cloudhsm/${clusterId}/admin-credentials`);
    const passwordAt = (stage: string) => {
        const value = secret?.versions.find((v) => v.stages.includes(stage))?.secretString;
        return value === undefined ? undefined : (JSON.parse(value) as { password: string }).password;
    };
    const onHsms = aws.emulator.state.clusters.get(clusterId)?.users.find((u) => u.username === 'admin')?.password;
    const agree = onHsms !== undefined && onHsms === passwordAt('AWSCURRENT');
    const changed = passwordAt('AWSPREVIOUS') !== undefined && passwordAt('AWSPREVIOUS') !== passwordAt('AWSCURRENT');
    return (
        `AdminPasswordVersion ${report.model?.AdminPasswordVersion}: the management instance typed a new random admin password at the CloudHSM CLI's prompt; ` +
        `the HSMs ${agree ? 'and the admin secret (AWSCURRENT) agree on it' : 'and the admin secret DISAGREE'}, ${changed ? 'the old one is the secret\'s AWSPREVIOUS' : 'no previous version kept'}`
    );
}

/** `, at 10.0.1.4 10.0.1.5 …` (sorted), or nothing without HSMs. */
function hsmAddresses(model: Record<string, unknown> | undefined): string {
    const addresses = ((model?.Hsms as Array<{ EniIp: string }> | undefined) ?? []).map((h) => h.EniIp).sort();
    return addresses.length ? `, at ${addresses.join(' ')}` : '';
}

type Phase = (name: string, report: OperationReport, expected?: 'SUCCESS' | 'FAILED') => OperationReport;

async function keyStoreLifecycle(
    aws: LocalAws,
    keyStores: ReturnType<LocalAws['driver']>,
    kmsKeys: ReturnType<LocalAws['driver']>,
    phase: Phase,
    cluster: Record<string, unknown>,
): Promise<Record<string, unknown>> {
    const properties = {
        KeyStoreName: 'payments-keys',
        ClusterId: cluster.ClusterId,
        TrustAnchorCertificate: cluster.TrustAnchorCertificate,
        AdminSecretArn: cluster.AdminSecretArn,
        ManagementInstanceId: aws.network.managementInstanceId,
    };
    const created = phase('key store: create', await keyStores.create(properties));
    if (created.status !== 'SUCCESS') throw new Error('key store create failed');
    const keyStoreId = created.model!.KeyStoreId as string;
    console.log(`    ${keyStoreId} ${created.model!.ConnectionState}`);
    phase('key store: read', await keyStores.read({ KeyStoreId: keyStoreId }));

    const keyProperties = { CustomKeyStoreId: keyStoreId, Description: 'npm start', PendingWindowInDays: KEY_WAITING_PERIOD_DAYS, Tags: [{ Key: 'team', Value: 'payments' }] };
    const createdKey = phase('key: create', await kmsKeys.create(keyProperties));
    if (createdKey.status !== 'SUCCESS') throw new Error('key create failed');
    const keyId = createdKey.model!.KeyId as string;
    const material = (aws.emulator.state.clusters.get(cluster.ClusterId as string)?.keys ?? []).filter((k) => k.label === keyId);
    console.log(`    ${keyId} ${createdKey.model!.KeyState} in ${keyStoreId}; key material on ${material[0]?.hsmIds.length ?? 0} HSM(s), owned by ${material[0]?.owner}`);
    const kms = new KMSClient(clientSettings(aws));
    await encryptAndDecrypt(kms, keyId, 'with the new key');

    const key: Record<string, unknown> = { ...keyProperties, KeyId: keyId };
    const disabled = { ...key, Enabled: false };
    phase('key: disable', await kmsKeys.update(key, disabled));
    await encryptAndDecrypt(kms, keyId, 'with the key disabled');
    phase('key: enable again', await kmsKeys.update(disabled, key));
    await encryptAndDecrypt(kms, keyId, 'with the key enabled again');

    let current: Record<string, unknown> = { ...properties, KeyStoreId: keyStoreId };
    for (const [name, change] of [
        ['key store: rename', { KeyStoreName: 'payments-keys-v2' }],
        ['key store: rotate kmsuser', { KmsUserPasswordVersion: 2 }],
    ] as const) {
        const desired = { ...current, ...change };
        phase(name, await keyStores.update(current, desired));
        current = desired;
    }
    const refused = phase('key store: delete (key live)', await keyStores.delete({ ...current }), 'FAILED');
    console.log(`    refused as it should be: ${refused.errorCode}`);

    console.log(`\nThe stack's delete, in CloudFormation's order (key, key store, cluster):`);
    phase('key: delete', await kmsKeys.delete(key));
    console.log(`    ${keyId} ${aws.emulator.state.kmsKeys.get(keyId)?.deletionDate ? `PendingDeletion for ${KEY_WAITING_PERIOD_DAYS} days` : 'not pending deletion'}`);
    phase('key store: delete', await keyStores.delete({ ...current }));
    const retired = aws.emulator.state.keyStores.get(keyStoreId);
    console.log(`    ${keyStoreId} retired: "${retired?.name}", ${retired?.connectionState}, until KMS has deleted its key`);
    kms.destroy();
    return current;
}

async function encryptAndDecrypt(kms: KMSClient, keyId: string, when: string): Promise<void> {
    try {
        const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('npm start') }));
        const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
        console.log(`    encrypt/decrypt ${when}: "${Buffer.from(decrypted.Plaintext!).toString()}"`);
    } catch (err) {
        console.log(`    encrypt ${when}: refused, ${(err as Error).name}`);
    }
}

/** What the stack's delete left, then the clock past the key's waiting period, and the next key store delete. */
async function afterTheWaitingPeriod(aws: LocalAws, keyStores: ReturnType<LocalAws['driver']>, phase: Phase, keyStore: Record<string, unknown>): Promise<void> {
    const state = aws.emulator.state;
    const stays = [
        ...[...state.keyStores.values()].map((s) => `key store ${s.customKeyStoreId} "${s.name}" ${s.connectionState}`),
        ...[...state.kmsKeys.values()].map((k) => `KMS key ${k.keyId} pending deletion until ${new Date((k.deletionDate ?? 0) * 1000).toISOString().slice(0, 10)}`),
    ];
    console.log(`\nStays after the stack's delete, by design: ${stays.join('; ') || 'nothing'}`);
    aws.clock.advance(KEY_WAITING_PERIOD_DAYS * 24 * 3600 + 60);
    aws.emulator.settle();
    console.log(`The clock moves ${KEY_WAITING_PERIOD_DAYS} days on: KMS has deleted the key (${state.kmsKeys.size} KMS key(s) left). The next key store delete removes the retired store:`);
    phase('key store: delete again', await keyStores.delete({ ...keyStore }), 'FAILED');
    console.log(`    NotFound for CloudFormation (the resource was deleted); key stores left in KMS: ${state.keyStores.size}`);
}

async function reportLeftovers(aws: LocalAws, failures: string[]): Promise<void> {
    // Backups that CloudHSM was still taking finish first.
    aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
    aws.emulator.settle();
    const kept = leftovers(aws.emulator.state);
    console.log(`\nKept by design for restores from backup: ${[...kept.backups, ...kept.secrets].join(', ') || 'nothing'}`);
    const cloudhsm = new CloudHSMV2Client(clientSettings(aws));
    const secrets = new SecretsManagerClient(clientSettings(aws));
    for (const backupId of kept.backups) await cloudhsm.send(new DeleteBackupCommand({ BackupId: backupId }));
    for (const name of kept.secrets) await secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    aws.clock.advance(8 * 24 * 3600);
    aws.emulator.settle();
    const after = leftovers(aws.emulator.state);
    const remaining = [...after.clusters, ...after.hsms, ...after.rules, ...after.secrets, ...after.backups, ...after.keyStores, ...after.kmsKeys];
    if (remaining.length) {
        failures.push('cleanup');
        console.log(`Left behind: ${remaining.join(', ')}`);
    } else {
        console.log('After removing those as a user decommissioning would (DeleteBackup, DeleteSecret): nothing is left in the emulator.');
    }
}

const clientSettings = (aws: LocalAws) => ({ endpoint: aws.emulator.endpoint, region: aws.emulator.state.region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'local' } });

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
