/** An error the emulated service answers with: `code` is the wire name (`__type` in JSON, `Code` in EC2 XML). */
export class AwsError extends Error {
    constructor(
        readonly code: string,
        message: string,
        readonly httpStatus = 400,
    ) {
        super(message);
    }
}

export const notFound = (code: string, message: string) => new AwsError(code, message, 400);
export const internalFailure = (code: string, message = 'An internal error occurred.') => new AwsError(code, message, 500);
