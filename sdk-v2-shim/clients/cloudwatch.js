'use strict';

const { Service } = require('../lib/service');

// The one operation cloudformation-cli-typescript-lib calls (metrics.js). Its members are PascalCase in both
// SDKs (Namespace, MetricData [{ MetricName, Dimensions [{ Name, Value }], Unit, Timestamp, Value }]), and
// both take `Timestamp` as a Date.
const commandNameByOperation = {
    putMetricData: 'PutMetricDataCommand',
};

/** Stand-in for SDK v2 `AWS.CloudWatch`, backed by @aws-sdk/client-cloudwatch. */
class CloudWatch extends Service {
    constructor(options) {
        super(options, {
            serviceIdentifier: 'cloudwatch',
            loadSdkV3: () => require('@aws-sdk/client-cloudwatch'),
            clientClassName: 'CloudWatchClient',
            commandNameByOperation,
        });
    }
}

module.exports = CloudWatch;
