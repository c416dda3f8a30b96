/**
 * Community::CloudHsm::KmsKey: which workflow answers which action. Lambda calls `entrypoint`.
 */
import { DescribeKeyCommand, KeyMetadata, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { Action, OperationStatus, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { isAwsError } from '../../shared/aws/error-table';
import { NotFoundError } from '../../shared/engine/errors';
import { HandlerInput, registryResource, success } from '../../shared/registry/resource';
import { workflowHandlers, writeOnlyNames } from '../../shared/registry/workflow-handlers';
import schema from '../schema.json';
import { KmsKeyModel } from './resource-model';
import { readModel } from './steps/read-model';
import { isLiveCloudHsmKey, modelFromKey } from './translate';
import { assertValidKeyInput } from './validate-input';
import { createWorkflow } from './workflows/create';
import { deleteWorkflow } from './workflows/delete';
import { KmsKeyData, KmsKeyScope } from './workflows/scope';
import { updateWorkflow } from './workflows/update';

/**
 * Keys per LIST page. ListKeys does not say which keys are in a CloudHSM key store, so each key on the page is
 * described (one call each); a page of this size stays well within the time a LIST may take.
 */
const LIST_PAGE_SIZE = 50;

const { desiredModel, scopeFor, run } = workflowHandlers<KmsKeyModel, KmsKeyData, KmsKeyScope>({
    Model: KmsKeyModel,
    Scope: KmsKeyScope,
    identified: (m) => !!m.KeyId,
    writeOnly: writeOnlyNames(schema),
});

const finishWithRead = async (scope: KmsKeyScope) => success(await readModel(scope));

/** The key's metadata if the caller may describe it; keys whose policy refuses it are not listed. */
async function describeForList(input: HandlerInput<KmsKeyModel>, keyId: string): Promise<KeyMetadata | undefined> {
    try {
        return (await input.clients.get(KMSClient).send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    } catch (err) {
        if (isAwsError(err, 'AccessDeniedException', 'NotFoundException')) return undefined;
        throw err;
    }
}

export const resource = registryResource(KmsKeyModel.TYPE_NAME, KmsKeyModel, {
    [Action.Create]: async (input) => {
        assertValidKeyInput(desiredModel(input));
        return run(input, createWorkflow, finishWithRead);
    },
    [Action.Update]: async (input) => {
        // The first step (check-update) answers NotFound for a key that is gone or pending deletion, then checks the input.
        if (!desiredModel(input).KeyId) throw new NotFoundError('No KeyId to update.');
        return run(input, updateWorkflow, finishWithRead);
    },
    [Action.Delete]: async (input) => run(input, deleteWorkflow, async () => success()),
    [Action.Read]: async (input) => {
        const model = desiredModel(input);
        if (!model.KeyId) throw new NotFoundError('No KeyId to read.');
        return success(await readModel(scopeFor(input, { keyId: model.KeyId }, model)));
    },
    [Action.List]: async (input) => {
        // A page may hold fewer models than keys: keys outside CloudHSM key stores, pending deletion, or hidden by their policy are left out.
        const page = await input.clients.get(KMSClient).send(new ListKeysCommand({ Limit: LIST_PAGE_SIZE, Marker: input.listToken }));
        const models: KmsKeyModel[] = [];
        for (const entry of page.Keys ?? []) {
            const metadata = await describeForList(input, entry.KeyId!);
            if (isLiveCloudHsmKey(metadata)) models.push(modelFromKey(metadata));
        }
        return ProgressEvent.builder<ProgressEvent<KmsKeyModel>>()
            .status(OperationStatus.Success)
            .resourceModels(models)
            .nextToken(page.Truncated ? page.NextMarker : undefined)
            .build();
    },
});

export const entrypoint = resource.entrypoint;
export const testEntrypoint = resource.testEntrypoint;
