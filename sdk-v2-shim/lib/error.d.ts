/** An SDK v3 error with the SDK v2 fields added (`code` = the error name unless a socket error code). */
export interface AWSError extends Error {
    code: string;
    retryable: boolean;
    statusCode?: number;
    requestId?: string;
}

export declare function asV2Error<E>(err: E): E & Partial<AWSError>;
export declare function isRetryable(err: Error): boolean;
