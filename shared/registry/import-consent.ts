/**
 * CloudFormation resource import hands a stack any cluster or key store whose identifier its author types,
 * and from then on the type's execution role, not the author, does the work: updates that rotate the admin
 * password, deletes that remove HSMs. So a resource this type did not create is changed only for the stack
 * its owner named, with a tag on the cluster that only someone allowed to tag the cluster could have set:
 *
 *     cloudhsm-type:import-into = <the importing stack's name>
 *
 * The type never sets this tag itself (the prefix is refused in Tags), so it cannot grant itself consent.
 * A key store's consent is its cluster's: whoever may tag the cluster already controls the HSMs behind it.
 */
import { InvalidInputError } from '../engine/errors';

export const IMPORT_CONSENT_TAG = 'cloudhsm-type:import-into';

/** The stack's name, from the system tag CloudFormation sends with every request (its stack ID ARN). */
export function stackName(systemTags: Record<string, string> | undefined): string | undefined {
    const stackId = systemTags?.['aws:cloudformation:stack-id'];
    return stackId?.match(/:stack\/([^/]+)\//)?.[1] ?? systemTags?.['aws:cloudformation:stack-name'];
}

export interface ConsentCheck {
    /** What is being changed, for the message: "cluster cluster-abc", "key store cks-…". */
    resource: string;
    clusterId: string;
    /** The cluster's tags as CloudHSM lists them. */
    clusterTags: Array<{ Key?: string; Value?: string }> | undefined;
    systemTags: Record<string, string> | undefined;
    /** "update" or "delete": the delete message also names DeletionPolicy: Retain. */
    operation: 'update' | 'delete';
}

/** Throws InvalidRequest, saying exactly which tag to set, unless the cluster names this stack. */
export function assertImportConsent(check: ConsentCheck): void {
    const stack = stackName(check.systemTags);
    const given = check.clusterTags?.find((t) => t.Key === IMPORT_CONSENT_TAG)?.Value;
    if (stack && given === stack) return;
    const why =
        given === undefined
            ? `cluster ${check.clusterId} has no ${IMPORT_CONSENT_TAG} tag`
            : `cluster ${check.clusterId}'s ${IMPORT_CONSENT_TAG} tag names stack ${given}, not ${stack ?? 'this stack'}`;
    const retain = check.operation === 'delete' ? ' To leave it in place instead, give the resource DeletionPolicy: Retain before removing it from the stack.' : '';
    throw new InvalidInputError(
        `The ${check.resource} was not created by this type (it was imported), and ${why}. ` +
            `Tag the cluster with your own credentials to let this stack manage it: ` +
            `aws cloudhsmv2 tag-resource --resource-id ${check.clusterId} --tag-list Key=${IMPORT_CONSENT_TAG},Value=${stack ?? '<stack name>'}, then retry the ${check.operation}.${retain}`,
    );
}
