/**
 * Community::CloudHsm::KeyStore: which workflow answers which action. Lambda calls `entrypoint`.
 */
import { DescribeCustomKeyStoresCommand, KMSClient } from '@aws-sdk/client-kms';
import { Action, OperationStatus, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { NotFoundError } from '../../shared/engine/errors';
import { isRetiredKeyStore } from '../../shared/finders/key-store-keys';
import { registryResource, success } from '../../shared/registry/resource';
import { workflowHandlers, writeOnlyNames } from '../../shared/registry/workflow-handlers';
import schema from '../schema.json';
import { KeyStoreModel } from './resource-model';
import { readModel } from './steps/read-model';
import { isCloudHsmKeyStore, modelFromKeyStore } from './translate';
import { assertValidKeyStoreInput } from './validate-input';
import { createWorkflow } from './workflows/create';
import { deleteWorkflow } from './workflows/delete';
import { KeyStoreData, KeyStoreScope } from './workflows/scope';
import { updateWorkflow } from './workflows/update';

/** A page per call; an account holds at most 10 custom key stores unless AWS raised its quota. */
const LIST_PAGE_SIZE = 10;

const { desiredModel, scopeFor, withoutWriteOnly, run } = workflowHandlers<KeyStoreModel, KeyStoreData, KeyStoreScope>({
    Model: KeyStoreModel,
    Scope: KeyStoreScope,
    identified: (m) => !!m.KeyStoreId,
    writeOnly: writeOnlyNames(schema),
});

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
            .filter((s) => isCloudHsmKeyStore(s) && !isRetiredKeyStore(s))
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
