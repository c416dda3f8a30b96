'use strict';

const { Request } = require('../lib/request');

/**
 * The library's S3 log fallback (S3LogHelper in log-delivery.js) would list, create and write to a bucket
 * named after the provider log group in the user's account on every invocation. These types deliver handler
 * logs to CloudWatch Logs only, so every S3 call is refused here without touching the network.
 *
 * What the library then does: `prepareFolder` catches the error from listObjectsV2 and from createBucket,
 * logs it to the Lambda log, publishes a HandlerException metric (ProviderLogDelivery) for each, and returns
 * null; with no folder it adds no S3 publisher, and CloudWatch Logs delivery goes on as before.
 */
class S3LogFallbackDisabled extends Error {
    constructor(operation) {
        super(
            `S3 ${operation} was not sent: the S3 log fallback is disabled in these resource types; ` +
                'handler logs go to the CloudWatch Logs group named by providerLogGroupName only.',
        );
        this.name = 'S3LogFallbackDisabled';
        this.code = 'S3LogFallbackDisabled';
        this.retryable = false;
    }
}
// The library names the exception in its HandlerException metric after the error's class; keep that name
// through minification.
Object.defineProperty(S3LogFallbackDisabled, 'name', { value: 'S3LogFallbackDisabled' });

/** Stand-in for SDK v2 `AWS.S3` that rejects every request with S3LogFallbackDisabled. */
class S3 {
    constructor() {
        this.serviceIdentifier = 's3';
    }

    makeRequest(operation) {
        return new Request(operation, async () => {
            throw new S3LogFallbackDisabled(operation);
        });
    }
}

module.exports = S3;
