/** Shared test setup: the local runtime, the types under test, and an independent CA made with openssl. */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import clusterSchema from '../cluster-resource/schema.json';
import { entrypoint as clusterEntrypoint } from '../cluster-resource/src/handlers';
import keyStoreSchema from '../keystore-resource/schema.json';
import { entrypoint as keyStoreEntrypoint } from '../keystore-resource/src/handlers';
import kmsKeySchema from '../kmskey-resource/schema.json';
import { entrypoint as kmsKeyEntrypoint } from '../kmskey-resource/src/handlers';
import { TypeUnderTest } from '../local/driver/driver';
import { LocalAws } from '../local/runtime';

export const clusterType: TypeUnderTest = { entrypoint: clusterEntrypoint, schema: clusterSchema };
export const keyStoreType: TypeUnderTest = { entrypoint: keyStoreEntrypoint, schema: keyStoreSchema };
export const kmsKeyType: TypeUnderTest = { entrypoint: kmsKeyEntrypoint, schema: kmsKeySchema };

/**
 * Service timings at the quick end of what AWS does, so that most waits end at their first look: every step
 * still runs, with fewer idle invocations. For tests about which calls are made and what they carry.
 */
export const QUICK_SERVICE_DURATIONS = {
    clusterCreateSeconds: 120,
    clusterRestoreSeconds: 240,
    clusterInitializeSeconds: 120,
    clusterDeleteSeconds: 30,
    hsmCreateSeconds: 240,
    hsmDeleteSeconds: 60,
    backupCreateSeconds: 60,
};

/** A typical declaration: two subnets, one HSM each, the management instance, self-signed CA. */
export function clusterProperties(aws: LocalAws, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b],
        HsmsPerSubnet: 1,
        ManagementInstanceId: aws.network.managementInstanceId,
        ...overrides,
    };
}

/**
 * An ACTIVE cluster made by the cluster type itself (two subnets, one HSM each, self-signed CA): the model
 * with ClusterId, TrustAnchorCertificate and AdminSecretArn that a key store is declared from.
 */
export async function readyCluster(aws: LocalAws, overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const created = await aws.driver(clusterType, { logicalResourceId: 'Cluster' }).create(clusterProperties(aws, overrides));
    if (created.status !== 'SUCCESS' || created.model?.State !== 'ACTIVE') {
        throw new Error(`The cluster for the test did not become ACTIVE: ${created.status} ${created.errorCode ?? ''} ${created.message ?? ''}`);
    }
    return created.model;
}

/** A customer's own CA, made with the system openssl (not with the product's PKI code). */
export class OpensslCa {
    readonly anchorPem: string;
    private readonly dir = mkdtempSync(join(tmpdir(), 'test-ca-'));

    constructor(commonName = 'Test Customer Root CA', keyBits = 2048) {
        this.run(['req', '-x509', '-newkey', `rsa:${keyBits}`, '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', `/CN=${commonName}`]);
        this.anchorPem = readFileSync(join(this.dir, 'ca.crt'), 'utf8');
    }

    sign(csrPem: string): string {
        writeFileSync(join(this.dir, 'cluster.csr'), csrPem);
        this.run(['x509', '-req', '-in', 'cluster.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365', '-out', 'cluster.crt']);
        return readFileSync(join(this.dir, 'cluster.crt'), 'utf8');
    }

    /** A CSR for a key of its own, as if from another cluster. */
    foreignCsr(): string {
        this.run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.csr', '-subj', '/CN=other-cluster']);
        return readFileSync(join(this.dir, 'other.csr'), 'utf8');
    }

    dispose(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }

    private run(args: string[]): void {
        execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
    }
}

export type HandlerAction = 'create' | 'read' | 'update' | 'delete' | 'list';
export const HANDLER_ACTIONS: HandlerAction[] = ['create', 'read', 'update', 'delete', 'list'];

/** The emulator names CloudHSM v2 `cloudhsmv2`; IAM calls it `cloudhsm`. */
const IAM_PREFIX: Record<string, string> = { cloudhsmv2: 'cloudhsm' };

/**
 * The IAM actions behind a driver report's calls (`service:Action`), with the ones each call implies: what a
 * service does in the caller's name, listed by the test with its source.
 */
export function iamActionsOf(calls: Record<string, number>, implied: Record<string, string[]>): string[] {
    return Object.keys(calls).flatMap((key) => {
        const [service, action] = key.split(':');
        const iamAction = `${IAM_PREFIX[service] ?? service}:${action}`;
        return [iamAction, ...(implied[iamAction] ?? [])];
    });
}

/** Permissions a handler called but the schema does not declare, and the other way round. */
export function permissionDifference(declared: string[], used: Set<string>) {
    const declaredSet = new Set(declared);
    return {
        calledButNotDeclared: [...used].filter((p) => !declaredSet.has(p)).sort(),
        declaredButNeverCalled: declared.filter((p) => !used.has(p)).sort(),
    };
}
