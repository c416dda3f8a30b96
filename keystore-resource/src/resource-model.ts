/** The resource model of Community::CloudHsm::KeyStore, property for property as in schema.json. */
import { BaseModel } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { Expose, Transform } from 'class-transformer';
import { toInteger } from '../../shared/registry/coerce';
import schema from '../schema.json';

export class KeyStoreModel extends BaseModel {
    public static readonly TYPE_NAME: string = schema.typeName;

    @Expose() KeyStoreId?: string;
    @Expose() KeyStoreName?: string;
    @Expose() ClusterId?: string;
    @Expose() TrustAnchorCertificate?: string;
    @Expose() AdminSecretArn?: string;
    @Expose() ManagementInstanceId?: string;
    @Expose() SecretsKmsKeyId?: string;
    @Expose() DesiredConnectionState?: string;
    @Expose() @Transform(toInteger, { toClassOnly: true }) KmsUserPasswordVersion?: number;

    @Expose() ConnectionState?: string;
    @Expose() ConnectionErrorCode?: string;
    @Expose() KmsUserSecretArn?: string;
    @Expose() CreationDate?: string;
}
