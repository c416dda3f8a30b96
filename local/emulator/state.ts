/**
 * The emulated account: everything the services hold, in one place, so that services that touch each other
 * (the CloudHSM CLI on an instance acts on clusters; SSM runs scripts on EC2 instances) share one truth
 * and a test can look at what was left behind.
 */

export type ClusterState =
    | 'CREATE_IN_PROGRESS'
    | 'UNINITIALIZED'
    | 'INITIALIZE_IN_PROGRESS'
    | 'INITIALIZED'
    | 'ACTIVE'
    | 'UPDATE_IN_PROGRESS'
    | 'MODIFY_IN_PROGRESS'
    | 'ROLLBACK_IN_PROGRESS'
    | 'DELETE_IN_PROGRESS'
    | 'DELETED'
    | 'DEGRADED';

export type HsmState = 'CREATE_IN_PROGRESS' | 'ACTIVE' | 'DEGRADED' | 'DELETE_IN_PROGRESS' | 'DELETED';

export type BackupState = 'CREATE_IN_PROGRESS' | 'READY' | 'DELETED' | 'PENDING_DELETION';

export interface HsmUser {
    username: string;
    role: 'admin' | 'crypto-user' | 'unactivated-admin';
    password?: string;
    /** The HSMs that hold this user; replication is best effort, so a user can be missing on one HSM. */
    hsmIds: string[];
    failedLogins: number;
    locked: boolean;
}

/**
 * A key object on the HSMs (what `cloudhsm-cli key list` shows). KMS makes one per KMS key in a CloudHSM key
 * store: an AES key owned by `kmsuser`, labelled with the KMS key ID.
 */
export interface HsmKey {
    /** `0x` and 16 hex digits, as the CLI prints `key-reference`. */
    keyReference: string;
    label: string;
    owner: string;
    keyType: 'aes';
    keyClass: 'secret-key';
    /** The HSMs that hold it; like users, keys replicate to the HSMs that are ACTIVE when they are made. */
    hsmIds: string[];
}

export interface Hsm {
    hsmId: string;
    clusterId: string;
    availabilityZone: string;
    subnetId: string;
    eniId: string;
    eniIp: string;
    /** Only for the HSMs of a DUALSTACK cluster: an address of the subnet's IPv6 CIDR block. */
    eniIpV6?: string;
    state: HsmState;
    stateMessage: string;
    /** Set while a migration runs: the HSM's own type, which differs from the cluster's until it is done. */
    hsmType?: string;
}

export interface ClusterPki {
    /** PEM of the CSR the cluster publishes while UNINITIALIZED. */
    csrPem: string;
    /** The public key (SPKI PEM) of the key the cluster holds; a signed certificate must be for it. */
    publicKeyPem: string;
    clusterCertificatePem?: string;
    trustAnchorPem?: string;
}

export interface Cluster {
    clusterId: string;
    state: ClusterState;
    stateMessage: string;
    hsmType: string;
    mode: 'FIPS' | 'NON_FIPS';
    networkType: 'IPV4' | 'DUALSTACK';
    subnetMapping: Record<string, string>;
    vpcId: string;
    securityGroup: string;
    createTimestamp: number;
    backupRetentionDays: number;
    sourceBackupId?: string;
    tags: Record<string, string>;
    hsms: Hsm[];
    /** Key material and certificates; created with the first HSM of a new cluster. */
    pki?: ClusterPki;
    users: HsmUser[];
    /** Key objects on the HSMs; absent until the first one is made. */
    keys?: HsmKey[];
    /** Backup lineage (see Backup.lineage); absent for a cluster that was not restored, whose lineage is its own ID. */
    lineage?: string;
    /** Epoch seconds until which a migrated cluster could go back to its former HSM type. */
    hsmTypeRollbackExpiration?: number;
    /** The mTLS trust anchors registered with `cluster mtls register-trust-anchor` (hsm2m.medium only). */
    mtlsTrustAnchors?: Array<{ reference: string; certificatePem: string }>;
}

export interface Backup {
    backupId: string;
    clusterId: string;
    state: BackupState;
    createTimestamp: number;
    hsmType: string;
    mode: 'FIPS' | 'NON_FIPS';
    neverExpires: boolean;
    tags: Record<string, string>;
    /** What a cluster restored from this backup starts with. */
    users: Array<Omit<HsmUser, 'hsmIds'>>;
    /** The key objects a restored cluster starts with: a backup keeps what KMS later deletes from the HSMs. */
    keys?: Array<Omit<HsmKey, 'hsmIds'>>;
    trustAnchorPem?: string;
    clusterCertificatePem?: string;
    sourceBackupId?: string;
    /** The backup lineage: the ID of the first cluster whose backups this one descends from. */
    lineage: string;
    /** Epoch seconds at which a backup in PENDING_DELETION is purged (AWS keeps it restorable for 7 days). */
    deleteTimestamp?: number;
    /** The cluster's key, which a backup carries so that a restored cluster keeps its certificate. */
    clusterPublicKeyPem?: string;
    clusterCsrPem?: string;
}

export interface SecretVersion {
    /** The ClientRequestToken that created the version. */
    versionId: string;
    secretString?: string;
    /** SecretBinary as the JSON protocol carries it (base64). */
    secretBinaryBase64?: string;
    stages: string[];
    /** Emulated epoch milliseconds. */
    createdDate: number;
}

export interface Secret {
    arn: string;
    name: string;
    description?: string;
    kmsKeyId?: string;
    tags: Array<{ Key: string; Value: string }>;
    versions: SecretVersion[];
    /** Emulated epoch milliseconds, as are `lastChangedDate` and `deletedDate`. */
    createdDate: number;
    lastChangedDate?: number;
    deletedDate?: number;
    /** Emulated time at which a secret scheduled for deletion is purged. */
    purgeAtMs?: number;
}

export interface Vpc {
    vpcId: string;
    cidr?: string;
    ipv6Cidr?: string;
    /** Only a default VPC forgives revoking a rule that does not exist. */
    isDefault?: boolean;
}

export interface Subnet {
    subnetId: string;
    vpcId: string;
    availabilityZone: string;
    cidr: string;
    /** The subnet's IPv6 CIDR block (a /64), when one is associated; DUALSTACK clusters need it. */
    ipv6Cidr?: string;
}

export interface IngressRule {
    /** Lower-case name (`tcp`, `udp`, `icmp`) or `-1` for all traffic, whose ports are -1. */
    protocol: string;
    fromPort: number;
    toPort: number;
    sourceGroupId: string;
    /** `sgr-…`; assigned by the EC2 service when absent. */
    ruleId?: string;
    description?: string;
}

export interface SecurityGroup {
    groupId: string;
    vpcId: string;
    groupName?: string;
    description: string;
    ingress: IngressRule[];
}

export interface Instance {
    instanceId: string;
    subnetId: string;
    vpcId: string;
    securityGroupIds: string[];
    state: 'pending' | 'running' | 'shutting-down' | 'stopped' | 'terminated';
    /** Registered with SSM (agent running, instance profile allows it). */
    ssmManaged: boolean;
    /**
     * The CloudHSM CLI's view on the instance: written by configure-cli (with the CA file `--hsm-ca-cert`
     * named, as it was then), read by cloudhsm-cli; `clientVersion` is the installed Client SDK 5 release
     * (DEFAULT_CLOUDHSM_CLIENT_VERSION of fixtures.ts when absent).
     */
    cli: { configuredClusterId?: string; configuredHsmIp?: string; caCertificatePem?: string; configuredCaCertificatePem?: string; clientVersion?: string };
    privateIpAddress?: string;
    instanceType?: string;
    /** Emulated epoch milliseconds. */
    launchTimeMs?: number;
    iamInstanceProfileArn?: string;
    tags?: Array<{ Key: string; Value: string }>;
}

export type CommandStatus = 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed';

export interface CommandInvocation {
    commandId: string;
    instanceId: string;
    documentName: string;
    commands: string[];
    /** What the agent reports; GetCommandInvocation shows InProgress until `earliestDoneAtMs` regardless. */
    status: CommandStatus;
    requestedAtMs: number;
    /** Emulated time from which GetCommandInvocation sees the invocation at all. */
    visibleAtMs: number;
    /** Emulated time before which the command reads InProgress even if the script is done. */
    earliestDoneAtMs: number;
    exitCode?: number;
    stdout: string;
    stderr: string;
    /** Set when the script process has ended. */
    finished: boolean;
    timeoutSeconds: number;
    /** The document parameters as sent (`commands`, `executionTimeout`, …). */
    parameters?: Record<string, string[]>;
    comment?: string;
    /** Emulated time at which the script process ended. */
    finishedAtMs?: number;
    /** The script ran past its execution timeout and was killed. */
    timedOut?: boolean;
}

export interface LogEvent {
    group: string;
    stream: string;
    /** Epoch milliseconds, as CloudWatch Logs carries them. */
    timestamp: number;
    message: string;
    ingestionTimeMs?: number;
}

export interface LogStreamInfo {
    creationTimeMs: number;
    /** Counts accepted PutLogEvents batches; the next sequence token is derived from it. */
    batchesAccepted: number;
}

/** What CloudWatch Logs knows about a group besides its events (which live in `logGroups`). */
export interface LogGroupInfo {
    creationTimeMs: number;
    retentionInDays?: number;
    tags: Record<string, string>;
    streams: Map<string, LogStreamInfo>;
}

export interface MetricDatum {
    namespace: string;
    name: string;
    /** One value; a datum sent as Values/Counts becomes one entry per value with its count. */
    value: number;
    count?: number;
    unit?: string;
    dimensions?: Array<{ Name: string; Value: string }>;
    /** Epoch milliseconds of the datum's Timestamp, or of its arrival when it had none. */
    timestampMs?: number;
}

export type KeyStoreConnectionState = 'CONNECTED' | 'CONNECTING' | 'FAILED' | 'DISCONNECTED' | 'DISCONNECTING';

/** Why a custom key store is FAILED, as KMS names it in `ConnectionErrorCode`. */
export type KeyStoreConnectionErrorCode =
    | 'CLUSTER_NOT_FOUND'
    | 'INSUFFICIENT_CLOUDHSM_HSMS'
    | 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET'
    | 'INTERNAL_ERROR'
    | 'INVALID_CREDENTIALS'
    | 'NETWORK_ERRORS'
    | 'SUBNET_NOT_FOUND'
    | 'USER_LOCKED_OUT'
    | 'USER_LOGGED_IN'
    | 'USER_NOT_FOUND';

/** A KMS custom key store: an AWS CloudHSM key store, or an external (XKS) one that only tests seed. */
export interface CustomKeyStore {
    /** `cks-` and 17 lower-case hex characters. */
    customKeyStoreId: string;
    name: string;
    type: 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';
    /** Epoch seconds. */
    creationDate: number;
    connectionState: KeyStoreConnectionState;
    /** Set only while `connectionState` is FAILED. */
    connectionErrorCode?: KeyStoreConnectionErrorCode;
    clusterId?: string;
    /**
     * The backup lineage of the store's cluster, recorded when the cluster is set: the usual reason to move a
     * store is that its cluster was deleted, and the restored cluster must be related to the one that is gone.
     */
    clusterLineage?: string;
    trustAnchorPem?: string;
    /**
     * The `kmsuser` password as KMS knows it: what the caller told it, until a connection succeeds and KMS
     * replaces it with one of its own.
     */
    kmsUserPassword?: string;
    /** External key stores only. */
    xksProxy?: { connectivity: 'PUBLIC_ENDPOINT' | 'VPC_ENDPOINT_SERVICE'; uriEndpoint: string; uriPath: string; accessKeyId: string };
}

export type KmsKeyOrigin = 'AWS_KMS' | 'AWS_CLOUDHSM' | 'EXTERNAL' | 'EXTERNAL_KEY_STORE';

export interface KmsKey {
    /** A UUID. */
    keyId: string;
    arn: string;
    description: string;
    keyUsage: string;
    keySpec: string;
    origin: KmsKeyOrigin;
    /** Epoch seconds. */
    creationDate: number;
    /** Disabled by DisableKey, and by CancelKeyDeletion as in AWS. */
    enabled: boolean;
    customKeyStoreId?: string;
    /** Where KMS generated the key material of a key in a CloudHSM key store (a key owned by `kmsuser`). */
    keyMaterialClusterId?: string;
    /** Epoch seconds at which a key in PendingDeletion is deleted. */
    deletionDate?: number;
    pendingWindowInDays?: number;
    tags: Array<{ TagKey: string; TagValue: string }>;
    /** The key policy (a JSON document) that authorizes every request on the key. */
    policy: string;
    /** The emulator's own AES-256 key for Encrypt and Decrypt (hex); never on the wire. */
    materialHex?: string;
}

export interface EmulatorState {
    accountId: string;
    region: string;
    clusters: Map<string, Cluster>;
    backups: Map<string, Backup>;
    /** By secret name: a name belongs to one secret at a time, including while it is scheduled for deletion. */
    secrets: Map<string, Secret>;
    vpcs: Map<string, Vpc>;
    subnets: Map<string, Subnet>;
    securityGroups: Map<string, SecurityGroup>;
    instances: Map<string, Instance>;
    commands: Map<string, CommandInvocation[]>;
    /** Events by group, then stream. */
    logGroups: Map<string, Map<string, LogEvent[]>>;
    logGroupInfo: Map<string, LogGroupInfo>;
    metrics: MetricDatum[];
    /** KMS custom key stores by ID. */
    keyStores: Map<string, CustomKeyStore>;
    /** KMS keys by key ID (a UUID), including keys pending deletion. */
    kmsKeys: Map<string, KmsKey>;
    /**
     * The Availability Zones of the region where CloudHSM offers HSMs (not every AZ does); undefined means all.
     * CreateCluster refuses a subnet elsewhere, and DescribeVpcEndpointServices lists these for cloudhsmv2.
     */
    cloudHsmAvailabilityZones?: string[];
}

export function emptyState(accountId: string, region: string): EmulatorState {
    return {
        accountId,
        region,
        clusters: new Map(),
        backups: new Map(),
        secrets: new Map(),
        vpcs: new Map(),
        subnets: new Map(),
        securityGroups: new Map(),
        instances: new Map(),
        commands: new Map(),
        logGroups: new Map(),
        logGroupInfo: new Map(),
        metrics: [],
        keyStores: new Map(),
        kmsKeys: new Map(),
    };
}
