'use strict';

// SDK v2's clients/all lists every service; cloudformation-cli-typescript-lib only looks a client up here when
// a handler calls `session.client('Name')`. Only the stand-ins exist; the v3 packages behind them load on
// their first request.
module.exports = {
    CloudWatchLogs: require('./cloudwatchlogs'),
    CloudWatch: require('./cloudwatch'),
    S3: require('./s3'),
};
