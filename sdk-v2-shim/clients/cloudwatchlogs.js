'use strict';

const { Service } = require('../lib/service');

// The operations cloudformation-cli-typescript-lib calls (log-delivery.js). Their members are the wire names
// in both SDKs (logGroupName, logGroupNamePrefix, logStreamName, logStreamNamePrefix, limit, logEvents
// [{ message, timestamp }], sequenceToken), so params pass through unchanged. putLogEvents comes with the
// header X-Amzn-Logs-Format: json/emf (CloudWatch Logs may then read JSON events as Embedded Metric Format);
// it is passed on as given.
const commandNameByOperation = {
    describeLogGroups: 'DescribeLogGroupsCommand',
    createLogGroup: 'CreateLogGroupCommand',
    createLogStream: 'CreateLogStreamCommand',
    describeLogStreams: 'DescribeLogStreamsCommand',
    putLogEvents: 'PutLogEventsCommand',
};

const binding = {
    serviceIdentifier: 'cloudwatchlogs',
    serviceId: 'CloudWatch Logs',
    loadSdkV3: () => require('@aws-sdk/client-cloudwatch-logs'),
    clientClassName: 'CloudWatchLogsClient',
    commandNameByOperation,
};

/** Stand-in for SDK v2 `AWS.CloudWatchLogs`, backed by @aws-sdk/client-cloudwatch-logs. */
class CloudWatchLogs extends Service {
    constructor(options) {
        super(options, binding);
    }
}
// Read by build.mjs, which bundles only the client and the commands named here.
CloudWatchLogs.sdkV3Binding = binding;

module.exports = CloudWatchLogs;
