/**
 * Community::CloudHsm::Cluster: which workflow answers which action. Lambda calls `entrypoint`.
 */
import { Action, OperationStatus, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { NotFoundError } from '../../shared/engine/errors';
import { clusterPage } from '../../shared/finders/clusters';
import { registryResource, success } from '../../shared/registry/resource';
import { workflowHandlers, writeOnlyNames } from '../../shared/registry/workflow-handlers';
import schema from '../schema.json';
import { ClusterModel } from './resource-model';
import { addressMessage } from './steps/parked-addresses';
import { readModel } from './steps/read-model';
import { modelFromCluster } from './translate';
import { assertValidClusterInput } from './validate-input';
import { createWorkflow } from './workflows/create';
import { deleteWorkflow } from './workflows/delete';
import { ClusterData, ClusterScope } from './workflows/scope';
import { updateWorkflow } from './workflows/update';

const { desiredModel, scopeFor, withoutWriteOnly, run } = workflowHandlers<ClusterModel, ClusterData, ClusterScope>({
    Model: ClusterModel,
    Scope: ClusterScope,
    identified: (m) => !!m.ClusterId,
    writeOnly: writeOnlyNames(schema),
});

export const resource = registryResource(ClusterModel.TYPE_NAME, ClusterModel, {
    [Action.Create]: async (input) => {
        assertValidClusterInput(desiredModel(input), {
            stackTags: input.request.desiredResourceTags,
            accountId: input.request.awsAccountId,
            region: input.request.region,
            creating: true,
        });
        return run(input, createWorkflow, async (scope) => success(withoutWriteOnly(await readModel(scope))));
    },
    [Action.Update]: async (input) => {
        // The first step (check-update) answers NotFound for a cluster that is gone, then checks the input.
        if (!desiredModel(input).ClusterId) throw new NotFoundError('No ClusterId: there is no cluster to update.');
        return run(input, updateWorkflow, async (scope) => success(withoutWriteOnly(await readModel(scope)), addressMessage(scope)));
    },
    [Action.Delete]: async (input) => run(input, deleteWorkflow, async () => success()),
    [Action.Read]: async (input) => {
        const model = desiredModel(input);
        if (!model.ClusterId) throw new NotFoundError('No ClusterId to read.');
        const scope = scopeFor(input, { clusterId: model.ClusterId }, model);
        return success(withoutWriteOnly(await readModel(scope)));
    },
    [Action.List]: async (input) => {
        const scope = scopeFor(input, {}, new ClusterModel());
        const page = await clusterPage(scope.cloudhsm, input.listToken);
        return ProgressEvent.builder<ProgressEvent<ClusterModel>>()
            .status(OperationStatus.Success)
            .resourceModels(page.clusters.map((c) => withoutWriteOnly(modelFromCluster(c, {}))))
            .nextToken(page.nextToken)
            .build();
    },
});

export const entrypoint = resource.entrypoint;
export const testEntrypoint = resource.testEntrypoint;
