'use strict';

const { Request } = require('./request');
const { asV2Error, isRetryable } = require('./error');
const { pause } = require('./pause');

/**
 * Every call the library makes through the stand-in delivers its own logs and metrics: best effort, never
 * worth failing or holding up a resource operation for. The library fails the whole operation with
 * InternalFailure when a metric call rejects with `retryable: true` (metrics.js), and tries a log line again
 * itself. So the stand-in makes a few attempts of its own, with short pauses, and then answers the failure
 * with `retryable: false`: the library logs it and carries on. The v3 client does not retry on top (its
 * backoff would multiply the attempts, and it sleeps on the wall clock, which the local runtime cannot move).
 */
const ATTEMPTS = 3;
const PAUSE_SECONDS = [0.1, 0.4];

/**
 * The surface of an SDK v2 service client that cloudformation-cli-typescript-lib 1.0.6 touches —
 * `new Client({ credentials, region })`, `serviceIdentifier`, `makeRequest(operation, params)` — answered by
 * one SDK v3 client built on the first call.
 *
 * The library wraps every client in a `Proxy`, so methods run with `this` = the proxy: no `#private` fields
 * here, they would throw on the proxy. It also calls `client.config.update(options)` when `config` exists;
 * there is none, because the options it would pass are the constructor's.
 *
 * `binding` says which v3 package, client class and commands stand behind the v2 operation names.
 */
class Service {
    constructor(options, binding) {
        this.serviceIdentifier = binding.serviceIdentifier;
        this.options = options || {};
        this.binding = binding;
        this.v3Client = undefined;
    }

    makeRequest(operation, params, callback) {
        if (callback !== undefined) {
            throw new TypeError('The SDK v2 stand-in does not take callbacks; use makeRequest(...).promise().');
        }
        return new Request(operation, (headers) => this.sendAsV3Command(operation, params || {}, headers));
    }

    async sendAsV3Command(operation, params, headers) {
        const commandName = this.binding.commandNameByOperation[operation];
        if (!commandName) {
            const err = new Error(
                `The SDK v2 stand-in for ${this.serviceIdentifier} does not implement ${operation}; ` +
                    `it covers ${Object.keys(this.binding.commandNameByOperation).join(', ')}.`,
            );
            err.name = 'UnsupportedOperation';
            throw asV2Error(err);
        }
        const sdkV3 = this.binding.loadSdkV3();
        const command = new sdkV3[commandName](params);
        if (Object.keys(headers).length > 0) {
            // The build step runs before signing, so the extra headers are signed like the rest.
            command.middlewareStack.add(
                (next) => async (args) => {
                    Object.assign(args.request.headers, headers);
                    return next(args);
                },
                { step: 'build', name: 'sdkV2ExtraHeaders' },
            );
        }
        for (let attempt = 1; ; attempt++) {
            try {
                // SDK v2 resolves with the output members only; v3 adds `$metadata`.
                const { $metadata, ...output } = await this.clientV3(sdkV3).send(command);
                return output;
            } catch (err) {
                const v2Error = asV2Error(err);
                if (!isRetryable(err) || attempt >= ATTEMPTS) {
                    // Final: the attempts are spent, or trying again would not help.
                    if (v2Error instanceof Error) v2Error.retryable = false;
                    throw v2Error;
                }
                await pause.seconds(PAUSE_SECONDS[attempt - 1]);
            }
        }
    }

    clientV3(sdkV3) {
        if (!this.v3Client) {
            // No `endpoint`: v3 clients read AWS_ENDPOINT_URL(_<SERVICE>) and the rest of the standard
            // configuration themselves.
            const credentials = this.options.credentials;
            if (!credentials || !credentials.accessKeyId || !credentials.secretAccessKey) throw missingCredentials();
            const config = {
                region: this.options.region,
                // One attempt per call: the SDK's own backoff sleeps on the wall clock; send() retries instead.
                maxAttempts: 1,
                credentials: {
                    accessKeyId: credentials.accessKeyId,
                    secretAccessKey: credentials.secretAccessKey,
                    sessionToken: credentials.sessionToken || undefined,
                },
            };
            this.v3Client = new sdkV3[this.binding.clientClassName](config);
        }
        return this.v3Client;
    }
}

/**
 * The library's logs and metrics go to the resource owner's account with the provider credentials of the
 * event, or nowhere: a v3 client without them would take the default chain (the Lambda's own role) and send
 * them elsewhere. SDK v2 failed such a request with CredentialsError, not retryable; the library then logs
 * the failure and goes on without delivering (metrics.js rethrows only retryable errors).
 */
function missingCredentials() {
    const err = new Error('Missing credentials: the request carries no provider access key and secret key; nothing was sent.');
    err.name = 'CredentialsError';
    return err;
}

module.exports = { Service };
