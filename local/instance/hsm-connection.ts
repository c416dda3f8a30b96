import { DEFAULT_CLOUDHSM_CLIENT_VERSION } from '../emulator/fixtures';
import { Cluster, Hsm, HsmUser } from '../emulator/state';
import { ToolContext } from './tool-context';

/**
 * How the CloudHSM client on the instance reaches a cluster: through the HSM address that configure-cli
 * wrote, over TCP 2223 (which the cluster's security group must allow from the instance's group), with
 * TLS that the instance verifies against `customerCA.crt` — the trust anchor the cluster was initialized with.
 */
export const hsmClientPort = 2223;
export const maxFailedLogins = 5;

export interface HsmConnection {
    cluster: Cluster;
    /** HSMs the client can use: ACTIVE ones (DEGRADED HSMs still answer) of the connected cluster. */
    reachableHsms: Hsm[];
}

export class HsmConnectionError extends Error {}

/** The oldest Client SDK 5 release each HSM type works with ("HSM compatibility for AWS CloudHSM Client SDK 5"). */
const minimumClientVersion: Record<string, string> = { 'hsm2m.medium': '5.9.0', 'hsm1.medium': '5.0.0' };

export function clientVersionOf(ctx: ToolContext): string {
    return ctx.instance.cli.clientVersion ?? DEFAULT_CLOUDHSM_CLIENT_VERSION;
}

function versionBefore(version: string, minimum: string): boolean {
    const [a, b] = [version, minimum].map((v) => v.split('.').map((part) => Number.parseInt(part, 10) || 0));
    for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
    return false;
}

const caCertificatePath = '/opt/cloudhsm/etc/customerCA.crt';

export function connect(ctx: ToolContext, clusterIdOption?: string): HsmConnection {
    const cli = ctx.instance.cli;
    if (!cli.configuredHsmIp && !cli.configuredClusterId) {
        throw new HsmConnectionError(
            'No HSM is configured for the CloudHSM CLI (/opt/cloudhsm/etc/cloudhsm-cli.cfg has no servers); run configure-cli -a <HSM IP> or configure-cli --cluster-id <ID> first',
        );
    }
    const { cluster, firstHsm } = resolveConfiguredHsm(ctx);
    if (clusterIdOption && clusterIdOption !== cluster.clusterId) {
        throw new HsmConnectionError(`Cluster ${clusterIdOption} is not in the configuration file`);
    }
    const address = `${firstHsm.eniIp}:${hsmClientPort}`;
    if (!networkAllows(ctx, cluster)) {
        throw new HsmConnectionError(`Failed to connect to the HSM at ${address}: connection timed out`);
    }
    verifyServerCertificate(ctx, cluster, address);
    const minimum = minimumClientVersion[cluster.hsmType];
    if (minimum && versionBefore(clientVersionOf(ctx), minimum)) {
        throw new HsmConnectionError(
            `Failed to connect to the HSM at ${address}: the HSM (${cluster.hsmType}) is not supported by this client (Client SDK ${clientVersionOf(ctx)}; ${minimum} or later needed)`,
        );
    }
    return { cluster, reachableHsms: cluster.hsms.filter(isReachable) };
}

function resolveConfiguredHsm(ctx: ToolContext): { cluster: Cluster; firstHsm: Hsm } {
    const cli = ctx.instance.cli;
    if (cli.configuredHsmIp) {
        for (const cluster of ctx.state.clusters.values()) {
            if (cluster.state === 'DELETED') continue;
            const hsm = cluster.hsms.find((h) => h.eniIp === cli.configuredHsmIp && h.state !== 'DELETED');
            if (hsm && isReachable(hsm)) return { cluster, firstHsm: hsm };
        }
        throw new HsmConnectionError(`Failed to connect to the HSM at ${cli.configuredHsmIp}:${hsmClientPort}: connection timed out`);
    }
    const cluster = ctx.state.clusters.get(cli.configuredClusterId!);
    const hsm = cluster?.state === 'DELETED' ? undefined : cluster?.hsms.find(isReachable);
    if (!cluster || !hsm) {
        throw new HsmConnectionError(`Failed to connect to cluster ${cli.configuredClusterId}: no HSM of the cluster answers`);
    }
    return { cluster, firstHsm: hsm };
}

function isReachable(hsm: Hsm): boolean {
    return hsm.state === 'ACTIVE' || hsm.state === 'DEGRADED';
}

function networkAllows(ctx: ToolContext, cluster: Cluster): boolean {
    const instance = ctx.instance;
    if (instance.vpcId && cluster.vpcId && instance.vpcId !== cluster.vpcId) return false;
    const group = ctx.state.securityGroups.get(cluster.securityGroup);
    // The cluster's group is enforced when the emulated account holds it (the CloudHSM service creates it).
    if (!group) return true;
    return group.ingress.some(
        (rule) =>
            instance.securityGroupIds.includes(rule.sourceGroupId) &&
            (rule.protocol === '-1' ||
                ((rule.protocol === 'tcp' || rule.protocol === '6') && rule.fromPort <= hsmClientPort && rule.toPort >= hsmClientPort)),
    );
}

function verifyServerCertificate(ctx: ToolContext, cluster: Cluster, address: string): void {
    // configure-cli --hsm-ca-cert names another CA file than customerCA.crt.
    const onInstance = ctx.instance.cli.configuredCaCertificatePem ?? ctx.request.caCertificatePem;
    if (onInstance === null) {
        throw new HsmConnectionError(`Failed to connect to the HSM at ${address}: unable to read the CA certificate ${caCertificatePath}`);
    }
    const trustAnchor = cluster.pki?.trustAnchorPem;
    // An uninitialized cluster's HSMs present no certificate issued by the customer's CA.
    const trusted = trustAnchor !== undefined && certificateBodies(onInstance).includes(certificateBodies(trustAnchor)[0]);
    if (!trusted) {
        throw new HsmConnectionError(
            `Failed to connect to the HSM at ${address}: TLS handshake failed: certificate verify failed (unable to get local issuer certificate); check ${caCertificatePath}`,
        );
    }
}

/** The base64 bodies of the CERTIFICATE blocks of a PEM file, whitespace removed (a chain file holds several). */
export function certificateBodies(pem: string): string[] {
    const bodies: string[] = [];
    const pattern = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
    for (let match = pattern.exec(pem); match; match = pattern.exec(pem)) bodies.push(match[1].replace(/\s+/g, ''));
    return bodies;
}

/** Logs in with the single-command-mode credentials `CLOUDHSM_ROLE` and `CLOUDHSM_PIN=<user>:<password>`. */
export function login(ctx: ToolContext, connection: HsmConnection): HsmUser {
    const role = ctx.request.env.CLOUDHSM_ROLE;
    const pin = ctx.request.env.CLOUDHSM_PIN;
    if (!role || !pin) {
        throw new HsmConnectionError('This command requires a logged in user: set CLOUDHSM_ROLE and CLOUDHSM_PIN=<username>:<password>');
    }
    if (role !== 'admin' && role !== 'crypto-user') {
        throw new HsmConnectionError(`Invalid CLOUDHSM_ROLE '${role}': possible values are admin, crypto-user`);
    }
    const separator = pin.indexOf(':');
    if (separator <= 0) throw new HsmConnectionError('Invalid CLOUDHSM_PIN: expected <username>:<password>');
    const username = pin.slice(0, separator).toLowerCase();
    const password = pin.slice(separator + 1);
    const { cluster, reachableHsms } = connection;
    if (cluster.state !== 'ACTIVE' && !inLimitedWriteMode(cluster)) {
        throw new HsmConnectionError(`Login failed: the cluster is not activated (state ${cluster.state}); run cluster activate first`);
    }
    const user = cluster.users.find(
        (u) => u.username === username && u.role === role && u.hsmIds.some((id) => reachableHsms.some((h) => h.hsmId === id)),
    );
    if (!user) throw new HsmConnectionError(`Login failed: user ${username} with role ${role} not found`);
    if (user.locked) {
        throw new HsmConnectionError(`Login failed: user ${username} is locked out; an admin must reset its password with user change-password`);
    }
    if (user.password !== password) {
        user.failedLogins += 1;
        if (user.failedLogins >= maxFailedLogins) user.locked = true;
        throw new HsmConnectionError(`Login failed: incorrect password for user ${username}`);
    }
    user.failedLogins = 0;
    return user;
}

/** An HSM type migration (or its rollback) runs: users log in and read, but nothing on the HSMs may change. */
export function inLimitedWriteMode(cluster: Cluster): boolean {
    return cluster.state === 'MODIFY_IN_PROGRESS' || cluster.state === 'ROLLBACK_IN_PROGRESS';
}

export function refuseInLimitedWriteMode(cluster: Cluster): void {
    if (inLimitedWriteMode(cluster)) {
        throw new HsmConnectionError(`The cluster is in limited-write mode while its HSM type is migrated (state ${cluster.state}); retry when it is ACTIVE`);
    }
}
