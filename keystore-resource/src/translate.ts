/** Pure translation between the key store model and KMS, and the type's naming of its secret. No I/O. */
import type { CustomKeyStoresListEntry } from '@aws-sdk/client-kms';
import { KeyStoreModel } from './resource-model';

export const DEFAULTS = { DesiredConnectionState: 'CONNECTED', KmsUserPasswordVersion: 1 } as const;

export const KMS_USER = 'kmsuser';

/** The kmsuser secret belongs to the key store: named by its ID, which KMS gives before anything else exists. */
export const kmsUserSecretName = (keyStoreId: string) => `cloudhsm/key-stores/${keyStoreId}/kmsuser`;

/**
 * The create request's record (see create-key-store.ts): named from the CloudFormation request token, under the
 * prefix only the type's execution role writes, so no other request can make or find it.
 */
export const createRequestRecordName = (requestTokenHash: string) => `cloudhsm/key-stores/create-requests/${requestTokenHash}`;

/** Tag on the kmsuser secret: the store it belongs to. */
export const KEY_STORE_ID_TAG = 'cloudhsm-type:key-store-id';

/**
 * Tag on the kmsuser secret: the KmsUserPasswordVersion whose password KMS was last told (read recovers the
 * version from there). A rotation writes it only once KMS has the new password.
 */
export const PASSWORD_VERSION_TAG = 'cloudhsm-type:kmsuser-password-version';

/** External (XKS) key stores share KMS's list with CloudHSM ones; this type reads and manages only the latter. */
export const isCloudHsmKeyStore = (store: CustomKeyStoresListEntry) => (store.CustomKeyStoreType ?? 'AWS_CLOUDHSM') === 'AWS_CLOUDHSM';

export const withDefaults = (model: KeyStoreModel) => ({
    DesiredConnectionState: model.DesiredConnectionState ?? DEFAULTS.DesiredConnectionState,
    KmsUserPasswordVersion: model.KmsUserPasswordVersion ?? DEFAULTS.KmsUserPasswordVersion,
});

const sameCertificate = (a?: string, b?: string) => (a ?? '').trim() === (b ?? '').trim();
export { sameCertificate };

/** The model as KMS (and the kmsuser secret) tell it. */
export function modelFromKeyStore(store: CustomKeyStoresListEntry, secret: { arn?: string; passwordVersion?: number }): KeyStoreModel {
    const model = new KeyStoreModel();
    model.KeyStoreId = store.CustomKeyStoreId;
    model.KeyStoreName = store.CustomKeyStoreName;
    model.ClusterId = store.CloudHsmClusterId;
    model.TrustAnchorCertificate = store.TrustAnchorCertificate;
    model.ConnectionState = store.ConnectionState;
    model.ConnectionErrorCode = store.ConnectionState === 'FAILED' ? store.ConnectionErrorCode : undefined;
    model.DesiredConnectionState = store.ConnectionState === 'CONNECTED' || store.ConnectionState === 'CONNECTING' ? 'CONNECTED' : 'DISCONNECTED';
    model.CreationDate = store.CreationDate ? new Date(store.CreationDate).toISOString() : undefined;
    model.KmsUserSecretArn = secret.arn;
    model.KmsUserPasswordVersion = secret.passwordVersion;
    return model;
}

/** What to tell the user for each connection error code (from the KMS developer guide's troubleshooting). */
export const CONNECTION_ADVICE: Record<string, string> = {
    CLUSTER_NOT_FOUND: 'KMS cannot find the cluster; check ClusterId.',
    INSUFFICIENT_CLOUDHSM_HSMS: 'the cluster has no ACTIVE HSM; add HSMs (HsmsPerSubnet) and retry.',
    INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: "a cluster subnet has no free IP address for KMS's network interface; free some and retry.",
    INTERNAL_ERROR: 'KMS failed internally; retry the update.',
    INVALID_CREDENTIALS: 'the kmsuser password KMS has is wrong; rotate it by changing KmsUserPasswordVersion.',
    NETWORK_ERRORS: "KMS cannot reach the HSMs; check the cluster security group's rules.",
    SUBNET_NOT_FOUND: 'a subnet of the cluster was deleted; restore it or move the key store to another cluster.',
    USER_LOCKED_OUT: 'kmsuser is locked out after failed logins; rotate its password (KmsUserPasswordVersion), which an admin reset unlocks.',
    USER_LOGGED_IN: 'kmsuser is logged in elsewhere; log it out of every CloudHSM CLI session and retry.',
    USER_NOT_FOUND:
        'kmsuser is missing on at least one HSM (CloudHSM replicates users on a best-effort basis). Replace that HSM — remove it and add it back, for example by lowering and restoring the cluster\'s HsmsPerSubnet — so the new HSM is cloned with kmsuser, then update the key store again.',
};
