/**
 * KMS keys: plain keys (origin AWS_KMS) and keys in CloudHSM key stores (origin AWS_CLOUDHSM), with the key
 * states that the key store's connection implies, and deletion only through a 7–30 day waiting period.
 * Keys are named by key ID or key ARN; aliases are not emulated. Every request on a key is authorized by the
 * key's policy (kms-key-policies.ts); CreateKey and ListKeys are authorized by IAM alone, which the emulator
 * does not model.
 */
import { randomBytes, randomUUID } from 'crypto';
import { Caller, ServiceContext } from '../server';
import { KmsKey, KmsKeyOrigin } from '../state';
import type { CloudHsmService } from './cloudhsm';
import { kmsUserName } from './kms-connections';
import { accessDenied, checkLockoutSafety, defaultKeyPolicy, evaluate, statementsOf } from './kms-key-policies';
import { KeyStores, clusterConfigurationProblem, keyStoreInvalidState } from './kms-key-stores';
import { creationKey, kmsError, limitFrom, optionalEnum, optionalString, pageOf, pagingMembers, requireString, validationError } from './kms-rules';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'Unavailable';

const keyUsages = ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'] as const;
const keySpecs = [
    'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'SYMMETRIC_DEFAULT',
    'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'SM2', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87',
] as const;
const origins = ['AWS_KMS', 'EXTERNAL', 'AWS_CLOUDHSM', 'EXTERNAL_KEY_STORE'] as const;
const defaultListLimit = 100;
const minimumPendingWindowDays = 7;
const maximumPendingWindowDays = 30;
const secondsPerDay = 86_400;
const policyRule = { maxLength: 131_072 };

export class KmsKeys {
    constructor(
        private readonly ctx: ServiceContext,
        private readonly keyStores: KeyStores,
    ) {}

    private get keys(): Map<string, KmsKey> {
        return this.ctx.state.kmsKeys;
    }

    inStore(customKeyStoreId: string): KmsKey[] {
        return [...this.keys.values()].filter((k) => k.customKeyStoreId === customKeyStoreId);
    }

    storeOf(key: KmsKey) {
        return key.customKeyStoreId === undefined ? undefined : this.ctx.state.keyStores.get(key.customKeyStoreId);
    }

    clusterOf(clusterId: string) {
        return this.ctx.state.clusters.get(clusterId);
    }

    /** Keys pending deletion stay so; otherwise a key in a store that is not CONNECTED is Unavailable. */
    stateOf(key: KmsKey): KeyState {
        if (key.deletionDate !== undefined) return 'PendingDeletion';
        if (key.customKeyStoreId !== undefined) {
            const store = this.ctx.state.keyStores.get(key.customKeyStoreId);
            if (store?.connectionState !== 'CONNECTED') return 'Unavailable';
        }
        return key.enabled ? 'Enabled' : 'Disabled';
    }

    create(input: any, caller: Caller): unknown {
        const policy = optionalString(input, 'Policy', policyRule) ?? defaultKeyPolicy(this.ctx.state.accountId);
        checkLockoutSafety(statementsOf(policy), caller.principalArn, this.ctx.state.accountId, input?.BypassPolicyLockoutSafetyCheck);
        const description = optionalString(input, 'Description', { minLength: 0, maxLength: 8192 }) ?? '';
        const keyUsage = optionalEnum(input, 'KeyUsage', keyUsages) ?? 'ENCRYPT_DECRYPT';
        const keySpec = optionalEnum(input, 'KeySpec', keySpecs) ?? optionalEnum(input, 'CustomerMasterKeySpec', keySpecs) ?? 'SYMMETRIC_DEFAULT';
        const origin: KmsKeyOrigin = optionalEnum(input, 'Origin', origins) ?? 'AWS_KMS';
        const customKeyStoreId = optionalString(input, 'CustomKeyStoreId', { maxLength: 64 });
        const tags = tagsFrom(input?.Tags);
        if (origin === 'EXTERNAL' || origin === 'EXTERNAL_KEY_STORE') {
            throw kmsError('UnsupportedOperationException', `The emulated KMS does not create keys of origin ${origin}.`);
        }
        if (origin === 'AWS_CLOUDHSM' && customKeyStoreId === undefined) {
            throw kmsError('ValidationException', 'A KMS key with origin AWS_CLOUDHSM needs the CustomKeyStoreId of a CloudHSM key store.');
        }
        if (customKeyStoreId !== undefined && origin !== 'AWS_CLOUDHSM') {
            throw kmsError(
                'ValidationException',
                'To create a KMS key in a CloudHSM key store, set Origin to AWS_CLOUDHSM as well as CustomKeyStoreId.',
            );
        }
        let keyMaterialClusterId: string | undefined;
        if (customKeyStoreId !== undefined) {
            if (keySpec !== 'SYMMETRIC_DEFAULT' || keyUsage !== 'ENCRYPT_DECRYPT' || input?.MultiRegion === true) {
                throw kmsError(
                    'UnsupportedOperationException',
                    'A custom key store holds only single-Region symmetric encryption keys (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT).',
                );
            }
            keyMaterialClusterId = this.clusterForNewKey(customKeyStoreId);
        }
        const keyId = randomUUID();
        const key: KmsKey = {
            keyId,
            arn: this.arnOf(keyId),
            description,
            keyUsage,
            keySpec,
            origin,
            creationDate: this.ctx.clock.now() / 1000,
            enabled: true,
            customKeyStoreId,
            keyMaterialClusterId,
            tags,
            policy,
            materialHex: randomBytes(32).toString('hex'),
        };
        this.keys.set(keyId, key);
        if (keyMaterialClusterId !== undefined) this.makeKeyMaterial(keyMaterialClusterId, keyId);
        return { KeyMetadata: this.metadataOf(key) };
    }

    /** KMS generates the key material in the store's cluster, which needs two ACTIVE HSMs in different AZs for it. */
    private clusterForNewKey(customKeyStoreId: string): string {
        const store = this.keyStores.find(customKeyStoreId);
        if (store.type !== 'AWS_CLOUDHSM') {
            throw kmsError('UnsupportedOperationException', `Custom key store ${customKeyStoreId} is an external key store; use Origin EXTERNAL_KEY_STORE.`);
        }
        if (store.connectionState !== 'CONNECTED') {
            throw keyStoreInvalidState(
                `Custom key store ${customKeyStoreId} is ${store.connectionState}. KMS keys can be created only in a CONNECTED custom key store.`,
            );
        }
        const cluster = this.ctx.state.clusters.get(store.clusterId!);
        const problem = cluster
            ? clusterConfigurationProblem(cluster)
            : `KMS cannot find the CloudHSM cluster ${store.clusterId} of custom key store ${customKeyStoreId}.`;
        if (problem) throw kmsError('CloudHsmClusterInvalidConfigurationException', problem);
        return store.clusterId!;
    }

    /**
     * KMS generates the key in the cluster as kmsuser, labelled with the KMS key ID ("Find the key material for a
     * KMS key", KMS Developer Guide); like any change of the cluster's contents, it leads to a backup.
     */
    private makeKeyMaterial(clusterId: string, keyId: string): void {
        const cluster = this.ctx.state.clusters.get(clusterId)!;
        cluster.keys ??= [];
        cluster.keys.push({
            keyReference: `0x${randomBytes(8).toString('hex')}`,
            label: keyId,
            owner: kmsUserName,
            keyType: 'aes',
            keyClass: 'secret-key',
            hsmIds: cluster.hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId),
        });
        this.ctx.service<CloudHsmService>('cloudhsmv2').noteClusterChanged(clusterId);
    }

    /**
     * At the end of the waiting period KMS deletes the key, then makes "a best effort" to delete its material
     * from the cluster: only through a connected store. Otherwise the material stays on the HSMs, orphaned; and
     * backups taken before keep it either way ("Scheduling deletion of KMS keys from an AWS CloudHSM key store").
     */
    private deleteKey(key: KmsKey): void {
        this.keys.delete(key.keyId);
        if (key.customKeyStoreId === undefined) return;
        const store = this.ctx.state.keyStores.get(key.customKeyStoreId);
        const cluster = store?.connectionState === 'CONNECTED' ? this.ctx.state.clusters.get(store.clusterId!) : undefined;
        if (!cluster?.keys?.some((k) => k.label === key.keyId)) return;
        cluster.keys = cluster.keys.filter((k) => k.label !== key.keyId);
        this.ctx.service<CloudHsmService>('cloudhsmv2').noteClusterChanged(cluster.clusterId);
    }

    describe(input: any, caller: Caller): unknown {
        return { KeyMetadata: this.metadataOf(this.authorized(input, caller, 'kms:DescribeKey')) };
    }

    getPolicy(input: any, caller: Caller): unknown {
        const key = this.authorized(input, caller, 'kms:GetKeyPolicy');
        policyNameFrom(input);
        return { Policy: key.policy, PolicyName: 'default' };
    }

    putPolicy(input: any, caller: Caller): unknown {
        const key = this.authorized(input, caller, 'kms:PutKeyPolicy');
        policyNameFrom(input);
        const policy = requireString(input, 'Policy', policyRule);
        checkLockoutSafety(statementsOf(policy), caller.principalArn, this.ctx.state.accountId, input?.BypassPolicyLockoutSafetyCheck);
        key.policy = policy;
        return {};
    }

    list(input: any): unknown {
        const limit = limitFrom(input, defaultListLimit);
        const keyOf = (k: KmsKey) => creationKey(k.creationDate, k.keyId);
        const keys = [...this.keys.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
        const { page, nextMarker } = pageOf(keys, keyOf, limit, input?.Marker);
        // As in AWS, entries carry no key store ID: finding a store's keys takes DescribeKey per key.
        return { Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), ...pagingMembers(nextMarker) };
    }

    scheduleDeletion(input: any, caller: Caller): unknown {
        const key = this.authorized(input, caller, 'kms:ScheduleKeyDeletion');
        const windowDays = pendingWindowFrom(input);
        if (key.deletionDate !== undefined) throw kmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
        const deletionDate = this.ctx.clock.now() / 1000 + windowDays * secondsPerDay;
        key.deletionDate = deletionDate;
        key.pendingWindowInDays = windowDays;
        // A key whose deletion is canceled comes back Disabled, as in AWS.
        key.enabled = false;
        this.ctx.scheduler.after(windowDays * secondsPerDay, () => {
            if (this.keys.get(key.keyId) === key && key.deletionDate === deletionDate) this.deleteKey(key);
        });
        return { KeyId: key.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: windowDays };
    }

    cancelDeletion(input: any, caller: Caller): unknown {
        const key = this.authorized(input, caller, 'kms:CancelKeyDeletion');
        if (key.deletionDate === undefined) throw kmsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
        key.deletionDate = undefined;
        key.pendingWindowInDays = undefined;
        return { KeyId: key.arn };
    }

    enable(input: any, caller: Caller): unknown {
        this.changeableKey(this.authorized(input, caller, 'kms:EnableKey')).enabled = true;
        return {};
    }

    disable(input: any, caller: Caller): unknown {
        this.changeableKey(this.authorized(input, caller, 'kms:DisableKey')).enabled = false;
        return {};
    }

    /** The key `KeyId` names, once its key policy lets the caller do `action` on it; AccessDeniedException otherwise. */
    authorized(input: any, caller: Caller, action: string): KmsKey {
        const key = this.find(input);
        const decision = evaluate(statementsOf(key.policy), caller.principalArn, this.ctx.state.accountId, action);
        if (decision !== 'allow') throw accessDenied(decision, caller.principalArn, action, key.arn);
        return key;
    }

    /** EnableKey and DisableKey are refused for keys pending deletion and keys whose key store is not connected. */
    private changeableKey(key: KmsKey): KmsKey {
        const state = this.stateOf(key);
        if (state === 'PendingDeletion' || state === 'Unavailable') {
            throw kmsError('KMSInvalidStateException', `${key.arn} is ${state === 'PendingDeletion' ? 'pending deletion' : 'unavailable'}.`);
        }
        return key;
    }

    private arnOf(keyId: string): string {
        return `arn:aws:kms:${this.ctx.state.region}:${this.ctx.state.accountId}:key/${keyId}`;
    }

    /** The key that `KeyId` names, by key ID or key ARN of this account and Region. */
    private find(input: any): KmsKey {
        const reference = requireString(input, 'KeyId', { maxLength: 2048 });
        if (reference.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(reference)) {
            throw kmsError('NotFoundException', `Alias ${reference} is not found. (The emulated KMS has no aliases.)`);
        }
        let keyId = reference;
        if (reference.startsWith('arn:')) {
            const match = /^arn:aws:kms:([^:]+):(\d{12}):key\/(.+)$/.exec(reference);
            if (!match) throw kmsError('InvalidArnException', `Invalid arn ${reference}`);
            const [, region, accountId, id] = match;
            if (region !== this.ctx.state.region || accountId !== this.ctx.state.accountId) {
                throw kmsError('NotFoundException', `Key '${reference}' does not exist`);
            }
            keyId = id;
        }
        const key = this.keys.get(keyId);
        if (!key) throw kmsError('NotFoundException', `Key '${this.arnOf(keyId)}' does not exist`);
        return key;
    }

    private metadataOf(key: KmsKey): Record<string, unknown> {
        const keyState = this.stateOf(key);
        const store = key.customKeyStoreId === undefined ? undefined : this.ctx.state.keyStores.get(key.customKeyStoreId);
        return {
            AWSAccountId: this.ctx.state.accountId,
            KeyId: key.keyId,
            Arn: key.arn,
            CreationDate: key.creationDate,
            Enabled: keyState === 'Enabled',
            Description: key.description,
            KeyUsage: key.keyUsage,
            KeyState: keyState,
            Origin: key.origin,
            KeyManager: 'CUSTOMER',
            CustomerMasterKeySpec: key.keySpec,
            KeySpec: key.keySpec,
            MultiRegion: false,
            ...(key.keySpec === 'SYMMETRIC_DEFAULT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : {}),
            ...(key.deletionDate !== undefined ? { DeletionDate: key.deletionDate, PendingDeletionWindowInDays: key.pendingWindowInDays } : {}),
            ...(key.customKeyStoreId !== undefined
                ? { CustomKeyStoreId: key.customKeyStoreId, CloudHsmClusterId: store?.clusterId ?? key.keyMaterialClusterId }
                : {}),
        };
    }
}

/** A key has one policy, named `default`. */
function policyNameFrom(input: any): void {
    const name = optionalString(input, 'PolicyName', { maxLength: 128 });
    if (name !== undefined && name !== 'default') throw kmsError('NotFoundException', `Policy ${name} is not found. A KMS key has only the key policy named default.`);
}

function pendingWindowFrom(input: any): number {
    const value = input?.PendingWindowInDays;
    if (value === undefined || value === null) return maximumPendingWindowDays;
    if (!Number.isInteger(value)) throw validationError('PendingWindowInDays', value, 'Member must be an integer');
    if (value < minimumPendingWindowDays) {
        throw validationError('PendingWindowInDays', value, `Member must have value greater than or equal to ${minimumPendingWindowDays}`);
    }
    if (value > maximumPendingWindowDays) {
        throw validationError('PendingWindowInDays', value, `Member must have value less than or equal to ${maximumPendingWindowDays}`);
    }
    return value;
}

/** "Tags in AWS KMS": at most 50 tags per KMS key; the `aws:` prefix is reserved for AWS. */
export const maximumTagsPerKey = 50;
const reservedTagPrefix = 'aws:';

export function tagsFrom(tags: unknown): KmsKey['tags'] {
    if (tags === undefined || tags === null) return [];
    if (!Array.isArray(tags)) throw validationError('Tags', tags, 'Member must be a list');
    if (tags.length > maximumTagsPerKey) {
        throw kmsError('LimitExceededException', `A KMS key can have at most ${maximumTagsPerKey} tags; the request has ${tags.length}.`);
    }
    return tags.map((tag) => {
        const key = tag?.TagKey;
        const value = tag?.TagValue;
        if (typeof key !== 'string' || key.length < 1 || key.length > 128) {
            throw kmsError('TagException', 'Tag keys must be between 1 and 128 characters long.');
        }
        if (key.toLowerCase().startsWith(reservedTagPrefix)) {
            throw kmsError('TagException', `Tag keys cannot begin with '${reservedTagPrefix}': the prefix is reserved for AWS use (tag key '${key}').`);
        }
        if (typeof value !== 'string' || value.length > 256) throw kmsError('TagException', `The value of tag ${key} must be at most 256 characters.`);
        return { TagKey: key, TagValue: value };
    });
}
