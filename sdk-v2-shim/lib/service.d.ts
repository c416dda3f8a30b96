import { CredentialsOptions } from './credentials';
import { AWSError } from './error';
import { Request } from './request';

/** The constructor options the stand-in honours; other SDK v2 options would be ignored, so they are not typed. */
export interface ServiceConfigurationOptions {
    credentials?: CredentialsOptions;
    region?: string;
}

export declare abstract class Service {
    readonly serviceIdentifier: string;
    makeRequest(operation: string, params?: object): Request<Record<string, unknown>, AWSError>;
}
