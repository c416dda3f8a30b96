/**
 * The resource model of Community::CloudHsm::Cluster, mirroring schema.json property for
 * property (same names, so there is no mapping layer). Every property needs @Expose: the library deserializes
 * with `excludeExtraneousValues`.
 */
import { BaseModel } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { Expose, Transform, Type } from 'class-transformer';
import { toInteger } from '../../shared/registry/coerce';
import schema from '../schema.json';

export class Tag {
    @Expose() Key?: string;
    @Expose() Value?: string;
}

export class HsmSummary {
    @Expose() HsmId?: string;
    @Expose() AvailabilityZone?: string;
    @Expose() SubnetId?: string;
    @Expose() EniIp?: string;
    @Expose() EniIpV6?: string;
    @Expose() State?: string;
}

export type CertificateAuthorityMode = 'SELF_SIGNED' | 'EXTERNAL';

export class ClusterModel extends BaseModel {
    public static readonly TYPE_NAME: string = schema.typeName;

    @Expose() ClusterId?: string;
    @Expose() SubnetIds?: string[];
    @Expose() HsmType?: string;
    @Expose() Mode?: string;
    @Expose() NetworkType?: string;
    @Expose() @Transform(toInteger, { toClassOnly: true }) HsmsPerSubnet?: number;
    @Expose() @Transform(toInteger, { toClassOnly: true }) BackupRetentionDays?: number;
    @Expose() SourceBackupId?: string;
    @Expose() CertificateAuthority?: string;
    @Expose() ExternalClusterCertificate?: string;
    @Expose() ExternalTrustAnchor?: string;
    @Expose() ManagementInstanceId?: string;
    @Expose() SecretsKmsKeyId?: string;
    @Expose() @Transform(toInteger, { toClassOnly: true }) AdminPasswordVersion?: number;
    @Expose() MtlsTrustAnchors?: string[];
    @Expose() SourceAdminSecretArn?: string;
    @Expose() SourceTrustAnchorSecretArn?: string;
    @Expose() ImportedAdminSecretArn?: string;
    @Expose() ImportedTrustAnchorSecretArn?: string;
    @Expose() @Type(() => Tag) Tags?: Tag[];

    @Expose() State?: string;
    @Expose() VpcId?: string;
    @Expose() SecurityGroupId?: string;
    @Expose() @Type(() => HsmSummary) Hsms?: HsmSummary[];
    @Expose() ClusterCsr?: string;
    @Expose() TrustAnchorCertificate?: string;
    @Expose() AdminSecretArn?: string;
    @Expose() TrustAnchorSecretArn?: string;
}
