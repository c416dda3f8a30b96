/**
 * The engine's only real-time pause: a short backoff inside one invocation, used when it must not hand
 * control back to CloudFormation yet. An object property, so the local runtime can run it on the shared
 * clock as it does the library's own sleeps.
 */
export const pause = {
    seconds: (seconds: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
};
