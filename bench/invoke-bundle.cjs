'use strict';
/**
 * The Lambda side of bench/create-step.ts: a plain Node process (no TypeScript loader, nothing else loaded) that
 * requires one bundle, as Lambda's runtime does, and runs each invocation its parent sends over IPC. Its figures
 * are this process's own: the time to require the bundle and the peak resident set (maxRSS) so far.
 */
const { randomUUID } = require('crypto');
const { resolve } = require('path');

const started = process.hrtime.bigint();
const bundle = require(resolve(process.argv[2]));
const loadMs = Number(process.hrtime.bigint() - started) / 1e6;
const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

process.on('message', async (message) => {
    if (message.type === 'figures') {
        process.send({ type: 'figures', loadMs, maxRssMiB: maxRssMiB() });
        return;
    }
    const context = { awsRequestId: randomUUID(), functionVersion: '$LATEST', memoryLimitInMB: '256', getRemainingTimeInMillis: () => 60_000 };
    try {
        const event = await bundle.entrypoint(message.payload, context);
        process.send({ type: 'result', event: JSON.parse(JSON.stringify(event)) });
    } catch (err) {
        process.send({ type: 'result', error: String(err && err.stack ? err.stack : err) });
    }
});
process.send({ type: 'loaded' });
