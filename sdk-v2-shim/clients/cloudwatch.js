'use strict';

const { Service } = require('../lib/service');

// The one operation cloudformation-cli-typescript-lib calls (metrics.js). Its members are PascalCase in both
// SDKs (Namespace, MetricData [{ MetricName, Dimensions [{ Name, Value }], Unit, Timestamp, Value }]), and
// both take `Timestamp` as a Date.
const commandNameByOperation = {
    putMetricData: 'PutMetricDataCommand',
};

const binding = {
    serviceIdentifier: 'cloudwatch',
    serviceId: 'CloudWatch',
    loadSdkV3: () => require('@aws-sdk/client-cloudwatch'),
    clientClassName: 'CloudWatchClient',
    commandNameByOperation,
};

/** Stand-in for SDK v2 `AWS.CloudWatch`, backed by @aws-sdk/client-cloudwatch. */
class CloudWatch extends Service {
    constructor(options) {
        super(options, binding);
    }
}
// Read by build.mjs, which bundles only the client and the commands named here.
CloudWatch.sdkV3Binding = binding;

module.exports = CloudWatch;
