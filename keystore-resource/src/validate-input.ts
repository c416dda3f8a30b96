/** Input checks that need no AWS call; every problem names the property. */
import { InvalidInputError } from '../../shared/engine/errors';
import { KeyStoreModel } from './resource-model';
import { DEFAULTS } from './translate';

const CLUSTER_ID = /^cluster-[2-7a-zA-Z]{11,16}$/;
const INSTANCE_ID = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SECRET_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const PEM_CERTIFICATE = /^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
const show = (v: unknown) => JSON.stringify(v);
/** A KMS key or alias ARN: arn:<partition>:kms:<region>:<account>:key/… or :alias/…. */
const KMS_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]*:(\d{12}):(key|alias)\//;

/** `accountId`: the stack's account, where a customer key for the kmsuser secret must live. */
export function problemsWithKeyStoreInput(model: KeyStoreModel, accountId: string): string[] {
    const problems: string[] = [];
    const name = model.KeyStoreName;
    if (typeof name !== 'string' || name.length < 1 || name.length > 256) problems.push('KeyStoreName is required: 1 to 256 characters, unique in the account and region.');
    if (typeof model.ClusterId !== 'string' || !CLUSTER_ID.test(model.ClusterId)) problems.push(`ClusterId ${show(model.ClusterId)} is not a cluster ID like cluster-abcdefghijk.`);
    if (typeof model.TrustAnchorCertificate !== 'string' || !PEM_CERTIFICATE.test(model.TrustAnchorCertificate)) {
        problems.push("TrustAnchorCertificate must be the cluster's trust anchor as one PEM certificate (the cluster's TrustAnchorCertificate attribute).");
    }
    if (typeof model.AdminSecretArn !== 'string' || !SECRET_ARN.test(model.AdminSecretArn)) {
        problems.push(`AdminSecretArn ${show(model.AdminSecretArn)} is not a Secrets Manager secret ARN (the cluster's AdminSecretArn attribute).`);
    }
    if (typeof model.ManagementInstanceId !== 'string' || !INSTANCE_ID.test(model.ManagementInstanceId)) {
        problems.push(`ManagementInstanceId ${show(model.ManagementInstanceId)} is not an instance ID like i-0123456789abcdef0.`);
    }
    const desired = model.DesiredConnectionState ?? DEFAULTS.DesiredConnectionState;
    if (desired !== 'CONNECTED' && desired !== 'DISCONNECTED') problems.push(`DesiredConnectionState ${show(desired)} is not CONNECTED or DISCONNECTED.`);
    const version = model.KmsUserPasswordVersion ?? DEFAULTS.KmsUserPasswordVersion;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) problems.push(`KmsUserPasswordVersion must be a whole number from 1 (got ${show(version)}).`);
    problems.push(...problemsWithSecretsKey(model.SecretsKmsKeyId, accountId));
    return problems;
}

/**
 * The kmsuser secret is encrypted with this key, so the handler role and the key's own policy both decide who
 * reads it: a key of another account would put that account's policy in charge of the password.
 */
function problemsWithSecretsKey(keyId: unknown, accountId: string): string[] {
    if (keyId === undefined) return [];
    if (typeof keyId !== 'string' || keyId.length < 1 || keyId.length > 256) return ['SecretsKmsKeyId must be a KMS key ID, key ARN, alias name or alias ARN of 1 to 256 characters.'];
    const arnAccount = KMS_ARN.exec(keyId)?.[1];
    if (keyId.startsWith('arn:') && arnAccount === undefined) return [`SecretsKmsKeyId ${show(keyId)} is not a KMS key or alias ARN.`];
    if (arnAccount !== undefined && arnAccount !== accountId) {
        return [`SecretsKmsKeyId ${show(keyId)} is in account ${arnAccount}, not in this stack's account ${accountId}: give a key of this account.`];
    }
    return [];
}

export function assertValidKeyStoreInput(model: KeyStoreModel, accountId: string): void {
    const problems = problemsWithKeyStoreInput(model, accountId);
    if (problems.length) throw new InvalidInputError(problems.join(' '));
}
