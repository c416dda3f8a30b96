/**
 * The live test on the embedded emulator: what `npm test` runs, and a rehearsal without an account
 * (`npm run test:live -- --emulator`). The same bundled handlers and driver; the shared clock jumps over
 * callback delays; the network comes from local/emulator/fixtures.ts, so the inputs are the seeded IDs.
 */
import { FaultRule } from '../local/emulator/faults';
import { SsmService } from '../local/emulator/services/ssm';
import { startLocalAws } from '../local/runtime';
import { Durations } from '../local/emulator/durations';
import { recordAwsCalls } from './aws-calls';
import { LiveEnvironment } from './environment';
import { LiveInputs } from './inputs';

export interface EmulatedAccount {
    environment: LiveEnvironment;
    /** The seeded network, in the live test's inputs format. */
    inputs: LiveInputs;
    /** The emulator's own count of the calls it answered, by `service:Action`, to hold the live count to. */
    emulatorCallCounts(): Record<string, number>;
}

export async function emulatedAccount(options: { faults?: FaultRule[]; durations?: Partial<Durations> } = {}): Promise<EmulatedAccount> {
    const recorder = recordAwsCalls();
    const aws = await startLocalAws({ durations: options.durations });
    for (const fault of options.faults ?? []) aws.emulator.faults.add(fault);
    const ssm = aws.emulator.service<SsmService>('ssm');
    const region = aws.emulator.state.region;
    return {
        inputs: { region, subnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b], instanceId: aws.network.managementInstanceId },
        emulatorCallCounts: () => aws.emulator.callCounts(),
        environment: {
            description: `the embedded emulator (${aws.emulator.endpoint}), ${region}; times are emulated`,
            account: { region, accountId: aws.emulator.state.accountId, calls: recorder.calls },
            clock: aws.clock,
            timeLabel: 'emulated',
            clientSettings: { region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'local' } },
            beforeReinvoke: async () => {
                await aws.emulator.whenQuiet();
                await ssm.whenAllFinished();
            },
            stop: async () => {
                await aws.stop();
                recorder.stop();
            },
        },
    };
}
