/**
 * The member constraints of the ssm API model (botocore `ssm/2014-11-06/service-2.json`) for the operations the
 * emulator serves, as the model declares them. model-constraints.ts checks them before the operation runs.
 */
import { Constraint, MemberConstraints } from './model-constraints';

const instanceId: Constraint = { pattern: '(^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)' };

/** CommandId is left to each operation, which answers InvalidCommandId as SSM does. */
export const ssmConstraints: Readonly<Record<string, MemberConstraints>> = {
    SendCommand: {
        InstanceIds: { min: 0, max: 50 },
        Targets: { min: 0, max: 5 },
        DocumentName: { pattern: '^[a-zA-Z0-9_\\-.:/]{3,128}$' },
        DocumentVersion: { pattern: '([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)' },
        DocumentHash: { max: 256 },
        DocumentHashType: { enum: ['Sha256', 'Sha1'] },
        TimeoutSeconds: { min: 30, max: 2592000 },
        Comment: { max: 100 },
        OutputS3Region: { min: 3, max: 20 },
        OutputS3BucketName: { min: 3, max: 63 },
        OutputS3KeyPrefix: { max: 500 },
        MaxConcurrency: { min: 1, max: 7, pattern: '^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$' },
        MaxErrors: { min: 1, max: 7, pattern: '^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$' },
    },
    ListCommandInvocations: {
        InstanceId: instanceId,
        MaxResults: { min: 1, max: 50 },
        Filters: {
            min: 1,
            max: 5,
            member: {
                members: { key: { enum: ['InvokedAfter', 'InvokedBefore', 'Status', 'ExecutionStage', 'DocumentName'] }, value: { min: 1, max: 128 } },
            },
        },
    },
    DescribeInstanceInformation: {
        MaxResults: { min: 5, max: 50 },
        InstanceInformationFilterList: {
            min: 0,
            member: {
                members: {
                    key: { enum: ['InstanceIds', 'AgentVersion', 'PingStatus', 'PlatformTypes', 'ActivationIds', 'IamRole', 'ResourceType', 'AssociationStatus'] },
                    valueSet: { min: 1, max: 100, member: { min: 1 } },
                },
            },
        },
        Filters: { min: 0, member: { members: { Key: { min: 1 }, Values: { min: 1, max: 100, member: { min: 1 } } } } },
    },
};
