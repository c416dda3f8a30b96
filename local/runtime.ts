/**
 * The local CloudFormation runtime in one call: the shared clock, the AWS emulator with every service the
 * types use, a seeded network with a management instance, and a driver per type. Used by the tests,
 * `npm start` and the benchmarks; never bundled into a handler.
 */
import { installSharedClock, SharedClock } from './clock';
import { DrivenAccount, Driver, DriverOptions, HANDLER_ACCESS_KEY_ID, TypeUnderTest } from './driver/driver';
import { Durations } from './emulator/durations';
import { NetworkFixture, seedNetwork } from './emulator/fixtures';
import { Emulator } from './emulator/server';
import { WorkDurationSampler } from './emulator/service-work';
import { cloudHsmService, CloudHsmService } from './emulator/services/cloudhsm';
import { cloudWatchService } from './emulator/services/cloudwatch';
import { ec2Service } from './emulator/services/ec2';
import { kmsService } from './emulator/services/kms';
import { logsService } from './emulator/services/logs';
import { secretsManagerService } from './emulator/services/secretsmanager';
import { ssmService, SsmService } from './emulator/services/ssm';
import { stsService } from './emulator/services/sts';
import { InstanceEmulation, installInstanceEmulation } from './instance/cli';

export interface LocalAws {
    clock: SharedClock;
    emulator: Emulator;
    network: NetworkFixture;
    instances: InstanceEmulation;
    cloudhsm: CloudHsmService;
    driver(type: TypeUnderTest, options?: Partial<DriverOptions>): Driver;
    stop(): Promise<void>;
}

/** The execution role CloudFormation's handler sessions belong to; key policies name it to allow or deny the handlers. */
export const handlerRoleArn = (accountId: string) => `arn:aws:iam::${accountId}:role/CloudFormationHandlerExecutionRole`;

export interface LocalAwsOptions {
    durations?: Partial<Durations>;
    /** How long each piece of background work takes (the benchmarks' spread); by default its figure in `durations`. */
    workDurations?: WorkDurationSampler;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const clock = installSharedClock();
    const emulator = new Emulator({
        clock,
        durations: options.durations,
        workDurations: options.workDurations,
        services: [cloudHsmService, secretsManagerService, ssmService, ec2Service, logsService, cloudWatchService, kmsService, stsService],
    });
    const instances = installInstanceEmulation(emulator);
    const accountId = emulator.state.accountId;
    emulator.principals.set(HANDLER_ACCESS_KEY_ID, `arn:aws:sts::${accountId}:assumed-role/${handlerRoleArn(accountId).split('/').pop()}/local-driver-session`);
    await emulator.start();
    // The standard setting every current SDK v3 client reads; the product passes it on to the 3.332 client.
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    process.env.AWS_REGION = emulator.state.region;
    replaceLibrarySleeps(clock);
    const network = seedNetwork(emulator.state);
    const ssm = emulator.service<SsmService>('ssm');
    return {
        clock,
        emulator,
        network,
        instances,
        cloudhsm: emulator.service<CloudHsmService>('cloudhsmv2'),
        driver: (type, driverOptions) =>
            new Driver({ clock, account: emulatedAccount(emulator), type, beforeReinvoke: async () => {
                await emulator.whenQuiet();
                await ssm.whenAllFinished();
            }, ...driverOptions }),
        stop: async () => {
            await ssm.whenAllFinished();
            await emulator.whenQuiet();
            await emulator.stop();
            delete process.env.AWS_ENDPOINT_URL;
        },
    };
}

/** The emulated account as the driver sees it; read on each use, as tests may change the region. */
export function emulatedAccount(emulator: Emulator): DrivenAccount {
    return {
        get region() {
            return emulator.state.region;
        },
        get accountId() {
            return emulator.state.accountId;
        },
        calls: emulator.calls,
    };
}

/**
 * The CloudFormation library sleeps on the wall clock 0.25 s before each log line it sends to CloudWatch Logs
 * (the product removes its 1 s sleep at the end of every invocation: shared/registry/resource.ts); the engine
 * backs off within an invocation before a resource has its identifier; the SDK v2 stand-in pauses between its
 * attempts at a log or metric call. Locally those
 * sleeps advance the shared clock instead, so they still count in emulated time but cost no real time.
 */
function replaceLibrarySleeps(clock: SharedClock): void {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const utils = require('@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib/dist/utils');
    utils.delay = async (seconds: number) => clock.advance(seconds);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('../shared/engine/sleep').pause.seconds = async (seconds: number) => clock.advance(seconds);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require('aws-sdk/lib/pause').pause.seconds = async (seconds: number) => clock.advance(seconds);
}
