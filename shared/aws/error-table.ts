import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { HandlerError } from '../engine/errors';

/**
 * The one table from AWS error names to handler error codes. Retryable errors (throttling, internal
 * failures, the network) make the engine come back later instead of failing the stack operation.
 */
interface Rule {
    code: HandlerErrorCode;
    retryable?: boolean;
    names: string[];
}

const rules: Rule[] = [
    {
        code: HandlerErrorCode.Throttling,
        retryable: true,
        names: ['ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException', 'ThrottledException'],
    },
    {
        code: HandlerErrorCode.ServiceInternalError,
        retryable: true,
        names: [
            'CloudHsmInternalFailureException',
            'KMSInternalException',
            'DependencyTimeoutException',
            'InternalServiceError',
            'InternalServerError',
            'InternalFailure',
            'InternalError',
            'ServiceUnavailable',
            'ServiceUnavailableException',
        ],
    },
    {
        code: HandlerErrorCode.NetworkFailure,
        retryable: true,
        names: ['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'],
    },
    {
        code: HandlerErrorCode.AccessDenied,
        names: ['CloudHsmAccessDeniedException', 'AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation'],
    },
    {
        code: HandlerErrorCode.InvalidCredentials,
        names: ['UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredTokenException', 'AuthFailure', 'CredentialsProviderError'],
    },
    {
        code: HandlerErrorCode.NotFound,
        names: [
            'CloudHsmResourceNotFoundException',
            'ResourceNotFoundException',
            'CustomKeyStoreNotFoundException',
            'NotFoundException',
            'InvalidInstanceID.NotFound',
            'InvalidSubnetID.NotFound',
            'InvalidGroup.NotFound',
        ],
    },
    {
        code: HandlerErrorCode.ServiceLimitExceeded,
        names: ['CloudHsmResourceLimitExceededException', 'LimitExceededException'],
    },
    {
        code: HandlerErrorCode.ResourceConflict,
        names: ['CustomKeyStoreHasCMKsException', 'CloudHsmClusterInUseException', 'KMSInvalidStateException', 'DisabledException'],
    },
    {
        code: HandlerErrorCode.AlreadyExists,
        names: ['ResourceExistsException', 'CustomKeyStoreNameInUseException'],
    },
    {
        code: HandlerErrorCode.InvalidRequest,
        names: [
            'CloudHsmInvalidRequestException',
            'CloudHsmTagException',
            'InvalidRequestException',
            'InvalidParameterException',
            'InvalidParameterValue',
            'InvalidParameterValueException',
            'InvalidInstanceId',
            'InvalidInstanceID.Malformed',
            'InvalidSubnetID.Malformed',
            'InvalidDocument',
            'ValidationException',
            'IncorrectTrustAnchorException',
            'CloudHsmClusterInvalidConfigurationException',
            'CloudHsmClusterNotActiveException',
            'CloudHsmClusterNotFoundException',
            'CloudHsmClusterNotRelatedException',
            'CustomKeyStoreInvalidStateException',
            'MalformedPolicyDocumentException',
            'TagException',
            'UnsupportedOperationException',
            'InvalidArnException',
        ],
    },
    {
        code: HandlerErrorCode.GeneralServiceException,
        names: ['CloudHsmServiceException'],
    },
];

/**
 * CloudHSM reports its cluster and HSM quotas as CloudHsmInvalidRequestException with a message (the API model
 * lists CloudHsmResourceLimitExceededException for TagResource only). They are told apart from other bad
 * requests by the words of the message, and from each other by the call and, for CreateHsm, the message.
 */
const CLOUDHSM_QUOTA_MESSAGE = /\blimit\b|\bquota\b/i;
const CLOUDHSM_QUOTAS: Array<{ command: string; message?: RegExp; quota: string }> = [
    { command: 'CreateCluster', quota: 'clusters per Region (4 by default; ask for more in Service Quotas, or delete an unused cluster)' },
    { command: 'CreateHsm', message: /per cluster|maximum of 28/i, quota: 'HSMs per cluster (28, fixed; lower HsmsPerSubnet)' },
    {
        command: 'CreateHsm',
        message: /account|region/i,
        quota: 'HSMs per account per Region (6 by default; ask for more in Service Quotas, or remove HSMs from other clusters)',
    },
    {
        command: 'CreateHsm',
        quota: 'HSMs per account per Region (6 by default, adjustable in Service Quotas) or HSMs per cluster (28, fixed)',
    },
];

function cloudHsmQuota(name: string | undefined, command: string | undefined, detail: string): string | undefined {
    if (name !== 'CloudHsmInvalidRequestException' || !CLOUDHSM_QUOTA_MESSAGE.test(detail)) return undefined;
    return CLOUDHSM_QUOTAS.find((q) => q.command === command && (!q.message || q.message.test(detail)))?.quota;
}

const byName = new Map(rules.flatMap((rule) => rule.names.map((name) => [name, rule] as const)));

export interface ClassifiedError {
    code: HandlerErrorCode;
    retryable: boolean;
    message: string;
}

/**
 * The SDK's retry middleware wraps a failure that is not an `Error` of its own realm (a socket error raised in
 * another VM context, as under jest) in a new Error, and keeps the original name only in the message.
 */
const SDK_ERROR_WRAPPER = /^AWS SDK error wrapper for (\w+)/;

/** The AWS error name of an SDK v3 error (or a Node network error), if it is one. */
export function awsErrorName(err: unknown): string | undefined {
    const e = err as { name?: string; code?: string; Code?: string; message?: string; $metadata?: unknown } | undefined;
    if (!e || typeof e !== 'object') return undefined;
    if (typeof e.code === 'string' && byName.has(e.code)) return e.code;
    if (typeof e.Code === 'string') return e.Code;
    const wrapped = typeof e.message === 'string' ? SDK_ERROR_WRAPPER.exec(e.message) : null;
    return wrapped ? wrapped[1] : e.name;
}

export const isAwsError = (err: unknown, ...names: string[]): boolean => names.includes(awsErrorName(err) ?? '');

/** Classifies anything a step threw. `operation` names what was being done, for the message. */
export function classify(err: unknown, operation: string): ClassifiedError {
    if (err instanceof HandlerError) return { code: err.code, retryable: false, message: err.message };
    const name = awsErrorName(err);
    const rule = name ? byName.get(name) : undefined;
    const detail = (err as Error)?.message ?? String(err);
    const command = (err as { $command?: string })?.$command;
    const where = command ? `${operation} (${command})` : operation;
    const quota = cloudHsmQuota(name, command, detail);
    if (quota) {
        return { code: HandlerErrorCode.ServiceLimitExceeded, retryable: false, message: `${where}: a CloudHSM quota is reached: ${quota}. ${detail} [${name}]` };
    }
    if (rule) return { code: rule.code, retryable: !!rule.retryable, message: `${where}: ${detail} [${name}]` };
    const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (status && status >= 500) return { code: HandlerErrorCode.ServiceInternalError, retryable: true, message: `${where}: ${detail} [${name}]` };
    if (status && status >= 400) return { code: HandlerErrorCode.GeneralServiceException, retryable: false, message: `${where}: ${detail} [${name}]` };
    return { code: HandlerErrorCode.InternalFailure, retryable: false, message: `${where}: ${detail}` };
}
