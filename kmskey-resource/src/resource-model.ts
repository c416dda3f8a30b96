/**
 * The resource model of Community::CloudHsm::KmsKey, property for property as in schema.json. Hand-written (the
 * cfn CLI's `cfn generate` overwrites src/models.ts): CloudFormation sends primitives as strings, which the
 * transforms turn into the schema's types so that validation can name a value that is still wrong.
 */
import { BaseModel } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { Expose, Transform, Type } from 'class-transformer';
import { toBoolean, toInteger } from '../../shared/registry/coerce';
import schema from '../schema.json';

export class KeyTag {
    @Expose() Key?: string;
    @Expose() Value?: string;
}

export class KmsKeyModel extends BaseModel {
    public static readonly TYPE_NAME: string = schema.typeName;

    @Expose() KeyId?: string;
    @Expose() Arn?: string;
    @Expose() CustomKeyStoreId?: string;
    @Expose() Description?: string;
    @Expose() @Transform(toBoolean, { toClassOnly: true }) Enabled?: boolean;
    /** A JSON object or a JSON string; read returns the object. */
    @Expose() KeyPolicy?: unknown;
    @Expose() @Transform(toInteger, { toClassOnly: true }) PendingWindowInDays?: number;
    @Expose() @Transform(toBoolean, { toClassOnly: true }) BypassPolicyLockoutSafetyCheck?: boolean;
    @Expose() KeySpec?: string;
    @Expose() KeyUsage?: string;
    @Expose() Origin?: string;
    @Expose() @Transform(toBoolean, { toClassOnly: true }) MultiRegion?: boolean;
    @Expose() @Transform(toBoolean, { toClassOnly: true }) EnableKeyRotation?: boolean;
    @Expose() @Type(() => KeyTag) Tags?: KeyTag[];

    @Expose() KeyState?: string;
    @Expose() CloudHsmClusterId?: string;
}
