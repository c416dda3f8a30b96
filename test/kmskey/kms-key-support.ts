/**
 * What the KMS key scenarios share: a CONNECTED key store made by the key store type on a cluster made by the
 * cluster type, the key's declaration, and the checks a user makes afterwards (the key as KMS holds it, its
 * key material on the HSMs).
 */
import { LocalAws } from '../../local/runtime';
import { keyStoreProperties } from '../keystore/key-store-support';
import { keyStoreType, kmsKeyType, readyCluster } from '../support';

export interface KeyStoreStack {
    cluster: Record<string, any>;
    keyStore: Record<string, any>;
    /** The key store's declared properties with its KeyStoreId: what CloudFormation sends to delete it. */
    keyStoreCurrent: Record<string, any>;
}

/** A cluster and a CONNECTED key store on it, both made by their types. */
export async function readyKeyStore(aws: LocalAws, name = `keys-${Math.random().toString(36).slice(2, 8)}`): Promise<KeyStoreStack> {
    const cluster = await readyCluster(aws);
    const properties = keyStoreProperties(aws, cluster, { KeyStoreName: name });
    const created = await aws.driver(keyStoreType, { logicalResourceId: 'KeyStore' }).create(properties);
    if (created.status !== 'SUCCESS') throw new Error(`The key store for the test failed: ${created.errorCode} ${created.message}`);
    return { cluster, keyStore: created.model!, keyStoreCurrent: { ...properties, KeyStoreId: created.model!.KeyStoreId } };
}

export const kmsKeys = (aws: LocalAws) => aws.driver(kmsKeyType, { logicalResourceId: 'Key' });

export const keyProperties = (keyStoreId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    CustomKeyStoreId: keyStoreId,
    Description: 'payments data key',
    ...overrides,
});

/** The emulated key as KMS holds it, pending deletion included. */
export const kmsKeyIn = (aws: LocalAws, keyId: string) => aws.emulator.state.kmsKeys.get(keyId);

/** Key objects labelled `label` on a cluster's HSMs. */
export const keyMaterialOn = (aws: LocalAws, clusterId: string, label: string) => (aws.emulator.state.clusters.get(clusterId)?.keys ?? []).filter((k) => k.label === label);

/** Secrets the type left under its journal prefix, live or scheduled for deletion. */
export const journals = (aws: LocalAws) => [...aws.emulator.state.secrets.values()].filter((s) => s.name.startsWith('cloudhsm/kms-keys/create-requests/'));
