'use strict';

/**
 * The stand-in's only pause: between its own attempts at a best-effort call. An object property, so the local
 * runtime can run it on the shared clock as it does the library's own sleeps.
 */
const pause = {
    seconds: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
};

module.exports = { pause };
