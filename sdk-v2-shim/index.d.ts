export { AWSError } from './lib/error';
import CloudWatchLogs = require('./clients/cloudwatchlogs');
import CloudWatch = require('./clients/cloudwatch');
import S3 = require('./clients/s3');
export { CloudWatchLogs, CloudWatch, S3 };
