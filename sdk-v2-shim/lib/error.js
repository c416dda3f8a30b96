'use strict';

// The SDK v3 retry classification (throttling, transient and server errors), restated here because the
// stand-in may depend on the two v3 clients only. It says which failures the stand-in itself tries again
// (lib/service.js); `retryable` tells the library, as SDK v2 did, whether trying again later is reasonable.
const throttlingErrorNames = new Set([
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
    'LimitExceededException',
    'PriorRequestNotComplete',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'RequestThrottledException',
    'SlowDown',
    'ThrottledException',
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'TransactionInProgressException',
]);
const transientErrorNames = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const transientSocketErrorCodes = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENOTFOUND',
    'EAI_AGAIN',
]);

function isRetryable(err) {
    const httpStatusCode = err.$metadata?.httpStatusCode;
    return (
        err.$retryable !== undefined ||
        httpStatusCode === 429 ||
        (httpStatusCode !== undefined && httpStatusCode >= 500 && httpStatusCode <= 599) ||
        throttlingErrorNames.has(err.name) ||
        transientErrorNames.has(err.name) ||
        transientSocketErrorCodes.has(err.code)
    );
}

/**
 * Gives an SDK v3 error the fields SDK v2 errors had, which the library reads (`err.code || err.name`,
 * `err.retryable`). The v3 error object itself is kept, so its class, `$metadata` and `$fault` stay visible.
 */
function asV2Error(err) {
    if (!(err instanceof Error)) return err;
    // A socket error already carries its own `code` (ECONNREFUSED); v3 service errors only have `name`.
    if (typeof err.code !== 'string') err.code = err.name;
    err.retryable = isRetryable(err);
    if (err.$metadata?.httpStatusCode !== undefined) err.statusCode = err.$metadata.httpStatusCode;
    if (err.$metadata?.requestId !== undefined) err.requestId = err.$metadata.requestId;
    return err;
}

module.exports = { asV2Error, isRetryable };
