import { HandlerErrorCode } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';

/**
 * A failure the handler reports as FAILED with `code`. The message is what the user reads in the stack
 * events, so it names the property or operation and says what to do.
 */
export class HandlerError extends Error {
    constructor(
        readonly code: HandlerErrorCode,
        message: string,
    ) {
        super(message);
    }
}

export class InvalidInputError extends HandlerError {
    constructor(message: string) {
        super(HandlerErrorCode.InvalidRequest, message);
    }
}

export class NotFoundError extends HandlerError {
    constructor(message: string) {
        super(HandlerErrorCode.NotFound, message);
    }
}

export class NotStabilizedError extends HandlerError {
    constructor(message: string) {
        super(HandlerErrorCode.NotStabilized, message);
    }
}

/** The service reached a state it will not leave by itself (DEGRADED, FAILED, a script that failed). */
export class TerminalStateError extends HandlerError {
    constructor(message: string) {
        super(HandlerErrorCode.NotStabilized, message);
    }
}
