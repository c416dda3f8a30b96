/**
 * The CDK app: `npx cdk synth` / `npx cdk deploy` in this folder (cdk.json runs it with tsx), or
 * `npx tsx examples/cdk/app.ts` to write cdk.out without the CDK CLI.
 */
import * as cdk from 'aws-cdk-lib/core';
import { CloudHsmKmsStack } from './cloudhsm-kms-stack';

export function buildApp(app = new cdk.App()): cdk.App {
    new CloudHsmKmsStack(app, 'CloudHsmKms');
    return app;
}

if (require.main === module) buildApp().synth();
