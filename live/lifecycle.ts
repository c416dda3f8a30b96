/**
 * The live test: the cluster and key store lifecycle through the bundled handlers and the driver, phase by
 * phase with the same report as `npm start`, then — whatever happened — the clean-up: delete what the run
 * made (key store, then cluster) through the handlers, remove what the cluster type keeps for restores,
 * and list anything of the run still in the account. The exit code is 0 only when every phase succeeded
 * and nothing is left.
 */
import { randomBytes } from 'crypto';
import { Driver, OperationReport, TypeUnderTest } from '../local/driver/driver';
import { describeOperation } from '../local/report';
import { AwsClients } from '../shared/aws/clients';
import { bundledTypes } from './bundled-types';
import { InterruptibleClock, LiveEnvironment } from './environment';
import { LiveInputs } from './inputs';
import { backupsInProgress, findRunResources, removeKeptForRestores, RUN_TAG_KEY, RunIdentity, RunResources } from './run-resources';

type Properties = Record<string, unknown>;

export interface LiveRun {
    environment: LiveEnvironment;
    inputs: LiveInputs;
    /** Aborted on Ctrl-C: the lifecycle stops at its next wait and the clean-up runs. */
    signal: AbortSignal;
    print(line: string): void;
}

export interface LiveOutcome {
    exitCode: number;
    phases: Array<{ name: string; status: string; errorCode?: string }>;
    left: RunResources;
}

/** How long the clean-up waits for backups CloudHSM is still taking before it can delete them. */
const BACKUP_WAIT_SECONDS = 30 * 60;
const BACKUP_POLL_SECONDS = 30;

export async function runLiveTest(run: LiveRun): Promise<LiveOutcome> {
    const { environment, inputs, print } = run;
    const runTag = `live-${randomBytes(6).toString('hex')}`;
    const identity: RunIdentity = { runTag, keyStoreName: `live-test-${runTag}`, clusterIds: new Set(), keyStoreIds: new Set() };
    const types = bundledTypes();
    const phases: LiveOutcome['phases'] = [];
    const phase = async (name: string, operation: Promise<OperationReport>) => {
        const report = await operation;
        print(describeOperation(name, report, environment.timeLabel));
        phases.push({ name, status: report.status, errorCode: report.errorCode });
        return report;
    };

    print(`Live test ${runTag} of ${types.cluster.schema.typeName} and ${types.keyStore.schema.typeName} in ${environment.description}.\n`);
    const interruptible = interruptibleClock(environment.clock, run.signal);
    const clusters = driverFor(environment, types.cluster, interruptible, 'Cluster');
    const keyStores = driverFor(environment, types.keyStore, interruptible, 'KeyStore');
    // The latest declarations, for the deletes (CloudFormation hands a delete the last model it has).
    let clusterProperties: Properties = { SubnetIds: inputs.subnetIds, HsmsPerSubnet: 1, ManagementInstanceId: inputs.instanceId, Tags: [{ Key: RUN_TAG_KEY, Value: runTag }] };
    let keyStoreProperties: Properties | undefined;
    let stoppedBy: string | undefined;
    try {
        const created = await phase('cluster: create', clusters.create(clusterProperties));
        if (created.status !== 'SUCCESS') throw new Error('the cluster create failed');
        const cluster = created.model!;
        print(`    ${cluster.ClusterId} ${cluster.State}`);
        clusterProperties = { ...clusterProperties, ClusterId: cluster.ClusterId };
        await phase('cluster: read', clusters.read({ ClusterId: cluster.ClusterId }));

        for (const [name, hsmsPerSubnet] of [['cluster: grow to 2 per subnet', 2], ['cluster: shrink to 0', 0], ['cluster: grow back to 1', 1]] as const) {
            const desired = { ...clusterProperties, HsmsPerSubnet: hsmsPerSubnet };
            const updated = await phase(name, clusters.update(clusterProperties, desired));
            clusterProperties = desired;
            if (updated.status !== 'SUCCESS') throw new Error(`${name} failed`);
            print(`    HSMs now: ${(updated.model?.Hsms as unknown[] | undefined)?.length ?? 0}`);
        }

        keyStoreProperties = {
            KeyStoreName: identity.keyStoreName,
            ClusterId: cluster.ClusterId,
            TrustAnchorCertificate: cluster.TrustAnchorCertificate,
            AdminSecretArn: cluster.AdminSecretArn,
            ManagementInstanceId: inputs.instanceId,
        };
        const store = await phase('key store: create', keyStores.create(keyStoreProperties));
        if (store.status !== 'SUCCESS') throw new Error('the key store create failed');
        print(`    ${store.model!.KeyStoreId} ${store.model!.ConnectionState}`);
        keyStoreProperties = { ...keyStoreProperties, KeyStoreId: store.model!.KeyStoreId };
        const rotated = { ...keyStoreProperties, KmsUserPasswordVersion: 2 };
        const rotation = await phase('key store: rotate kmsuser', keyStores.update(keyStoreProperties, rotated));
        keyStoreProperties = rotated;
        if (rotation.status !== 'SUCCESS') throw new Error('the kmsuser password rotation failed');
    } catch (err) {
        stoppedBy = run.signal.aborted ? 'interrupted' : (err as Error).message;
        print(`\nStopped: ${stoppedBy}. Cleaning up.`);
    }

    // Every identifier a handler ever returned, even from an operation that failed or was interrupted.
    learnedIds(clusters, 'ClusterId').forEach((id) => identity.clusterIds.add(id));
    learnedIds(keyStores, 'KeyStoreId').forEach((id) => identity.keyStoreIds.add(id));
    // The first Ctrl-C never stops the clean-up: stopping it would leave HSMs billing.
    const cleanUpClusters = driverFor(environment, types.cluster, environment.clock, 'Cluster');
    const cleanUpKeyStores = driverFor(environment, types.keyStore, environment.clock, 'KeyStore');
    const clients = new AwsClients(environment.clientSettings);
    const found = await findRunResources(clients, identity);
    for (const keyStoreId of found.keyStores) await phase('key store: delete', cleanUpKeyStores.delete({ ...keyStoreProperties, KeyStoreId: keyStoreId }));
    for (const clusterId of found.clusters) await phase('cluster: delete', cleanUpClusters.delete({ ...clusterProperties, ClusterId: clusterId }));

    const waitedSeconds = await waitForBackups(environment.clock, clients, identity);
    const removed = await removeKeptForRestores(clients, identity);
    print(`\nKept by the cluster type for restores, removed as a user decommissioning would: ${removed.join(', ') || 'nothing'}${waitedSeconds ? ` (after waiting ${waitedSeconds} s for backups)` : ''}`);
    const left = await findRunResources(clients, identity);
    const remaining = [...left.clusters, ...left.hsms, ...left.backups, ...left.secrets, ...left.keyStores];
    print(remaining.length ? `LEFT IN THE ACCOUNT (delete by hand; HSMs bill by the hour): ${remaining.join(', ')}` : `Nothing of run ${runTag} is left: no cluster, HSM, backup, secret or key store.`);

    const failed = phases.filter((p) => p.status !== 'SUCCESS').map((p) => p.name);
    const reasons = [...(stoppedBy ? [`stopped: ${stoppedBy}`] : []), ...failed, ...(remaining.length ? ['resources left'] : [])];
    print(reasons.length ? `\nFAILED (${reasons.join('; ')})` : '\nSUCCESS');
    return { exitCode: reasons.length ? 1 : 0, phases, left };
}

function driverFor(environment: LiveEnvironment, type: TypeUnderTest, clock: InterruptibleClock, logicalResourceId: string): Driver {
    // No provider log group, as for a type registered without a logging configuration: the run leaves no log
    // group behind, and the handlers' log lines stay with the driver.
    return new Driver({ clock, account: environment.account, type, logicalResourceId, providerLogGroupName: null, beforeReinvoke: environment.beforeReinvoke });
}

function learnedIds(driver: Driver, identifier: string): string[] {
    return driver.invocationEvents.map((e) => e.resourceModel?.[identifier]).filter((id): id is string => typeof id === 'string');
}

function interruptibleClock(clock: InterruptibleClock, signal: AbortSignal): InterruptibleClock {
    return {
        now: () => clock.now(),
        advance: (seconds) => {
            signal.throwIfAborted();
            return clock.advance(seconds, signal);
        },
    };
}

async function waitForBackups(clock: InterruptibleClock, clients: AwsClients, identity: RunIdentity): Promise<number> {
    let waitedSeconds = 0;
    while (waitedSeconds < BACKUP_WAIT_SECONDS && (await backupsInProgress(clients, identity)).length) {
        await clock.advance(BACKUP_POLL_SECONDS);
        waitedSeconds += BACKUP_POLL_SECONDS;
    }
    return waitedSeconds;
}
