/**
 * `npm start`: the cluster's whole lifecycle on the embedded emulator, through the same entrypoint and the
 * same CloudFormation protocol a user's stack takes. Create (2 subnets, self-signed CA, management instance)
 * → read → update (grow, shrink to 0, grow back) → list → delete, then a check that nothing is left.
 */
import { DeleteBackupCommand, DescribeBackupsCommand, CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint } from '../cluster-resource/src/handlers';
import { OperationReport } from './driver/driver';
import { leftovers } from './leftovers';
import { describeOperation } from './report';
import { startLocalAws } from './runtime';

async function main(): Promise<void> {
    const aws = await startLocalAws();
    const driver = aws.driver({ entrypoint, schema: clusterSchema }, { logicalResourceId: 'Cluster' });
    const failures: string[] = [];
    const phase = (name: string, report: OperationReport) => {
        console.log(describeOperation(name, report));
        if (report.status !== 'SUCCESS') failures.push(name);
        return report;
    };
    try {
        console.log(`${clusterSchema.typeName} on the local emulator (${aws.emulator.endpoint}); times are emulated.\n`);
        const properties = {
            SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
            HsmsPerSubnet: 1,
            ManagementInstanceId: aws.network.managementInstanceId,
            Tags: [{ Key: 'team', Value: 'platform' }],
        };
        const created = phase('create', await driver.create(properties));
        if (created.status !== 'SUCCESS') throw new Error('create failed');
        const model = created.model!;
        console.log(`    cluster ${model.ClusterId} ${model.State} with HSMs ${(model.Hsms as Array<{ HsmId: string; AvailabilityZone: string }>).map((h) => `${h.HsmId}@${h.AvailabilityZone}`).join(', ')}`);
        phase('read', await driver.read({ ClusterId: model.ClusterId }));
        let current: Record<string, unknown> = { ...properties, ClusterId: model.ClusterId };
        for (const [name, hsmsPerSubnet] of [['update: grow to 2 per subnet', 2], ['update: shrink to 0', 0], ['update: grow back to 1', 1]] as const) {
            const desired = { ...current, HsmsPerSubnet: hsmsPerSubnet };
            const updated = phase(name, await driver.update(current, desired));
            console.log(`    HSMs now: ${(updated.model?.Hsms as unknown[] | undefined)?.length ?? 0}`);
            current = desired;
        }
        const listed = phase('list', await driver.list());
        console.log(`    listed: ${(listed.models ?? []).map((m) => m.ClusterId).join(', ')}`);
        phase('delete', await driver.delete({ ...current }));

        // Backups that CloudHSM was still taking finish first.
        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        aws.emulator.settle();
        const kept = leftovers(aws.emulator.state);
        console.log(`\nKept by design for restores from backup: ${[...kept.backups, ...kept.secrets].join(', ') || 'nothing'}`);
        await decommission(aws.emulator.endpoint, aws.emulator.state.region, kept);
        aws.clock.advance(8 * 24 * 3600);
        aws.emulator.settle();
        const after = leftovers(aws.emulator.state);
        const remaining = [...after.clusters, ...after.hsms, ...after.rules, ...after.secrets, ...after.backups];
        if (remaining.length) {
            failures.push('cleanup');
            console.log(`Left behind: ${remaining.join(', ')}`);
        } else {
            console.log('After removing those as a user decommissioning would (DeleteBackup, DeleteSecret): nothing is left in the emulator.');
        }
    } finally {
        await aws.stop();
    }
    if (failures.length) {
        console.log(`\nFailed: ${failures.join(', ')}`);
        process.exitCode = 1;
    }
}

async function decommission(endpoint: string, region: string, kept: { backups: string[]; secrets: string[] }): Promise<void> {
    const settings = { endpoint, region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'local' } };
    const cloudhsm = new CloudHSMV2Client(settings);
    const secrets = new SecretsManagerClient(settings);
    for (const backupId of kept.backups) await cloudhsm.send(new DeleteBackupCommand({ BackupId: backupId }));
    for (const name of kept.secrets) await secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    const pending = await cloudhsm.send(new DescribeBackupsCommand({}));
    if (pending.Backups?.some((b) => b.BackupState === 'READY')) throw new Error('a backup is still READY');
}

main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
});
