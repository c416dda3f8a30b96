/**
 * The CloudHSM v2 response shapes, member for member as the API reference (and the SDK deserializer) names
 * them. Members without a value are left out, as AWS does; timestamps are epoch seconds.
 */
import { Backup, Cluster, Hsm } from '../state';
import { tagListOf } from './cloudhsm-rules';

export function wireHsm(hsm: Hsm, hsmType: string): Record<string, unknown> {
    return {
        AvailabilityZone: hsm.availabilityZone,
        ClusterId: hsm.clusterId,
        SubnetId: hsm.subnetId,
        EniId: hsm.eniId,
        EniIp: hsm.eniIp,
        ...(hsm.eniIpV6 ? { EniIpV6: hsm.eniIpV6 } : {}),
        HsmId: hsm.hsmId,
        HsmType: hsm.hsmType ?? hsmType,
        State: hsm.state,
        ...(hsm.stateMessage ? { StateMessage: hsm.stateMessage } : {}),
    };
}

/**
 * The CSR is published only while the cluster waits for initialization and its first HSM has made the key;
 * the cluster certificate only once initialization has been accepted.
 */
function wireCertificates(cluster: Cluster): Record<string, string> {
    const certificates: Record<string, string> = {};
    if (cluster.state === 'UNINITIALIZED' && cluster.pki?.csrPem) certificates.ClusterCsr = cluster.pki.csrPem;
    if (cluster.state !== 'UNINITIALIZED' && cluster.pki?.clusterCertificatePem) {
        certificates.ClusterCertificate = cluster.pki.clusterCertificatePem;
    }
    return certificates;
}

export function wireCluster(cluster: Cluster): Record<string, unknown> {
    return {
        BackupPolicy: 'DEFAULT',
        BackupRetentionPolicy: { Type: 'DAYS', Value: String(cluster.backupRetentionDays) },
        Certificates: wireCertificates(cluster),
        ClusterId: cluster.clusterId,
        CreateTimestamp: cluster.createTimestamp,
        Hsms: cluster.hsms.map((hsm) => wireHsm(hsm, cluster.hsmType)),
        HsmType: cluster.hsmType,
        ...(cluster.hsmTypeRollbackExpiration !== undefined ? { HsmTypeRollbackExpiration: cluster.hsmTypeRollbackExpiration } : {}),
        Mode: cluster.mode,
        NetworkType: cluster.networkType,
        SecurityGroup: cluster.securityGroup,
        ...(cluster.sourceBackupId ? { SourceBackupId: cluster.sourceBackupId } : {}),
        State: cluster.state,
        ...(cluster.stateMessage ? { StateMessage: cluster.stateMessage } : {}),
        SubnetMapping: { ...cluster.subnetMapping },
        VpcId: cluster.vpcId,
        ...(Object.keys(cluster.tags).length > 0 ? { TagList: tagListOf(cluster.tags) } : {}),
    };
}

export function backupArn(region: string, accountId: string, backupId: string): string {
    return `arn:aws:cloudhsm:${region}:${accountId}:backup/${backupId}`;
}

export function wireBackup(backup: Backup, region: string, accountId: string): Record<string, unknown> {
    return {
        BackupId: backup.backupId,
        BackupArn: backupArn(region, accountId, backup.backupId),
        BackupState: backup.state,
        ClusterId: backup.clusterId,
        CreateTimestamp: backup.createTimestamp,
        ...(backup.deleteTimestamp !== undefined ? { DeleteTimestamp: backup.deleteTimestamp } : {}),
        HsmType: backup.hsmType,
        Mode: backup.mode,
        NeverExpires: backup.neverExpires,
        ...(Object.keys(backup.tags).length > 0 ? { TagList: tagListOf(backup.tags) } : {}),
    };
}
