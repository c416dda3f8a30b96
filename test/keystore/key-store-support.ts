/**
 * What the key store scenarios share: the properties a user declares, the real KMS client, and the checks a
 * user makes afterwards in the emulated account (the store as KMS holds it, kmsuser on the HSMs, the secrets,
 * the calls made and in which order).
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { KmsService } from '../../local/emulator/services/kms';
import { LocalAws } from '../../local/runtime';

export const KMS_USER = 'kmsuser';

/** A key store declared on a cluster made by the cluster type (its ClusterId, TrustAnchorCertificate, AdminSecretArn). */
export function keyStoreProperties(aws: LocalAws, cluster: Record<string, unknown>, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        KeyStoreName: `keys-for-${cluster.ClusterId}`,
        ClusterId: cluster.ClusterId,
        TrustAnchorCertificate: cluster.TrustAnchorCertificate,
        AdminSecretArn: cluster.AdminSecretArn,
        ManagementInstanceId: aws.network.managementInstanceId,
        ...overrides,
    };
}

export function kmsClient(aws: LocalAws): KMSClient {
    return new KMSClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' }, maxAttempts: 1 });
}

export const kmsOf = (aws: LocalAws) => aws.emulator.service<KmsService>('kms');

/** The secret by ARN or name, unless it is deleted or scheduled for deletion. */
export function liveSecret(aws: LocalAws, arnOrName: string) {
    return [...aws.emulator.state.secrets.values()].find((s) => (s.arn === arnOrName || s.name === arnOrName) && s.deletedDate === undefined);
}

/** The `password` of the JSON credentials in a live secret's AWSCURRENT version. */
export function passwordIn(aws: LocalAws, arnOrName: string): string {
    const current = liveSecret(aws, arnOrName)?.versions.find((v) => v.stages.includes('AWSCURRENT'));
    if (!current?.secretString) throw new Error(`No live secret ${arnOrName} with a current value`);
    return (JSON.parse(current.secretString) as { password: string }).password;
}

export function clusterOf(aws: LocalAws, clusterId: string) {
    const cluster = aws.emulator.state.clusters.get(clusterId);
    if (!cluster) throw new Error(`No cluster ${clusterId} in the emulator`);
    return cluster;
}

export const activeHsmIds = (aws: LocalAws, clusterId: string) => clusterOf(aws, clusterId).hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId).sort();

export const hsmUser = (aws: LocalAws, clusterId: string, username: string) => clusterOf(aws, clusterId).users.filter((u) => u.username === username);

/** Calls that change something (everything but Describe/List/Get), as the driver counts them. */
export const mutatingCalls = (calls: Record<string, number>) => Object.keys(calls).filter((k) => !/:(Describe|List|Get)/.test(k)).sort();

/** The product's answered calls that change something, in the order made, from index `from` of the emulator's log. */
export function mutatingCallSequence(aws: LocalAws, from: number): string[] {
    return aws.emulator.calls
        .slice(from)
        .filter((c) => !c.error && !['logs', 'cloudwatch'].includes(c.service) && !/^(Describe|List|Get)/.test(c.action))
        .map((c) => `${c.service}:${c.action}`);
}

/** CloudHSM CLI user commands the management instance ran from index `from`: `user create kmsuser`, … */
export function cliUserCommands(aws: LocalAws, from: number) {
    return aws.instances.invocations
        .slice(from)
        .filter((i) => i.tool === 'cloudhsm-cli' && i.argv[0] === 'user' && i.argv[1] !== 'list')
        .map((i) => ({ command: `user ${i.argv[1]} ${i.argv[i.argv.indexOf('--username') + 1]}`, typedAtPrompt: i.typedAtPrompts[0], passwordFrom: i.passwordFrom, exitCode: i.exitCode, argv: i.argv }));
}

/** Lets every emulated transition that is due by now happen (the clock moved). */
export function advanceSeconds(aws: LocalAws, seconds: number): void {
    aws.clock.advance(seconds);
    aws.emulator.settle();
}

/** Fails the test with the handler's own message when an operation did not succeed. */
export function expectSuccess(report: { status: string; errorCode?: string; message?: string }): void {
    if (report.status !== 'SUCCESS') throw new Error(`Expected SUCCESS, got ${report.status} ${report.errorCode}: ${report.message}`);
}
