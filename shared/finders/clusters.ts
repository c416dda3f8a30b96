/**
 * Finding CloudHSM clusters. A DELETED cluster stays listed for a while; it counts as not found.
 */
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import type { Cluster } from '@aws-sdk/client-cloudhsm-v2';
import type { CurrentClusterMembers } from '../aws/cloudhsm-wire';

export type FoundCluster = Cluster & CurrentClusterMembers;

const GONE = new Set(['DELETED']);

export async function findCluster(client: CloudHSMV2Client, clusterId: string): Promise<FoundCluster | undefined> {
    const out = await client.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
    return (out.Clusters ?? []).find((c) => c.ClusterId === clusterId && !GONE.has(c.State ?? ''));
}

/** The live cluster carrying tag `key` = `value`, if any (CreateCluster takes no client token). */
export async function findClusterByTag(client: CloudHSMV2Client, key: string, value: string): Promise<FoundCluster | undefined> {
    for await (const cluster of allClusters(client)) {
        if (cluster.TagList?.some((t) => t.Key === key && t.Value === value)) return cluster;
    }
    return undefined;
}

export async function* allClusters(client: CloudHSMV2Client): AsyncGenerator<FoundCluster> {
    let token: string | undefined;
    do {
        const page = await client.send(new DescribeClustersCommand({ NextToken: token, MaxResults: 25 }));
        for (const cluster of page.Clusters ?? []) if (!GONE.has(cluster.State ?? '')) yield cluster;
        token = page.NextToken;
    } while (token);
}

/** One page of live clusters, for LIST. */
export async function clusterPage(client: CloudHSMV2Client, token: string | undefined, pageSize = 25): Promise<{ clusters: FoundCluster[]; nextToken?: string }> {
    const page = await client.send(new DescribeClustersCommand({ NextToken: token, MaxResults: pageSize }));
    return { clusters: (page.Clusters ?? []).filter((c) => !GONE.has(c.State ?? '')), nextToken: page.NextToken };
}
