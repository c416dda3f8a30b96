/**
 * What one live run made, found in the account rather than remembered: its clusters by the run's tag (which
 * the cluster type also puts on every secret it creates), their HSMs and backups, its key store by name,
 * and the secrets of both types by their names. Used to find what to delete when an ID was never learned,
 * and for the final listing of anything left.
 */
import { CloudHSMV2Client, DeleteBackupCommand, DescribeBackupsCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteSecretCommand, ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsClients } from '../shared/aws/clients';

export const RUN_TAG_KEY = 'live-test-run';

export interface RunIdentity {
    runTag: string;
    keyStoreName: string;
    /** IDs the run learned from the handlers (a cluster may be gone from DescribeClusters but keep backups). */
    clusterIds: Set<string>;
    keyStoreIds: Set<string>;
}

export interface RunResources {
    clusters: string[];
    hsms: string[];
    backups: string[];
    secrets: string[];
    keyStores: string[];
}

export async function findRunResources(clients: AwsClients, run: RunIdentity): Promise<RunResources> {
    const cloudhsm = clients.get(CloudHSMV2Client);
    const liveClusters = [];
    for (let token: string | undefined, first = true; first || token; first = false) {
        const page = await cloudhsm.send(new DescribeClustersCommand({ NextToken: token }));
        liveClusters.push(...(page.Clusters ?? []).filter((c) => c.State !== 'DELETED'));
        token = page.NextToken;
    }
    // The cluster type tags the cluster in CreateCluster itself, so a cluster whose ID the run never learned has the tag.
    const ours = liveClusters.filter((c) => run.clusterIds.has(c.ClusterId!) || (c.TagList ?? []).some((t) => t.Key === RUN_TAG_KEY && t.Value === run.runTag));
    ours.forEach((c) => run.clusterIds.add(c.ClusterId!));

    const keyStores = await findKeyStore(clients.get(KMSClient), run.keyStoreName);
    keyStores.forEach((id) => run.keyStoreIds.add(id));
    return {
        clusters: ours.map((c) => c.ClusterId!),
        hsms: ours.flatMap((c) => (c.Hsms ?? []).filter((h) => h.State !== 'DELETED').map((h) => h.HsmId!)),
        backups: await findBackups(cloudhsm, run.clusterIds),
        secrets: await findSecrets(clients.get(SecretsManagerClient), run),
        keyStores,
    };
}

/** A user decommissioning the run's clusters: their backups and the secrets the type keeps for restores. */
export async function removeKeptForRestores(clients: AwsClients, run: RunIdentity): Promise<string[]> {
    const removed: string[] = [];
    for (const backupId of await findBackups(clients.get(CloudHSMV2Client), run.clusterIds, ['READY'])) {
        await clients.get(CloudHSMV2Client).send(new DeleteBackupCommand({ BackupId: backupId }));
        removed.push(backupId);
    }
    for (const name of await findSecrets(clients.get(SecretsManagerClient), run)) {
        await clients.get(SecretsManagerClient).send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
        removed.push(name);
    }
    return removed;
}

/** Backups of the run's clusters that CloudHSM is still taking. */
export async function backupsInProgress(clients: AwsClients, run: RunIdentity): Promise<string[]> {
    return findBackups(clients.get(CloudHSMV2Client), run.clusterIds, ['CREATE_IN_PROGRESS']);
}

async function findBackups(cloudhsm: CloudHSMV2Client, clusterIds: Set<string>, states = ['CREATE_IN_PROGRESS', 'READY']): Promise<string[]> {
    if (!clusterIds.size) return [];
    const found: string[] = [];
    for (let token: string | undefined, first = true; first || token; first = false) {
        const page = await cloudhsm.send(new DescribeBackupsCommand({ Filters: { clusterIds: [...clusterIds], states }, NextToken: token }));
        found.push(...(page.Backups ?? []).map((b) => b.BackupId!));
        token = page.NextToken;
    }
    return found;
}

async function findSecrets(secrets: SecretsManagerClient, run: RunIdentity): Promise<string[]> {
    const prefixes = [...[...run.clusterIds].map((id) => `cloudhsm/${id}/`), ...[...run.keyStoreIds].map((id) => `cloudhsm/key-stores/${id}/`)];
    const filterSets = [
        [
            { Key: 'tag-key' as const, Values: [RUN_TAG_KEY] },
            { Key: 'tag-value' as const, Values: [run.runTag] },
        ],
        ...(prefixes.length ? [[{ Key: 'name' as const, Values: prefixes }]] : []),
    ];
    const names = new Set<string>();
    for (const Filters of filterSets) {
        for (let token: string | undefined, first = true; first || token; first = false) {
            const page = await secrets.send(new ListSecretsCommand({ Filters, NextToken: token }));
            (page.SecretList ?? []).forEach((s) => names.add(s.Name!));
            token = page.NextToken;
        }
    }
    return [...names];
}

async function findKeyStore(kms: KMSClient, name: string): Promise<string[]> {
    try {
        const found = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: name }));
        return (found.CustomKeyStores ?? []).map((k) => k.CustomKeyStoreId!);
    } catch (err) {
        if ((err as Error).name === 'CustomKeyStoreNotFoundException') return [];
        throw err;
    }
}
