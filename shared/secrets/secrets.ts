/**
 * Secrets the types create: named after the resource they belong to, created idempotently, read only when
 * a step needs the value, never logged and never put in a callback context, event or model.
 */
import {
    CreateSecretCommand,
    DeleteSecretCommand,
    DescribeSecretCommand,
    GetSecretValueCommand,
    PutSecretValueCommand,
    SecretsManagerClient,
    TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { createHash, randomInt } from 'crypto';
import { isAwsError } from '../aws/error-table';

export interface Tag {
    Key: string;
    Value: string;
}

export interface SecretSpec {
    name: string;
    description: string;
    /**
     * The value for a new secret. It is computed for the create call, but an existing secret keeps the value
     * it has (see `created`), so a caller that derives other things from the value must read it back then.
     */
    value: () => string;
    kmsKeyId?: string;
    tags: Tag[];
    /** Makes a retried create with the same request idempotent; derived from the CloudFormation request token. */
    requestToken: string;
}

export interface EnsuredSecret {
    arn: string;
    /** True when this call stored the value; false when the secret was there already. */
    created: boolean;
}

/** Creates the secret unless it exists; answers its ARN either way. */
export async function ensureSecret(client: SecretsManagerClient, spec: SecretSpec): Promise<string> {
    return (await ensureSecretWithOutcome(client, spec)).arn;
}

export async function ensureSecretWithOutcome(client: SecretsManagerClient, spec: SecretSpec): Promise<EnsuredSecret> {
    try {
        const created = await client.send(
            new CreateSecretCommand({
                Name: spec.name,
                Description: spec.description,
                SecretString: spec.value(),
                KmsKeyId: spec.kmsKeyId,
                Tags: spec.tags,
                ClientRequestToken: tokenFor(spec.requestToken, spec.name),
            }),
        );
        return { arn: created.ARN!, created: true };
    } catch (err) {
        if (!isAwsError(err, 'ResourceExistsException')) throw err;
        const existing = await client.send(new DescribeSecretCommand({ SecretId: spec.name }));
        if (existing.DeletedDate) {
            throw Object.assign(new Error(`Secret ${spec.name} is scheduled for deletion; restore it or delete it for good, then retry.`), {
                name: 'InvalidRequestException',
            });
        }
        return { arn: existing.ARN!, created: false };
    }
}

export async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
    const value = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (value.SecretString === undefined) throw new Error(`Secret ${secretId} has no string value`);
    return value.SecretString;
}

export async function writeSecret(client: SecretsManagerClient, secretId: string, value: string, requestToken: string): Promise<void> {
    await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: tokenFor(requestToken, secretId) }));
}

/** Deletes at once (no recovery window): used for key material that must not outlive the resource. */
export async function destroySecret(client: SecretsManagerClient, secretId: string): Promise<void> {
    try {
        await client.send(new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }));
    } catch (err) {
        if (!isAwsError(err, 'ResourceNotFoundException')) throw err;
    }
}

export async function tagSecret(client: SecretsManagerClient, secretId: string, tags: Tag[]): Promise<void> {
    if (tags.length) await client.send(new TagResourceCommand({ SecretId: secretId, Tags: tags }));
}

/** A Secrets Manager client request token (32–64 chars) that is stable for one CloudFormation request and secret. */
export function tokenFor(requestToken: string, purpose: string): string {
    return createHash('sha256').update(`${requestToken}\n${purpose}`).digest('hex').slice(0, 64);
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A random password from an alphabet that needs no quoting in a shell, a JSON string or a CLI prompt.
 * 32 characters of 56 symbols is 185 bits; the CloudHSM CLI accepts 8–32 and KMS 7–32.
 */
export function generatePassword(length = 32): string {
    let password = '';
    for (let i = 0; i < length; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    return password;
}
