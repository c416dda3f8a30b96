/**
 * Community::CloudHsm::KeyStore: which workflow answers which action. Lambda calls `entrypoint`.
 */
import { DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { Action, OperationStatus, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { NotFoundError } from '../../shared/engine/errors';
import { isRetiredKeyStore } from '../../shared/finders/key-store-keys';
import { Workflow } from '../../shared/engine/workflow';
import { HandlerInput, registryResource, success } from '../../shared/registry/resource';
import { runWorkflowOperation } from '../../shared/registry/run-workflow';
import { KeyStoreModel } from './resource-model';
import { readModel } from './steps/read-model';
import { modelFromKeyStore } from './translate';
import { assertValidKeyStoreInput } from './validate-input';
import { createWorkflow } from './workflows/create';
import { deleteWorkflow } from './workflows/delete';
import { KeyStoreData, KeyStoreScope } from './workflows/scope';
import { updateWorkflow } from './workflows/update';

/** A page per call; an account holds at most 10 custom key stores unless AWS raised its quota. */
const LIST_PAGE_SIZE = 10;

const scopeFor = (input: HandlerInput<KeyStoreModel>, data: KeyStoreData, model: KeyStoreModel) =>
    new KeyStoreScope(
        data,
        model,
        input.action === Action.Update ? input.request.previousResourceState : undefined,
        { requestToken: input.request.clientRequestToken, region: input.request.region, accountId: input.request.awsAccountId },
        input.clients,
        input.logger,
    );

const desiredModel = (input: HandlerInput<KeyStoreModel>): KeyStoreModel => KeyStoreModel.deserialize(input.request.desiredResourceState?.serialize() ?? {});

function withoutWriteOnly(model: KeyStoreModel): KeyStoreModel {
    delete model.AdminSecretArn;
    delete model.ManagementInstanceId;
    delete model.SecretsKmsKeyId;
    return model;
}

const run = (input: HandlerInput<KeyStoreModel>, workflow: Workflow<KeyStoreScope>, finish: (scope: KeyStoreScope) => Promise<ProgressEvent<KeyStoreModel>>) => {
    const model = desiredModel(input);
    return runWorkflowOperation<KeyStoreModel, KeyStoreData, KeyStoreScope>({
        workflow,
        callbackContext: input.callbackContext,
        model,
        makeScope: (data) => scopeFor(input, data, model),
        identified: (m) => !!m.KeyStoreId,
        publicModel: withoutWriteOnly,
        finish,
    });
};

const finishWithRead = async (scope: KeyStoreScope) => success(withoutWriteOnly(await readModel(scope)));

export const resource = registryResource(KeyStoreModel.TYPE_NAME, KeyStoreModel, {
    [Action.Create]: async (input) => {
        assertValidKeyStoreInput(desiredModel(input), input.request.awsAccountId);
        return run(input, createWorkflow, finishWithRead);
    },
    [Action.Update]: async (input) => {
        // The first step (check-update) answers NotFound for a key store that is gone, then checks the input.
        if (!desiredModel(input).KeyStoreId) throw new NotFoundError('No KeyStoreId to update.');
        return run(input, updateWorkflow, finishWithRead);
    },
    [Action.Delete]: async (input) => run(input, deleteWorkflow, async () => success()),
    [Action.Read]: async (input) => {
        const model = desiredModel(input);
        if (!model.KeyStoreId) throw new NotFoundError('No KeyStoreId to read.');
        return success(withoutWriteOnly(await readModel(scopeFor(input, { keyStoreId: model.KeyStoreId }, model))));
    },
    [Action.List]: async (input) => {
        // External (XKS) key stores are not this type's, and retired ones are deleted resources; a page may therefore
        // hold fewer models than stores.
        const page = await input.clients.get(KMSClient).send(new DescribeCustomKeyStoresCommand({ Limit: LIST_PAGE_SIZE, Marker: input.listToken }));
        const models = (page.CustomKeyStores ?? [])
            .filter((s) => (s.CustomKeyStoreType ?? 'AWS_CLOUDHSM') === 'AWS_CLOUDHSM' && !isRetiredKeyStore(s))
            .map((s) => modelFromKeyStore(s, {}));
        return ProgressEvent.builder<ProgressEvent<KeyStoreModel>>()
            .status(OperationStatus.Success)
            .resourceModels(models)
            .nextToken(page.Truncated ? page.NextMarker : undefined)
            .build();
    },
});

export const entrypoint = resource.entrypoint;
export const testEntrypoint = resource.testEntrypoint;
