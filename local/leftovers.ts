/** What a test or `npm start` checks after a delete: anything of ours still in the emulated account. */
import { EmulatorState } from './emulator/state';

export interface Leftovers {
    clusters: string[];
    hsms: string[];
    /** Ingress rules from another group on a cluster's security group (the type adds those). */
    rules: string[];
    secrets: string[];
    backups: string[];
    keyStores: string[];
    kmsKeys: string[];
}

export function leftovers(state: EmulatorState): Leftovers {
    const clusters = [...state.clusters.values()].filter((c) => c.state !== 'DELETED');
    const clusterGroups = new Set([...state.clusters.values()].map((c) => c.securityGroup));
    return {
        clusters: clusters.map((c) => c.clusterId),
        hsms: clusters.flatMap((c) => c.hsms.filter((h) => h.state !== 'DELETED').map((h) => h.hsmId)),
        rules: [...state.securityGroups.values()]
            .filter((g) => clusterGroups.has(g.groupId))
            .flatMap((g) => g.ingress.filter((r) => r.sourceGroupId !== g.groupId).map((r) => `${g.groupId}<-${r.sourceGroupId}`)),
        secrets: [...state.secrets.values()].filter((s) => s.deletedDate === undefined).map((s) => s.name),
        backups: [...state.backups.values()].filter((b) => b.state === 'READY' || b.state === 'CREATE_IN_PROGRESS').map((b) => b.backupId),
        keyStores: [...state.keyStores.values()].map((k) => k.customKeyStoreId),
        kmsKeys: [...state.kmsKeys.values()].map((k) => k.keyId),
    };
}
