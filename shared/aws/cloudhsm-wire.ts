/**
 * The newest @aws-sdk/client-cloudhsm-v2 that the npm registry serves here (3.332.0) predates the cluster
 * `Mode` and `NetworkType` members, ModifyCluster's `HsmType`, the cluster's `HsmTypeRollbackExpiration` and
 * the HSM's `EniIpV6`: its types lack them, its serializer drops them from the requests and its deserializer from
 * DescribeClusters. These middlewares put them on the wire and read them back, so the product can use the
 * current API with that client.
 */
import { CloudHSMV2Client, ModifyClusterCommandInput } from '@aws-sdk/client-cloudhsm-v2';
import { Readable } from 'stream';

const EXTRA_MEMBERS = ['Mode', 'NetworkType', 'HsmTypeRollbackExpiration'] as const;
/** Request members the 3.332 types lack, by command; the serializer copies them only by accident (`_json`). */
const EXTRA_REQUEST_MEMBERS: Record<string, readonly string[]> = {
    CreateClusterCommand: ['Mode', 'NetworkType'],
    ModifyClusterCommand: ['HsmType'],
};

const addExtraMembersToRequest = (next: any, context: any) => async (args: any) => {
    const request = args.request;
    const members = EXTRA_REQUEST_MEMBERS[context.commandName];
    if (members && typeof request?.body === 'string') {
        const body = JSON.parse(request.body);
        for (const member of members) if (args.input?.[member] !== undefined) body[member] = args.input[member];
        request.body = JSON.stringify(body);
        if (request.headers) request.headers['content-length'] = String(Buffer.byteLength(request.body));
    }
    return next(args);
};

/** Buffers the raw DescribeClusters response so the extra members can be copied onto the parsed clusters. */
const readExtraMembersFromResponse = (next: any, context: any) => async (args: any) => {
    const result = await next(args);
    const response = result.response;
    if (context.commandName !== 'DescribeClustersCommand' || !response?.body || response.statusCode !== 200) return result;
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    const raw = Buffer.concat(chunks);
    response.body = Readable.from([raw]);
    try {
        context.extraClusterMembers = (JSON.parse(raw.toString('utf8')).Clusters ?? []).map((c: any) => ({
            ...Object.fromEntries(EXTRA_MEMBERS.filter((m) => c[m] !== undefined).map((m) => [m, c[m]])),
            hsmIpV6: (c.Hsms ?? []).map((h: any) => h?.EniIpV6),
        }));
    } catch {
        context.extraClusterMembers = [];
    }
    return result;
};

const attachExtraMembersToOutput = (next: any, context: any) => async (args: any) => {
    const result = await next(args);
    const extras: Array<Record<string, unknown> & { hsmIpV6: Array<string | undefined> }> | undefined = context.extraClusterMembers;
    if (extras && Array.isArray(result.output?.Clusters)) {
        result.output.Clusters.forEach((cluster: any, i: number) => {
            const { hsmIpV6, ...members } = extras[i] ?? { hsmIpV6: [] };
            Object.assign(cluster, members);
            (cluster.Hsms ?? []).forEach((hsm: any, j: number) => {
                if (hsmIpV6[j] !== undefined) hsm.EniIpV6 = hsmIpV6[j];
            });
        });
    }
    return result;
};

export function withCurrentClusterMembers(client: CloudHSMV2Client): void {
    client.middlewareStack.add(addExtraMembersToRequest, { step: 'build', priority: 'high', name: 'addClusterModeToRequest' });
    client.middlewareStack.add(readExtraMembersFromResponse, { step: 'deserialize', priority: 'low', name: 'readClusterModeFromResponse' });
    client.middlewareStack.add(attachExtraMembersToOutput, { step: 'initialize', priority: 'low', name: 'attachClusterModeToOutput' });
}

/** The cluster fields the 3.332 types lack. */
export interface CurrentClusterMembers {
    Mode?: 'FIPS' | 'NON_FIPS';
    NetworkType?: 'IPV4' | 'DUALSTACK';
    /** Epoch seconds (as on the wire): until then a migrated cluster can go back to its former HSM type. */
    HsmTypeRollbackExpiration?: number;
}

/** ModifyCluster as the current API has it: either member alone (the 3.332 type requires the retention). */
export type CurrentModifyClusterInput = Omit<ModifyClusterCommandInput, 'BackupRetentionPolicy'> &
    Partial<Pick<ModifyClusterCommandInput, 'BackupRetentionPolicy'>> & { HsmType?: string };

/** The HSM field the 3.332 types lack: set on the HSMs of a DUALSTACK cluster. */
export interface CurrentHsmMembers {
    EniIpV6?: string;
}
