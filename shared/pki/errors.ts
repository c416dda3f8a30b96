/**
 * A certificate, key or request that cannot be used, with a message meant for the person who supplied it.
 * The message never contains key material.
 */
export class PkiError extends Error {
    constructor(message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = 'PkiError';
    }
}
