'use strict';

/**
 * The part of an SDK v2 `AWS.Request` that cloudformation-cli-typescript-lib uses: `on('build', fn)` to set
 * extra HTTP headers, then `promise()`. `send(headers)` does the actual call.
 */
class Request {
    constructor(operation, send) {
        this.operation = operation;
        this.httpRequest = { headers: {} };
        this.buildListeners = [];
        this.send = send;
    }

    on(eventName, listener) {
        // Other v2 events (sign, send, retry, ...) have no counterpart here; failing loudly beats ignoring them.
        if (eventName !== 'build') {
            throw new Error(`The SDK v2 stand-in supports only the 'build' request event, not '${eventName}'.`);
        }
        this.buildListeners.push(listener);
        return this;
    }

    async promise() {
        for (const listener of this.buildListeners) listener(this);
        return this.send(this.httpRequest.headers);
    }
}

module.exports = { Request };
