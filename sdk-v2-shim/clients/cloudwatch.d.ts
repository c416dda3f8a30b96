import { Service, ServiceConfigurationOptions } from '../lib/service';

/** Stand-in for SDK v2 `AWS.CloudWatch`: putMetricData. */
declare class CloudWatch extends Service {
    constructor(options?: ServiceConfigurationOptions);
}

declare namespace CloudWatch {
    type DimensionName = string;
    type DimensionValue = string;
    interface Dimension {
        Name: DimensionName;
        Value: DimensionValue;
    }
}

export = CloudWatch;
