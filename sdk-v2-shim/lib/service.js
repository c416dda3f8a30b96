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
 * `binding` says which v3 package, client class and commands stand behind the v2 operation names, and the
 * service's SDK ID (for its endpoint setting).
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
            const credentials = this.options.credentials;
            if (!credentials || !credentials.accessKeyId || !credentials.secretAccessKey) throw missingCredentials();
            const endpoint = configuredEndpoint(this.binding.serviceId);
            const config = {
                region: checkedRegion(this.options.region),
                ...(endpoint ? { endpoint } : {}),
                // One attempt per call: the SDK's own backoff sleeps on the wall clock; send() retries instead.
                retryStrategy: SEND_ONCE,
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
 * A retry strategy that never retries. `maxAttempts: 1` is not enough: the 3.332 clients' retry strategy
 * (util-retry 3.329) counts retries against it and still makes a second attempt.
 */
const SEND_ONCE = {
    mode: 'standard',
    acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
    refreshRetryTokenForRetry: async () => {
        throw new Error('sent once: not retried');
    },
    recordSuccess: () => undefined,
};

/**
 * The standard environment settings for a service's endpoint, which the 3.332 clients here do not read
 * themselves (current releases do): AWS_ENDPOINT_URL_<SERVICE ID> (`CloudWatch Logs` →
 * AWS_ENDPOINT_URL_CLOUDWATCH_LOGS), else AWS_ENDPOINT_URL, neither when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
 * is true. Never set in production: the SDK then derives the endpoint from the region.
 */
function configuredEndpoint(serviceId) {
    if (String(process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).toLowerCase() === 'true') return undefined;
    const specific = process.env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`];
    return specific || process.env.AWS_ENDPOINT_URL || undefined;
}

/**
 * The region becomes part of the endpoint's host name. Current SDK releases refuse a region that is not one
 * host name label (GHSA-6475-r3vj-m8vf); the 3.332 clients do not, so the stand-in does.
 */
function checkedRegion(region) {
    if (typeof region !== 'string' || !/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/.test(region)) {
        const err = new Error(`Region not accepted: region="${region}" is not a valid hostname component.`);
        err.name = 'InvalidRegion';
        throw err;
    }
    return region;
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
