/**
 * What every key store step receives: the learned data (the callback context), the model being built, the
 * request and the clients. A password is never in `data`: a new one lives in `freshPassword` for the rest of
 * one invocation, and is otherwise read from its secret when a step needs it.
 */
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { CustomKeyStoresListEntry, DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, DescribeSecretResponse, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LoggerProxy } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients } from '../../../shared/aws/clients';
import { isAwsError } from '../../../shared/aws/error-table';
import { NotFoundError } from '../../../shared/engine/errors';
import { Described } from '../../../shared/finders/described';
import { isRetiredKeyStore } from '../../../shared/finders/key-store-keys';
import type { SentCommand } from '../../../shared/ssm/run-command';
import { KeyStoreModel } from '../resource-model';
import { isCloudHsmKeyStore, kmsUserSecretName } from '../translate';

export interface KeyStoreData {
    keyStoreId?: string;
    command?: SentCommand & { purpose: string };
    /** Update: kmsuser gets a new password (asked for, a move, or an earlier rotation that never reached KMS). */
    rotateKmsUser?: boolean;
    /** Delete: connect the store again if KMS refuses to delete it (it was found connected). */
    reconnectIfRefused?: boolean;
    /** Delete: the keys the early check could not describe (their key policies refuse this role). */
    undescribableKeys?: number;
    /** Delete: KMS refused (CustomKeyStoreHasCMKsException). */
    refused?: boolean;
    /** Delete: every key in the store is pending deletion and none hides from this role (see steps/delete.ts). */
    onlyKeysPendingDeletion?: boolean;
    /** Delete: the store was left behind, renamed, because only keys pending deletion remain. */
    retired?: boolean;
}

export interface KeyStoreRequest {
    requestToken: string;
    region: string;
    accountId: string;
    /** CloudFormation's system tags: they name the stack, which an imported store's cluster must consent to. */
    systemTags?: Record<string, string>;
}

export class KeyStoreScope {
    /** A password generated in this invocation, not yet readable from its secret by the next one. */
    freshPassword?: string;
    private readonly described = new Described<CustomKeyStoresListEntry>(
        () => this.describeKeyStore(),
        () => new NotFoundError(`Key store ${this.keyStoreId} was not found (it does not exist or was deleted).`),
    );
    private readonly describedSecret = new Described<DescribeSecretResponse>(
        () => this.describeKmsUserSecret(),
        () => new NotFoundError(`The kmsuser secret of key store ${this.keyStoreId} was not found.`),
    );

    constructor(
        readonly data: KeyStoreData,
        readonly model: KeyStoreModel,
        readonly previous: KeyStoreModel | undefined,
        readonly request: KeyStoreRequest,
        private readonly clients: AwsClients,
        readonly logger: LoggerProxy,
    ) {
        if (data.keyStoreId) model.KeyStoreId = data.keyStoreId;
        else if (model.KeyStoreId) data.keyStoreId = model.KeyStoreId;
    }

    get kms(): KMSClient {
        return this.clients.get(KMSClient);
    }
    get cloudhsm(): CloudHSMV2Client {
        return this.clients.get(CloudHSMV2Client);
    }
    get secrets(): SecretsManagerClient {
        return this.clients.get(SecretsManagerClient);
    }
    get ssm(): SSMClient {
        return this.clients.get(SSMClient);
    }
    get ec2(): EC2Client {
        return this.clients.get(EC2Client);
    }

    get keyStoreId(): string {
        if (!this.data.keyStoreId) throw new Error('No key store ID yet');
        return this.data.keyStoreId;
    }

    adopt(keyStoreId: string): void {
        this.data.keyStoreId = keyStoreId;
        this.model.KeyStoreId = keyStoreId;
    }

    /** The key store as KMS describes it now; NotFound when it is gone. */
    keyStore(): Promise<CustomKeyStoresListEntry> {
        return this.described.get();
    }

    keyStoreIfPresent(): Promise<CustomKeyStoresListEntry | undefined> {
        return this.described.ifPresent();
    }

    changed(): void {
        this.described.forget();
    }

    /** The kmsuser secret as Secrets Manager describes it now, unless it is gone or scheduled for deletion. */
    kmsUserSecret(): Promise<DescribeSecretResponse | undefined> {
        return this.describedSecret.ifPresent();
    }

    secretChanged(): void {
        this.describedSecret.forget();
    }

    private async describeKmsUserSecret(): Promise<DescribeSecretResponse | undefined> {
        try {
            const secret = await this.secrets.send(new DescribeSecretCommand({ SecretId: kmsUserSecretName(this.keyStoreId) }));
            return secret.DeletedDate ? undefined : secret;
        } catch (err) {
            if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
            throw err;
        }
    }

    private async describeKeyStore(): Promise<CustomKeyStoresListEntry | undefined> {
        try {
            const out = await this.kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: this.keyStoreId }));
            // A retired store is one this type deleted: for CloudFormation it is gone.
            const store = out.CustomKeyStores?.[0];
            if (store && !isCloudHsmKeyStore(store)) {
                throw new NotFoundError(
                    `Key store ${this.keyStoreId} is an external key store (${store.CustomKeyStoreType}); Community::CloudHsm::KeyStore reads and manages only AWS CloudHSM key stores, so it cannot be imported as one.`,
                );
            }
            return store && !isRetiredKeyStore(store) ? store : undefined;
        } catch (err) {
            if (isAwsError(err, 'CustomKeyStoreNotFoundException')) return undefined;
            throw err;
        }
    }
}
