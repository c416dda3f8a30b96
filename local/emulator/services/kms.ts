/**
 * The emulated AWS KMS (JSON 1.1, `TrentService`): CloudHSM key stores (kms-key-stores.ts), their connections
 * (kms-connections.ts) and the keys in them or in KMS itself (kms-keys.ts). It follows the KMS section of
 * reference/aws-behaviour.md and acts on the clusters and users that the CloudHSM service holds.
 */
import { AwsError } from '../errors';
import { Caller, EmulatedService, ServiceContext, ServiceFactory } from '../server';
import { CustomKeyStore, KmsKey } from '../state';
import { KeyStoreConnections } from './kms-connections';
import { KeyStores, KmsQuotas, defaultKmsQuotas } from './kms-key-stores';
import { KmsKeyAttributes } from './kms-key-attributes';
import { KmsKeyCrypto } from './kms-key-crypto';
import { KmsKeys } from './kms-keys';

export class KmsService implements EmulatedService {
    readonly name = 'kms';
    readonly targetPrefix = 'TrentService';
    readonly protocol = 'json1.1' as const;
    /** Adjustable per account, as AWS adjusts them on request. */
    readonly quotas: KmsQuotas = { ...defaultKmsQuotas };
    private readonly keyStores: KeyStores;
    private readonly connections: KeyStoreConnections;
    private readonly keys: KmsKeys;
    private readonly actions: Record<string, (input: any, caller: Caller) => unknown>;

    constructor(private readonly ctx: ServiceContext) {
        this.keyStores = new KeyStores(ctx, this.quotas);
        this.connections = new KeyStoreConnections(ctx, this.keyStores);
        this.keys = new KmsKeys(ctx, this.keyStores);
        const attributes = new KmsKeyAttributes(this.keys);
        const crypto = new KmsKeyCrypto(this.keys);
        this.actions = {
            CreateCustomKeyStore: (input) => this.keyStores.create(input),
            DescribeCustomKeyStores: (input) => this.keyStores.describe(input),
            UpdateCustomKeyStore: (input) => this.keyStores.update(input),
            DeleteCustomKeyStore: (input) => this.keyStores.delete(input),
            ConnectCustomKeyStore: (input) => this.connections.connect(input),
            DisconnectCustomKeyStore: (input) => this.connections.disconnect(input),
            CreateKey: (input, caller) => this.keys.create(input, caller),
            DescribeKey: (input, caller) => this.keys.describe(input, caller),
            ListKeys: (input) => this.keys.list(input),
            ScheduleKeyDeletion: (input, caller) => this.keys.scheduleDeletion(input, caller),
            CancelKeyDeletion: (input, caller) => this.keys.cancelDeletion(input, caller),
            EnableKey: (input, caller) => this.keys.enable(input, caller),
            DisableKey: (input, caller) => this.keys.disable(input, caller),
            GetKeyPolicy: (input, caller) => this.keys.getPolicy(input, caller),
            PutKeyPolicy: (input, caller) => this.keys.putPolicy(input, caller),
            UpdateKeyDescription: (input, caller) => attributes.updateDescription(input, caller),
            TagResource: (input, caller) => attributes.tag(input, caller),
            UntagResource: (input, caller) => attributes.untag(input, caller),
            ListResourceTags: (input, caller) => attributes.listTags(input, caller),
            Encrypt: (input, caller) => crypto.encrypt(input, caller),
            Decrypt: (input, caller) => crypto.decrypt(input, caller),
        };
    }

    handle(action: string, input: any, caller: Caller): unknown {
        const run = this.actions[action];
        if (!run) throw new AwsError('UnknownOperationException', `The emulated KMS does not implement ${action}.`);
        return run(input ?? {}, caller);
    }

    /** The custom key store as KMS holds it, or undefined. */
    findKeyStore(customKeyStoreId: string): CustomKeyStore | undefined {
        this.ctx.scheduler.runDue();
        return this.ctx.state.keyStores.get(customKeyStoreId);
    }

    /** Adds a DISCONNECTED external (XKS) key store, which the emulator cannot create through the API. */
    seedExternalKeyStore(name: string): CustomKeyStore {
        return this.keyStores.seedExternal(name);
    }

    /** The KMS keys in a custom key store, including keys pending deletion. */
    keysInStore(customKeyStoreId: string): KmsKey[] {
        this.ctx.scheduler.runDue();
        return this.keys.inStore(customKeyStoreId);
    }
}

export const kmsService: ServiceFactory = (ctx) => new KmsService(ctx);
