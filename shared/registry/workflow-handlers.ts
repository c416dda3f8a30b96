/**
 * The glue every workflow-driven type needs between a handler's input and its steps: a mutable copy of the
 * desired model, the type's scope for it, the model without its write-only properties, and one workflow run
 * turned into the event CloudFormation expects.
 */
import { Action, BaseModel, LoggerProxy, ProgressEvent } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients } from '../aws/clients';
import { ScopeOf, Workflow } from '../engine/workflow';
import { HandlerInput } from './resource';
import { runWorkflowOperation } from './run-workflow';

/** What a step may need to know about the request; each type's scope takes the fields it uses. */
export interface RequestFacts {
    requestToken: string;
    region: string;
    accountId: string;
    /** The stack's tags (CloudFormation's stackTags). */
    stackTags?: Record<string, string>;
    /** CloudFormation's own tags (aws:cloudformation:stack-id, …): the stack's name, for import consent. */
    systemTags?: Record<string, string>;
    logicalId?: string;
}

type ModelClass<M extends BaseModel> = { deserialize(data: unknown): M };

export type ScopeClass<M extends BaseModel, D, S> = new (data: D, model: M, previous: M | undefined, request: RequestFacts, clients: AwsClients, logger: LoggerProxy) => S;

export interface WorkflowType<M extends BaseModel, D, S extends ScopeOf<D>> {
    Model: ModelClass<M>;
    Scope: ScopeClass<M, D, S>;
    /** Whether the model carries the primary identifier yet. */
    identified: (model: M) => boolean;
    /** The schema's write-only property names: they never leave the handler in an event. */
    writeOnly: readonly string[];
}

/** The top-level property names of a schema's writeOnlyProperties (`/properties/Name`). */
export function writeOnlyNames(schema: { writeOnlyProperties?: string[] }): string[] {
    return (schema.writeOnlyProperties ?? []).map((pointer) => {
        const name = /^\/properties\/([^/]+)$/.exec(pointer)?.[1];
        if (!name) throw new Error(`Write-only property ${pointer} is not a top-level property; the handlers hide only whole properties.`);
        return name;
    });
}

export function workflowHandlers<M extends BaseModel, D, S extends ScopeOf<D>>(type: WorkflowType<M, D, S>) {
    /** A copy of the desired model: the request's own is frozen. */
    const desiredModel = (input: HandlerInput<M>): M => type.Model.deserialize(input.request.desiredResourceState?.serialize() ?? {});

    const scopeFor = (input: HandlerInput<M>, data: D, model: M): S =>
        new type.Scope(
            data,
            model,
            input.action === Action.Update ? input.request.previousResourceState : undefined,
            {
                requestToken: input.request.clientRequestToken,
                region: input.request.region,
                accountId: input.request.awsAccountId,
                stackTags: input.request.desiredResourceTags,
                systemTags: input.request.systemTags,
                logicalId: input.request.logicalResourceIdentifier,
            },
            input.clients,
            input.logger,
        );

    const withoutWriteOnly = (model: M): M => {
        for (const name of type.writeOnly) delete (model as Record<string, unknown>)[name];
        return model;
    };

    const run = (input: HandlerInput<M>, workflow: Workflow<S>, finish: (scope: S) => Promise<ProgressEvent<M>>) => {
        const model = desiredModel(input);
        return runWorkflowOperation<M, D, S>({
            workflow,
            callbackContext: input.callbackContext,
            model,
            makeScope: (data) => scopeFor(input, data, model),
            identified: type.identified,
            publicModel: withoutWriteOnly,
            finish,
        });
    };

    return { desiredModel, scopeFor, withoutWriteOnly, run };
}
