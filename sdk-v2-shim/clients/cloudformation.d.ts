// Types only, with no JavaScript behind them: cloudformation-cli-typescript-lib's declarations import these
// names, its code never loads the module.
export type ClientRequestToken = string;
export type LogGroupName = string;
export type LogicalResourceId = string;
export type NextToken = string;
