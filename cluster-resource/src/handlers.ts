/**
 * Community::CloudHsm::Cluster: which workflow answers which action. Lambda calls `entrypoint`.
 */
import { Action, OperationStatus, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { NotFoundError } from '../../shared/engine/errors';
import { Workflow } from '../../shared/engine/workflow';
import { runWorkflowOperation } from '../../shared/registry/run-workflow';
import { clusterPage } from '../../shared/finders/clusters';
import { HandlerInput, registryResource, success } from '../../shared/registry/resource';
import { ClusterModel } from './resource-model';
import { addressMessage } from './steps/parked-addresses';
import { readModel } from './steps/read-model';
import { modelFromCluster } from './translate';
import { assertValidClusterInput } from './validate-input';
import { createWorkflow } from './workflows/create';
import { deleteWorkflow } from './workflows/delete';
import { ClusterData, ClusterScope } from './workflows/scope';
import { updateWorkflow } from './workflows/update';

const scopeFor = (input: HandlerInput<ClusterModel>, data: ClusterData, model: ClusterModel) =>
    new ClusterScope(
        data,
        model,
        input.action === Action.Update ? input.request.previousResourceState : undefined,
        {
            requestToken: input.request.clientRequestToken,
            region: input.request.region,
            accountId: input.request.awsAccountId,
            stackTags: input.request.desiredResourceTags,
            logicalId: input.request.logicalResourceIdentifier,
            systemTags: input.request.systemTags,
        },
        input.clients,
        input.logger,
    );

/** A copy of the desired model: the request's own is frozen. */
const desiredModel = (input: HandlerInput<ClusterModel>): ClusterModel => ClusterModel.deserialize(input.request.desiredResourceState?.serialize() ?? {});

/** Write-only properties never leave the handler in a finished event. */
function withoutWriteOnly(model: ClusterModel): ClusterModel {
    delete model.ExternalClusterCertificate;
    delete model.ExternalTrustAnchor;
    delete model.SourceAdminSecretArn;
    delete model.SourceTrustAnchorSecretArn;
    delete model.MtlsTrustAnchors;
    delete model.ImportedAdminSecretArn;
    delete model.ImportedTrustAnchorSecretArn;
    return model;
}

const run = (input: HandlerInput<ClusterModel>, workflow: Workflow<ClusterScope>, finish: (scope: ClusterScope) => Promise<ProgressEvent<ClusterModel>>) => {
    const model = desiredModel(input);
    return runWorkflowOperation<ClusterModel, ClusterData, ClusterScope>({
        workflow,
        callbackContext: input.callbackContext,
        model,
        makeScope: (data) => scopeFor(input, data, model),
        identified: (m) => !!m.ClusterId,
        publicModel: withoutWriteOnly,
        finish,
    });
};

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
