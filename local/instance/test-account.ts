import { randomBytes, randomUUID } from 'crypto';
import { PTY_DRIVER } from '../../shared/ssm/cloudhsm-scripts';
import { Cluster, EmulatorState, Instance } from '../emulator/state';

/**
 * Pieces of an emulated account for the instance tests, written straight into the state (the services
 * that would create them are tested on their own): a managed instance, a cluster whose security group lets
 * it in, a secret.
 */
export const vpcId = 'vpc-0a1b2c3d4e5f60718';
export const instanceGroupId = 'sg-0instance0000001';
export const clusterGroupId = 'sg-0cluster00000001';

/** A PEM certificate block with a random body; the emulator compares certificates by their bodies. */
export function fakeCertificatePem(): string {
    const body = randomBytes(600).toString('base64').replace(/(.{64})/g, '$1\n').trim();
    return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

export function addManagementInstance(state: EmulatorState, overrides: Partial<Instance> = {}): Instance {
    const instance: Instance = {
        instanceId: 'i-0123456789abcdef0',
        subnetId: 'subnet-0aaaaaaaaaaaaaaa1',
        vpcId,
        securityGroupIds: [instanceGroupId],
        state: 'running',
        ssmManaged: true,
        cli: {},
        ...overrides,
    };
    state.instances.set(instance.instanceId, instance);
    return instance;
}

export interface ClusterOptions {
    clusterId?: string;
    state?: Cluster['state'];
    /** ENI IPs of the ACTIVE HSMs, one per AZ. */
    hsmIps?: string[];
    /** Whether the cluster's security group allows TCP 2223–2225 from the instance's group. */
    allowInstance?: boolean;
}

export function addCluster(state: EmulatorState, options: ClusterOptions = {}): Cluster {
    const clusterId = options.clusterId ?? 'cluster-abcdefghijk';
    const trustAnchorPem = fakeCertificatePem();
    const hsmIps = options.hsmIps ?? ['10.0.1.10', '10.0.2.10'];
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    const cluster: Cluster = {
        clusterId,
        state: options.state ?? 'INITIALIZED',
        stateMessage: '',
        hsmType: 'hsm2m.medium',
        mode: 'FIPS',
        networkType: 'IPV4',
        subnetMapping: Object.fromEntries(hsmIps.map((_, i) => [zones[i], `subnet-0${i}aaaaaaaaaaaaaaa`])),
        vpcId,
        securityGroup: clusterGroupId,
        createTimestamp: Date.now() / 1000,
        backupRetentionDays: 90,
        tags: {},
        hsms: hsmIps.map((eniIp, i) => ({
            hsmId: `hsm-${String.fromCharCode(97 + i).repeat(11)}`,
            clusterId,
            availabilityZone: zones[i],
            subnetId: `subnet-0${i}aaaaaaaaaaaaaaa`,
            eniId: `eni-0${i}bbbbbbbbbbbbbbb`,
            eniIp,
            state: 'ACTIVE',
            stateMessage: 'HSM created.',
        })),
        pki: { csrPem: '', publicKeyPem: '', trustAnchorPem, clusterCertificatePem: fakeCertificatePem() },
        users: [],
    };
    state.clusters.set(clusterId, cluster);
    state.securityGroups.set(clusterGroupId, {
        groupId: clusterGroupId,
        vpcId,
        description: `Cluster ${clusterId}`,
        ingress:
            options.allowInstance === false ? [] : [{ protocol: 'tcp', fromPort: 2223, toPort: 2225, sourceGroupId: instanceGroupId }],
    });
    return cluster;
}

export function addSecret(state: EmulatorState, name: string, secretString: string): void {
    const nowSeconds = Date.now() / 1000;
    state.secrets.set(name, {
        arn: `arn:aws:secretsmanager:${state.region}:${state.accountId}:secret:${name}-AbCdEf`,
        name,
        tags: [],
        versions: [{ versionId: randomUUID(), secretString, stages: ['AWSCURRENT'], createdDate: nowSeconds }],
        createdDate: nowSeconds,
    });
}

/**
 * A shell line that runs `command` at a terminal where `answers` are typed at its password prompts, one per
 * prompt (with the product's pty driver); `environment` goes before it (`CLOUDHSM_ROLE=… CLOUDHSM_PIN=…`).
 */
export function atTerminal(answers: string[], command: string, environment = ''): string {
    const typed = answers.map((answer) => `'${answer}'`).join(' ');
    return `${environment ? `${environment} ` : ''}python3 -c '${PTY_DRIVER}' ${command} < <(printf '%s\\n' ${typed})`;
}

/** The CloudHSM CLI's JSON document in output that may start with its password prompts. */
export function cliJson(output: string) {
    return JSON.parse(output.slice(output.indexOf('{')));
}
