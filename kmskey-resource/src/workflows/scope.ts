/**
 * What every KMS key step receives: the learned data (the callback context), the model being built, the request
 * and the clients, and the key as KMS describes it (at most once per invocation unless a step changed it).
 */
import { DescribeKeyCommand, KeyMetadata, KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LoggerProxy } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients } from '../../../shared/aws/clients';
import { isAwsError } from '../../../shared/aws/error-table';
import { NotFoundError } from '../../../shared/engine/errors';
import { Described } from '../../../shared/finders/described';
import { KmsKeyModel } from '../resource-model';
import { isLiveCloudHsmKey } from '../translate';

export interface KmsKeyData {
    keyId?: string;
    /** Create: this request's journal was there before this run looked, so an earlier delivery may have made the key. */
    earlierAttempt?: boolean;
    /** Create: CreateKey was sent in this operation; if its answer was lost, the key may exist. */
    createKeySent?: boolean;
}

export interface KmsKeyRequest {
    requestToken: string;
    region: string;
    accountId: string;
}

export class KmsKeyScope {
    private readonly described = new Described<KeyMetadata>(
        () => this.describeKey(),
        () => new NotFoundError(`KMS key ${this.data.keyId} was not found (it does not exist, is pending deletion or was deleted).`),
    );

    constructor(
        readonly data: KmsKeyData,
        readonly model: KmsKeyModel,
        readonly previous: KmsKeyModel | undefined,
        readonly request: KmsKeyRequest,
        private readonly clients: AwsClients,
        readonly logger: LoggerProxy,
    ) {
        if (data.keyId) model.KeyId = data.keyId;
        else if (model.KeyId) data.keyId = model.KeyId;
    }

    get kms(): KMSClient {
        return this.clients.get(KMSClient);
    }
    get secrets(): SecretsManagerClient {
        return this.clients.get(SecretsManagerClient);
    }

    get keyId(): string {
        if (!this.data.keyId) throw new Error('No key ID yet');
        return this.data.keyId;
    }

    adopt(metadata: KeyMetadata): void {
        this.data.keyId = metadata.KeyId!;
        this.model.KeyId = metadata.KeyId;
        this.model.Arn = metadata.Arn;
    }

    /** The key as KMS describes it now; NotFound when it is gone or pending deletion (the resource is deleted then). */
    key(): Promise<KeyMetadata> {
        return this.described.get();
    }

    changed(): void {
        this.described.forget();
    }

    private async describeKey(): Promise<KeyMetadata | undefined> {
        try {
            const metadata = (await this.kms.send(new DescribeKeyCommand({ KeyId: this.keyId }))).KeyMetadata;
            return isLiveCloudHsmKey(metadata) ? metadata : undefined;
        } catch (err) {
            if (isAwsError(err, 'NotFoundException')) return undefined;
            throw err;
        }
    }
}
