/**
 * The member constraints of the cloudhsmv2 API model (botocore `cloudhsmv2/2017-04-28/service-2.json`), per
 * operation, as the model declares them. model-constraints.ts checks them before the operation runs.
 */
import { Constraint, MemberConstraints } from './model-constraints';

const clusterId: Constraint = { pattern: 'cluster-[2-7a-zA-Z]{11,16}' };
const backupId: Constraint = { pattern: 'backup-[2-7a-zA-Z]{11,16}' };
const resourceId: Constraint = { pattern: '(?:cluster|backup)-[2-7a-zA-Z]{11,16}' };
const ipAddress: Constraint = { pattern: '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}' };
const hsmType: Constraint = { max: 32, pattern: '((p|)hsm[0-9][a-z.]*\\.[a-zA-Z]+)' };
const cert: Constraint = { max: 20000, pattern: '[a-zA-Z0-9+-/=\\s]*' };
const backupRetentionPolicy: Constraint = { members: { Type: { enum: ['DAYS'] }, Value: { min: 1, max: 3, pattern: '[0-9]+' } } };
const nextToken: Constraint = { max: 256, pattern: '.*' };
const filters: Constraint = { max: 30, key: { pattern: '[a-zA-Z0-9_-]+' } };
/** Tag keys and values keep their own checks (CloudHsmTagException) in cloudhsm-rules.ts: tagsFrom. */
const tagList: Constraint = { min: 1, max: 50 };

export const cloudHsmConstraints: Readonly<Record<string, MemberConstraints>> = {
    CreateCluster: {
        BackupRetentionPolicy: backupRetentionPolicy,
        HsmType: hsmType,
        SourceBackupId: {
            pattern:
                '^(arn:aws(-(us-gov))?:cloudhsm:([a-z]{2}(-(gov|isob|iso))?-(east|west|north|south|central){1,2}-[0-9]{1}):[0-9]{12}:backup/)?backup-[2-7a-zA-Z]{11,16}',
        },
        SubnetIds: { min: 1, max: 10, member: { pattern: 'subnet-[0-9a-fA-F]{8,17}' } },
        NetworkType: { enum: ['IPV4', 'DUALSTACK'] },
        TagList: tagList,
        Mode: { enum: ['FIPS', 'NON_FIPS'] },
    },
    DescribeClusters: { Filters: filters, NextToken: nextToken, MaxResults: { min: 1, max: 25 } },
    DeleteCluster: { ClusterId: clusterId },
    InitializeCluster: { ClusterId: clusterId, SignedCert: cert, TrustAnchor: cert },
    ModifyCluster: { HsmType: hsmType, BackupRetentionPolicy: backupRetentionPolicy, ClusterId: clusterId },
    CreateHsm: {
        ClusterId: clusterId,
        AvailabilityZone: { pattern: '[a-z]{2}(-(gov))?-(east|west|north|south|central){1,2}-\\d[a-z]' },
        IpAddress: ipAddress,
    },
    DeleteHsm: { ClusterId: clusterId, HsmId: { pattern: 'hsm-[2-7a-zA-Z]{11,16}' }, EniId: { pattern: 'eni-[0-9a-fA-F]{8,17}' }, EniIp: ipAddress },
    DescribeBackups: { NextToken: nextToken, MaxResults: { min: 1, max: 50 }, Filters: filters },
    DeleteBackup: { BackupId: backupId },
    RestoreBackup: { BackupId: backupId },
    ModifyBackupAttributes: { BackupId: backupId },
    TagResource: { ResourceId: resourceId, TagList: tagList },
    UntagResource: { ResourceId: resourceId, TagKeyList: { min: 1, max: 50 } },
    ListTags: { ResourceId: resourceId, NextToken: nextToken, MaxResults: { min: 1, max: 100 } },
};
