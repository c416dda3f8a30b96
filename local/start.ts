/**
 * `npm start`: the complete stack on the embedded emulator, through the same entrypoints and the same
 * CloudFormation protocol a user's stack takes:
 *
 *   cluster create (2 subnets, 1 HSM each, self-signed CA, management instance) → read
 *   → key store create → a KMS key in it → rename → rotate the kmsuser password
 *   → key store delete, refused while the key exists, done after the key is scheduled and removed
 *   → cluster update (grow, shrink to 0, grow back at the same addresses) → list → cluster delete
 *
 * then a check that nothing is left.
 */
import { CloudHSMV2Client, DeleteBackupCommand } from '@aws-sdk/client-cloudhsm-v2';
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import keyStoreSchema from '../keystore-resource/schema.json';
import { entrypoint as keyStoreEntrypoint } from '../keystore-resource/src/handlers';
import { OperationReport } from './driver/driver';
import { leftovers } from './leftovers';
import { describeOperation } from './report';
import { LocalAws, startLocalAws } from './runtime';

const KEY_WAITING_PERIOD_DAYS = 7;

async function main(): Promise<void> {
    const aws = await startLocalAws();
    const clusters = aws.driver({ entrypoint: clusterEntrypoint, schema: clusterSchema }, { logicalResourceId: 'Cluster' });
    const keyStores = aws.driver({ entrypoint: keyStoreEntrypoint, schema: keyStoreSchema }, { logicalResourceId: 'KeyStore' });
    const failures: string[] = [];
    const phase = (name: string, report: OperationReport, expected: 'SUCCESS' | 'FAILED' = 'SUCCESS') => {
        console.log(describeOperation(name, report));
        if (report.status !== expected) failures.push(name);
        return report;
    };
    try {
        console.log(`${clusterSchema.typeName} and ${keyStoreSchema.typeName} on the local emulator (${aws.emulator.endpoint}); times are emulated.\n`);
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

        await keyStoreLifecycle(aws, keyStores, phase, cluster);

        let current: Record<string, unknown> = { ...clusterProperties, ClusterId: cluster.ClusterId };
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

        await reportLeftovers(aws, failures);
    } finally {
        await aws.stop();
    }
    if (failures.length) {
        console.log(`\nFailed: ${failures.join(', ')}`);
        process.exitCode = 1;
    }
}

/** `, at 10.0.1.4 10.0.1.5 …` (sorted), or nothing without HSMs. */
function hsmAddresses(model: Record<string, unknown> | undefined): string {
    const addresses = ((model?.Hsms as Array<{ EniIp: string }> | undefined) ?? []).map((h) => h.EniIp).sort();
    return addresses.length ? `, at ${addresses.join(' ')}` : '';
}

type Phase = (name: string, report: OperationReport, expected?: 'SUCCESS' | 'FAILED') => OperationReport;

async function keyStoreLifecycle(aws: LocalAws, keyStores: ReturnType<LocalAws['driver']>, phase: Phase, cluster: Record<string, unknown>): Promise<void> {
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

    const kms = new KMSClient(clientSettings(aws));
    const key = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: keyStoreId, Description: 'npm start' }));
    const keyId = key.KeyMetadata!.KeyId!;
    console.log(`KMS key ${keyId} created in ${keyStoreId} (directly against the emulator)`);

    let current: Record<string, unknown> = { ...properties, KeyStoreId: keyStoreId };
    for (const [name, change] of [
        ['key store: rename', { KeyStoreName: 'payments-keys-v2' }],
        ['key store: rotate kmsuser', { KmsUserPasswordVersion: 2 }],
    ] as const) {
        const desired = { ...current, ...change };
        phase(name, await keyStores.update(current, desired));
        current = desired;
    }
    const refused = phase('key store: delete (key left)', await keyStores.delete({ ...current }), 'FAILED');
    console.log(`    refused as it should be: ${refused.errorCode}`);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: KEY_WAITING_PERIOD_DAYS }));
    console.log(`KMS key ${keyId} scheduled for deletion in ${KEY_WAITING_PERIOD_DAYS} days; the clock moves on past it`);
    aws.clock.advance(KEY_WAITING_PERIOD_DAYS * 24 * 3600 + 60);
    aws.emulator.settle();
    phase('key store: delete', await keyStores.delete({ ...current }));
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
