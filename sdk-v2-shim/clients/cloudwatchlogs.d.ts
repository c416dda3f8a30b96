import { Service, ServiceConfigurationOptions } from '../lib/service';

/** Stand-in for SDK v2 `AWS.CloudWatchLogs`: describeLogGroups, createLogGroup, createLogStream, describeLogStreams, putLogEvents. */
declare class CloudWatchLogs extends Service {
    constructor(options?: ServiceConfigurationOptions);
}

export = CloudWatchLogs;
