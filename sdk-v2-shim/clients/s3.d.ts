import { Service } from '../lib/service';

/** Stand-in for SDK v2 `AWS.S3`: every request rejects with code `S3LogFallbackDisabled`. */
declare class S3 extends Service {
    constructor(options?: unknown);
}

export = S3;
