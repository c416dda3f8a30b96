/**
 * Activation and CLI configuration on the management instance, over SSM Run Command: one step sends the
 * script and records the command, the next polls it, and a failure ends the operation with the script's own
 * error output (which never holds a secret: the scripts print none).
 */
import { TerminalStateError } from '../../../shared/engine/errors';
import { nextLookSeconds, SCHEDULES } from '../../../shared/engine/polling';
import { next, Step, wait } from '../../../shared/engine/workflow';
import { readSecret } from '../../../shared/secrets/secrets';
import { sendScriptOnce } from '../../../shared/ssm/run-command';
import { secretNames } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { activationScript, configurationScript } from './scripts';
import { secretArn } from './secrets';

/** What every cluster script needs: an ACTIVE HSM to reach, the HSM type and the trust anchor. */
export async function scriptInputs(scope: ClusterScope) {
    const cluster = await scope.cluster();
    const hsm = (cluster.Hsms ?? []).find((h) => h.State === 'ACTIVE');
    if (!hsm?.EniIp) throw new TerminalStateError(`Cluster ${scope.clusterId} has no ACTIVE HSM for the management instance to reach.`);
    const trustAnchorPem = await readSecret(scope.secrets, secretNames(scope.clusterId).trustAnchor);
    return { hsmIp: hsm.EniIp, hsmType: cluster.HsmType, trustAnchorPem };
}

export const activateCluster: Step<ClusterScope> = {
    name: 'activate-cluster',
    when: (scope) => !!scope.model.ManagementInstanceId && !scope.model.SourceBackupId && !scope.data.imported,
    run: async (scope) => {
        if (scope.data.command?.purpose === 'activate') return next();
        const cluster = await scope.cluster();
        if (cluster.State !== 'INITIALIZED') return next();
        const inputs = await scriptInputs(scope);
        const adminSecretArn = scope.model.AdminSecretArn ?? secretNames(scope.clusterId).admin;
        const script = activationScript({ ...inputs, adminSecretArn: await arnOf(scope, adminSecretArn), region: scope.request.region });
        const sent = await sendScriptOnce(scope.ssm, scope.model.ManagementInstanceId!, script, `Activate ${scope.clusterId}`, scope.request.requestToken);
        scope.data.command = { ...sent, purpose: 'activate' };
        return next();
    },
};

/**
 * Configures a management instance for a cluster that is already initialized: a replaced instance, or the
 * first the type sets up for an imported cluster (steps/imported-cluster.ts).
 */
export const configureInstance: Step<ClusterScope> = {
    name: 'configure-instance',
    when: (scope) =>
        !!scope.model.ManagementInstanceId && (scope.model.ManagementInstanceId !== scope.previous?.ManagementInstanceId || !!scope.data.imported?.configureInstance),
    run: async (scope) => {
        if (scope.data.command?.purpose === 'configure') return next();
        const cluster = await scope.cluster();
        if (cluster.State !== 'ACTIVE') return next();
        const script = configurationScript(await scriptInputs(scope));
        const sent = await sendScriptOnce(scope.ssm, scope.model.ManagementInstanceId!, script, `Configure CLI for ${scope.clusterId}`, scope.request.requestToken);
        scope.data.command = { ...sent, purpose: 'configure' };
        return next();
    },
};

export const awaitClusterActive: Step<ClusterScope> = {
    name: 'await-cluster-active',
    when: (scope) => !!scope.model.ManagementInstanceId,
    run: async (scope, progress) => {
        const cluster = await scope.cluster();
        if (cluster.State === 'ACTIVE') return next();
        if (cluster.State === 'INITIALIZED') {
            return wait(nextLookSeconds(SCHEDULES.activation, progress.waitedSeconds), `Waiting for cluster ${scope.clusterId} to show ACTIVE`, SCHEDULES.activation.timeoutSeconds);
        }
        throw new TerminalStateError(`Cluster ${scope.clusterId} is ${cluster.State} after activation: ${cluster.StateMessage || 'no reason given'}.`);
    },
};

/** Scripts need the full ARN (the instance role may be scoped to it); the model has it once stored. */
async function arnOf(scope: ClusterScope, nameOrArn: string): Promise<string> {
    if (nameOrArn.startsWith('arn:')) return nameOrArn;
    const arn = await secretArn(scope, nameOrArn);
    if (!arn) throw new TerminalStateError(`The admin credentials secret ${nameOrArn} is missing; the cluster cannot be activated without it.`);
    return arn;
}
