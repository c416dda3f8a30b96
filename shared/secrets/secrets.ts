/**
 * Secrets the types create: named after the resource they belong to, created idempotently, read only when
 * a step needs the value, never logged and never put in a callback context, event or model.
 */
import {
    CreateSecretCommand,
    DeleteSecretCommand,
    DescribeSecretCommand,
    DescribeSecretCommandOutput,
    GetSecretValueCommand,
    PutSecretValueCommand,
    SecretsManagerClient,
    TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { createHash, randomInt } from 'crypto';
import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../aws/error-table';
import { HandlerError } from '../engine/errors';

export interface Tag {
    Key: string;
    Value: string;
}

export interface SecretSpec {
    name: string;
    description: string;
    /**
     * The value for a new secret. It is computed for the create call, but a secret this request stored before
     * keeps the value it has (see `created`), so a caller that derives other things from it must read it back.
     */
    value: () => string;
    kmsKeyId?: string;
    tags: Tag[];
    /** Makes a retried create with the same request idempotent; derived from the CloudFormation request token. */
    requestToken: string;
}

export interface EnsuredSecret {
    arn: string;
    /** True when this call stored the value; false when this request had stored it before (a retried step). */
    created: boolean;
}

/** Creates the secret, or finds the one this request created earlier; answers its ARN either way. */
export async function ensureSecret(client: SecretsManagerClient, spec: SecretSpec): Promise<string> {
    return (await ensureSecretWithOutcome(client, spec)).arn;
}

/**
 * A name the type uses is public as soon as the resource's ID is (the cluster's, minutes before its secrets
 * are written), so whoever may create secrets could put one there first. A secret in the way is taken only
 * when it holds the version this request wrote (a retried step, or a create whose answer was lost); anything
 * else is somebody else's, and the operation stops with AlreadyExists rather than use a planted value.
 */
export async function ensureSecretWithOutcome(client: SecretsManagerClient, spec: SecretSpec): Promise<EnsuredSecret> {
    const token = tokenFor(spec.requestToken, spec.name);
    try {
        const created = await client.send(
            new CreateSecretCommand({
                Name: spec.name,
                Description: spec.description,
                SecretString: spec.value(),
                KmsKeyId: spec.kmsKeyId,
                Tags: spec.tags,
                ClientRequestToken: token,
            }),
        );
        return { arn: created.ARN!, created: true };
    } catch (err) {
        // A name scheduled for deletion answers InvalidRequestException; that too is something in the way.
        if (!isAwsError(err, 'ResourceExistsException', 'InvalidRequestException')) throw err;
        const existing = await describeIfPresent(client, spec.name);
        if (!existing || (!existing.DeletedDate && !isAwsError(err, 'ResourceExistsException'))) throw err;
        const inTheWay = secretInTheWay(existing, spec.name, token);
        if (inTheWay) throw inTheWay;
        return { arn: existing.ARN!, created: false };
    }
}

/**
 * Before anything changes: nothing is at `name` that ensureSecret would refuse for this request (a secret
 * somebody else put there, or one scheduled for deletion); what this request stored there itself is fine.
 */
export async function assertNothingInTheWay(client: SecretsManagerClient, name: string, requestToken: string): Promise<void> {
    const existing = await describeIfPresent(client, name);
    const inTheWay = existing && secretInTheWay(existing, name, tokenFor(requestToken, name));
    if (inTheWay) throw inTheWay;
}

function secretInTheWay(existing: DescribeSecretCommandOutput, name: string, token: string): HandlerError | undefined {
    if (existing.DeletedDate) {
        return new HandlerError(
            HandlerErrorCode.AlreadyExists,
            `Secret ${name} is in the way: a secret of that name is scheduled for deletion. Delete it for good (ForceDeleteWithoutRecovery), then retry.`,
        );
    }
    if (!holdsCurrentVersion(existing, token)) {
        return new HandlerError(
            HandlerErrorCode.AlreadyExists,
            `Secret ${name} is in the way: it already exists and its value was not written by this operation, so the type will not use it. Find out who created it, delete it, then retry.`,
        );
    }
    return undefined;
}

/** The version `token` wrote is the secret's current one (a later value from anyone else is not taken either). */
const holdsCurrentVersion = (secret: DescribeSecretCommandOutput, token: string): boolean => !!secret.VersionIdsToStages?.[token]?.includes('AWSCURRENT');

async function describeIfPresent(client: SecretsManagerClient, secretId: string): Promise<DescribeSecretCommandOutput | undefined> {
    try {
        return await client.send(new DescribeSecretCommand({ SecretId: secretId }));
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return undefined;
        throw err;
    }
}

export async function readSecret(client: SecretsManagerClient, secretId: string): Promise<string> {
    const value = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (value.SecretString === undefined) throw new Error(`Secret ${secretId} has no string value`);
    return value.SecretString;
}

/**
 * A secret holding a JSON object whose `fields` are strings. JSON.parse quotes its input in its error
 * message, and a secret's text must never reach an event or a log: any other content ends here, with a
 * fixed message that names the secret and nothing of what it holds.
 */
export async function readJsonSecret<T extends Record<string, unknown>>(client: SecretsManagerClient, secretId: string, fields: Array<keyof T & string>): Promise<T> {
    const record = jsonObjectIn(await readSecret(client, secretId));
    if (!record || !fields.every((field) => typeof record[field] === 'string')) {
        throw new MalformedSecretError(secretId, `a JSON object with ${fields.join(', ')}`);
    }
    return record as T;
}

/** The JSON object a secret's text holds, or undefined for any other text (never an error that could quote it). */
export function jsonObjectIn(text: string): Record<string, unknown> | undefined {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return undefined;
    }
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
}

/** A secret that does not hold what the type keeps there; the message never quotes the content. */
export class MalformedSecretError extends HandlerError {
    constructor(
        readonly secretId: string,
        expected: string,
    ) {
        super(
            HandlerErrorCode.GeneralServiceException,
            `Secret ${secretId} does not hold what the type keeps there (${expected}); it was changed outside the type. Put back the value the type wrote, or replace the resource.`,
        );
    }
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
