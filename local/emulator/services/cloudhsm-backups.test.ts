import {
    CreateClusterCommand,
    CreateHsmCommand,
    DeleteBackupCommand,
    DeleteClusterCommand,
    DeleteHsmCommand,
    DescribeBackupsCommand,
    ListTagsCommand,
    ModifyBackupAttributesCommand,
    ModifyClusterCommand,
    RestoreBackupCommand,
    TagResourceCommand,
} from '@aws-sdk/client-cloudhsm-v2';
import {
    CloudHsmHarness,
    activateCluster,
    addCryptoUser,
    addWireMembers,
    advance,
    clusterOf,
    createInitializedCluster,
    describeCluster,
    failureOf,
    rawCall,
    startCloudHsm,
    stopCloudHsm,
} from './cloudhsm-test-fixtures';

let h: CloudHsmHarness;
beforeEach(async () => {
    h = await startCloudHsm();
});
afterEach(async () => {
    await stopCloudHsm(h);
});

const day = 24 * 3600;

async function backupsOf(clusterId: string) {
    const { Backups } = await h.client.send(new DescribeBackupsCommand({ Filters: { clusterIds: [clusterId] }, SortAscending: true }));
    return Backups!;
}

/** An ACTIVE cluster whose admin is activated, with all backups so far READY. */
async function activeCluster() {
    const initialized = await createInitializedCluster(h);
    activateCluster(h, initialized.clusterId, 'admin-password-1');
    advance(h, h.durations.backupCreateSeconds);
    return initialized;
}

describe('automatic backups', () => {
    test('changes to an initialized cluster are backed up, one backup in flight at a time', async () => {
        const { clusterId } = await createInitializedCluster(h);
        expect(await backupsOf(clusterId)).toEqual([]);

        activateCluster(h, clusterId, 'admin-password-1');
        addCryptoUser(h, clusterId, 'kmsuser', 'kms-password-1');
        const first = await backupsOf(clusterId);
        expect(first).toEqual([expect.objectContaining({ BackupState: 'CREATE_IN_PROGRESS', ClusterId: clusterId, NeverExpires: false })]);
        expect(first[0].BackupId).toMatch(/^backup-[2-7a-z]{11}$/);

        advance(h, h.durations.backupCreateSeconds);
        expect((await backupsOf(clusterId)).map((b) => b.BackupState)).toEqual(['READY', 'CREATE_IN_PROGRESS']);
        advance(h, h.durations.backupCreateSeconds);
        const settled = await backupsOf(clusterId);
        expect(settled.map((b) => b.BackupState)).toEqual(['READY', 'READY']);

        const users = (backupId: string) => h.emulator.state.backups.get(backupId)!.users.map((u) => `${u.username}:${u.role}`);
        expect(users(settled[0].BackupId!)).toEqual(['admin:admin']);
        expect(users(settled[1].BackupId!)).toEqual(['admin:admin', 'kmsuser:crypto-user']);

        const { json } = await rawCall(h.emulator.endpoint, 'DescribeBackups', { Filters: { backupIds: [settled[0].BackupId] } });
        expect(json.Backups[0]).toMatchObject({
            BackupArn: `arn:aws:cloudhsm:us-east-1:123456789012:backup/${settled[0].BackupId}`,
            HsmType: 'hsm2m.medium',
            Mode: 'FIPS',
        });
        expect(typeof json.Backups[0].CreateTimestamp).toBe('number');
    });

    test('adding and removing HSMs is backed up', async () => {
        const { clusterId, firstHsmId } = await activeCluster();
        const before = (await backupsOf(clusterId)).length;
        await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
        advance(h, h.durations.hsmCreateSeconds);
        expect((await backupsOf(clusterId)).length).toBe(before + 1);
        advance(h, h.durations.backupCreateSeconds);
        await h.client.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: firstHsmId }));
        advance(h, h.durations.hsmDeleteSeconds);
        expect((await backupsOf(clusterId)).length).toBe(before + 2);
    });

    test('a daily backup is taken; backups older than the retention period expire, except the latest and NeverExpires ones', async () => {
        const { clusterId } = await activeCluster();
        await h.client.send(new ModifyClusterCommand({ ClusterId: clusterId, BackupRetentionPolicy: { Type: 'DAYS', Value: '7' } }));
        const [firstBackup] = await backupsOf(clusterId);
        const kept = await h.client.send(new ModifyBackupAttributesCommand({ BackupId: firstBackup.BackupId, NeverExpires: true }));
        expect(kept.Backup!.NeverExpires).toBe(true);

        advance(h, day + h.durations.backupCreateSeconds);
        expect(await backupsOf(clusterId)).toHaveLength(2);
        for (let i = 0; i < 10; i++) advance(h, day);

        const backups = await backupsOf(clusterId);
        expect(backups[0].BackupId).toBe(firstBackup.BackupId);
        const expiring = backups.slice(1);
        const oldestAllowedMs = h.clock.now() - 7 * day * 1000 - day * 1000;
        expect(expiring.length).toBeGreaterThanOrEqual(7);
        expect(expiring.length).toBeLessThanOrEqual(9);
        for (const backup of expiring) expect(backup.CreateTimestamp!.getTime()).toBeGreaterThan(oldestAllowedMs);
        const never = await h.client.send(new DescribeBackupsCommand({ Filters: { neverExpires: ['true'] } }));
        expect(never.Backups!.map((b) => b.BackupId)).toEqual([firstBackup.BackupId]);
    });
});

describe('DescribeBackups', () => {
    test('filters, sorts and pages', async () => {
        const a = (await activeCluster()).clusterId;
        const b = (await activeCluster()).clusterId;
        for (const username of ['u1', 'u2']) {
            addCryptoUser(h, a, username, 'password-123');
            advance(h, h.durations.backupCreateSeconds);
        }
        const ofA = await backupsOf(a);
        expect(ofA).toHaveLength(3);
        expect((await backupsOf(b)).map((x) => x.ClusterId)).toEqual([b]);

        const all = await h.client.send(new DescribeBackupsCommand({}));
        const times = all.Backups!.map((x) => x.CreateTimestamp!.getTime());
        expect(times).toEqual([...times].sort((x, y) => y - x));
        expect(all.Backups).toHaveLength(4);

        const paged: string[] = [];
        let token: string | undefined;
        do {
            const page = await h.client.send(new DescribeBackupsCommand({ MaxResults: 3, NextToken: token, SortAscending: true }));
            expect(page.Backups!.length).toBeLessThanOrEqual(3);
            paged.push(...page.Backups!.map((x) => x.BackupId!));
            token = page.NextToken;
        } while (token);
        expect(paged).toEqual([...all.Backups!].reverse().map((x) => x.BackupId));

        const byId = await h.client.send(new DescribeBackupsCommand({ Filters: { backupIds: [ofA[1].BackupId!], states: ['READY'] } }));
        expect(byId.Backups!.map((x) => x.BackupId)).toEqual([ofA[1].BackupId]);
        const copies = await h.client.send(new DescribeBackupsCommand({ Filters: { sourceBackupIds: [ofA[0].BackupId!] } }));
        expect(copies.Backups).toEqual([]);
        expect((await failureOf(h.client.send(new DescribeBackupsCommand({ MaxResults: 51 })))).message).toMatch(/at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50/);
        expect((await failureOf(h.client.send(new DescribeBackupsCommand({ Filters: { owner: ['me'] } })))).name).toBe(
            'CloudHsmInvalidRequestException',
        );
    });
});

describe('DeleteBackup and RestoreBackup', () => {
    test('a deleted backup is restorable for 7 days, then gone', async () => {
        const { clusterId } = await activeCluster();
        const [backup] = await backupsOf(clusterId);
        await h.client.send(new TagResourceCommand({ ResourceId: backup.BackupId, TagList: [{ Key: 'purpose', Value: 'test' }] }));
        expect((await h.client.send(new ListTagsCommand({ ResourceId: backup.BackupId }))).TagList).toEqual([{ Key: 'purpose', Value: 'test' }]);

        const deleted = await h.client.send(new DeleteBackupCommand({ BackupId: backup.BackupId }));
        expect(deleted.Backup!.BackupState).toBe('PENDING_DELETION');
        expect(Math.abs(deleted.Backup!.DeleteTimestamp!.getTime() - (h.clock.now() + 7 * day * 1000))).toBeLessThan(5000);
        expect((await failureOf(h.client.send(new DeleteBackupCommand({ BackupId: backup.BackupId })))).name).toBe(
            'CloudHsmInvalidRequestException',
        );
        const restorable = await failureOf(h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1'], SourceBackupId: backup.BackupId })));
        expect(restorable.message).toMatch(/only READY backups/);

        const restored = await h.client.send(new RestoreBackupCommand({ BackupId: backup.BackupId }));
        expect(restored.Backup!.BackupState).toBe('READY');
        expect(restored.Backup!.DeleteTimestamp).toBeUndefined();
        expect((await failureOf(h.client.send(new RestoreBackupCommand({ BackupId: backup.BackupId })))).message).toMatch(/PENDING_DELETION/);

        await h.client.send(new DeleteBackupCommand({ BackupId: backup.BackupId }));
        advance(h, h.durations.backupPendingDeletionSeconds);
        const { Backups } = await h.client.send(new DescribeBackupsCommand({ Filters: { backupIds: [backup.BackupId!] } }));
        expect(Backups).toEqual([]);
        expect((await failureOf(h.client.send(new RestoreBackupCommand({ BackupId: backup.BackupId })))).name).toBe(
            'CloudHsmResourceNotFoundException',
        );
    });

    test('a backup being created cannot be deleted', async () => {
        const { clusterId } = await createInitializedCluster(h);
        activateCluster(h, clusterId, 'admin-password-1');
        const [backup] = await backupsOf(clusterId);
        const error = await failureOf(h.client.send(new DeleteBackupCommand({ BackupId: backup.BackupId })));
        expect(error.message).toMatch(/CREATE_IN_PROGRESS/);
    });
});

describe('restoring a cluster from a backup', () => {
    test('the last state of a deleted cluster is backed up and a restored cluster comes back ACTIVE with its users', async () => {
        const original = await activeCluster();
        await h.client.send(new DeleteHsmCommand({ ClusterId: original.clusterId, HsmId: original.firstHsmId }));
        advance(h, h.durations.hsmDeleteSeconds);
        // A user change while the HSM-removal backup is being taken, then deletion: the final state must still be kept.
        addCryptoUser(h, original.clusterId, 'kmsuser', 'kms-password-1');
        await h.client.send(new DeleteClusterCommand({ ClusterId: original.clusterId }));
        advance(h, h.durations.backupCreateSeconds);
        advance(h, h.durations.backupCreateSeconds);
        expect((await describeCluster(h, original.clusterId)).State).toBe('DELETED');
        const backups = await backupsOf(original.clusterId);
        expect(backups.every((b) => b.BackupState === 'READY')).toBe(true);
        const last = backups[backups.length - 1];
        expect(h.emulator.state.backups.get(last.BackupId!)!.users.map((u) => u.username)).toEqual(['admin', 'kmsuser']);

        const arn = `arn:aws:cloudhsm:us-east-1:123456789012:backup/${last.BackupId}`;
        const { Cluster } = await h.client.send(
            new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0ccccccccccccccc3'], SourceBackupId: arn }),
        );
        const clusterId = Cluster!.ClusterId!;
        expect(Cluster).toMatchObject({ State: 'CREATE_IN_PROGRESS', SourceBackupId: last.BackupId });
        advance(h, h.durations.clusterRestoreSeconds - 5);
        expect((await describeCluster(h, clusterId)).State).toBe('CREATE_IN_PROGRESS');
        advance(h, 5);
        const restored = await describeCluster(h, clusterId);
        expect(restored.State).toBe('ACTIVE');
        expect(restored.Certificates).toEqual({ ClusterCertificate: original.signedCertPem });

        const cluster = clusterOf(h, clusterId);
        expect(cluster.users.map((u) => ({ username: u.username, role: u.role, password: u.password, hsmIds: u.hsmIds }))).toEqual([
            { username: 'admin', role: 'admin', password: 'admin-password-1', hsmIds: [] },
            { username: 'kmsuser', role: 'crypto-user', password: 'kms-password-1', hsmIds: [] },
        ]);
        expect(cluster.pki!.trustAnchorPem).toBe(original.trustAnchorPem);
        expect(h.service.backupLineage(clusterId)).toBe(original.clusterId);
        expect(h.service.backupLineage(original.clusterId)).toBe(original.clusterId);

        const { Hsm } = await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1c' }));
        advance(h, h.durations.hsmCreateSeconds);
        expect(cluster.users.map((u) => u.hsmIds)).toEqual([[Hsm!.HsmId], [Hsm!.HsmId]]);
        const [ownBackup] = await backupsOf(clusterId);
        expect(h.emulator.state.backups.get(ownBackup.BackupId!)!.lineage).toBe(original.clusterId);
    });

    test('a restored cluster keeps the mode of its backup', async () => {
        const { clusterId } = await activeCluster();
        const [backup] = await backupsOf(clusterId);
        addWireMembers(h.client, { Mode: 'NON_FIPS' }, 'CreateCluster');
        const error = await failureOf(
            h.client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0ccccccccccccccc3'], SourceBackupId: backup.BackupId })),
        );
        expect(error.name).toBe('CloudHsmInvalidRequestException');
        expect(error.message).toMatch(/keeps the mode of its backup/);
    });
});

describe('HSM failure', () => {
    test('AWS replaces a failed HSM: new ID, same ENI, one HSM more until the replacement is ACTIVE', async () => {
        const { clusterId, firstHsmId } = await activeCluster();
        await h.client.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
        advance(h, h.durations.hsmCreateSeconds + h.durations.backupCreateSeconds);
        const failedEni = clusterOf(h, clusterId).hsms[0];
        const backupsBefore = (await backupsOf(clusterId)).length;

        const replacementId = h.service.failHsm(clusterId, firstHsmId)!;
        const during = (await describeCluster(h, clusterId)).Hsms!;
        expect(during).toHaveLength(3);
        expect(during.find((x) => x.HsmId === firstHsmId)!.State).toBe('DEGRADED');
        expect(during.find((x) => x.HsmId === replacementId)).toMatchObject({
            State: 'CREATE_IN_PROGRESS',
            EniId: failedEni.eniId,
            EniIp: failedEni.eniIp,
        });

        advance(h, h.durations.hsmCreateSeconds);
        const after = (await describeCluster(h, clusterId)).Hsms!;
        expect(after.map((x) => x.HsmId)).not.toContain(firstHsmId);
        expect(after.find((x) => x.HsmId === replacementId)!.State).toBe('ACTIVE');
        for (const user of clusterOf(h, clusterId).users) {
            expect(user.hsmIds).toContain(replacementId);
            expect(user.hsmIds).not.toContain(firstHsmId);
        }
        expect((await backupsOf(clusterId)).length).toBe(backupsBefore + 1);
    });

    test('without replacement the HSM stays DEGRADED', async () => {
        const { clusterId, firstHsmId } = await activeCluster();
        expect(h.service.failHsm(clusterId, firstHsmId, { replace: false })).toBeUndefined();
        advance(h, h.durations.hsmCreateSeconds);
        expect((await describeCluster(h, clusterId)).Hsms).toEqual([expect.objectContaining({ HsmId: firstHsmId, State: 'DEGRADED' })]);
    });
});
