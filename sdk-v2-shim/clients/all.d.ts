import CloudWatchLogs = require('./cloudwatchlogs');
import CloudWatch = require('./cloudwatch');
import S3 = require('./s3');

declare const clients: {
    CloudWatchLogs: typeof CloudWatchLogs;
    CloudWatch: typeof CloudWatch;
    S3: typeof S3;
};

export = clients;
