/**
 * The live test on the embedded emulator: `npm run test:live -- --emulator` rehearses it without an account,
 * and `npm test` runs it so. The inputs are the seeded network's IDs, written as a config file and read back
 * like a user's; everything after that is the live path. Prints a last line `LIVE-RESULT <json>` for tests.
 *
 *   --emulator [--acknowledge-cost] [--fault <service>:<Action>:<throttle|internal>]… [--service-timings <json>]
 *
 * `--service-timings` overrides the emulator's service durations (local/emulator/durations.ts), e.g. to
 * rehearse slower HSM creation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FaultRule } from '../local/emulator/faults';
import { runLiveCommand } from './command';
import { emulatedAccount } from './emulated-account';

export const RESULT_PREFIX = 'LIVE-RESULT ';

export async function runOnEmulator(argv: string[]): Promise<number> {
    const faults: FaultRule[] = argv.flatMap((arg, i) => (argv[i - 1] === '--fault' ? [parseFault(arg)] : []));
    const timings = argv.find((arg, i) => argv[i - 1] === '--service-timings');
    const emulated = await emulatedAccount({ faults, durations: timings ? JSON.parse(timings) : undefined });
    const dir = mkdtempSync(join(tmpdir(), 'live-on-emulator-'));
    try {
        const configPath = join(dir, 'live.json');
        writeFileSync(configPath, JSON.stringify(emulated.inputs));
        const ownOptions = ['--fault', '--service-timings'];
        const passed = argv.filter((arg, i) => !ownOptions.includes(arg) && !ownOptions.includes(argv[i - 1]) && arg !== '--emulator');
        const result = await runLiveCommand(['--config', configPath, ...passed], { ...process.env, LIVE_REGION: undefined, LIVE_SUBNET_IDS: undefined, LIVE_INSTANCE_ID: undefined }, async () => emulated.environment);
        if (!result.outcome) await emulated.environment.stop();
        const recorded: Record<string, number> = {};
        for (const call of emulated.environment.account.calls) recorded[`${call.service}:${call.action}`] = (recorded[`${call.service}:${call.action}`] ?? 0) + 1;
        console.log(RESULT_PREFIX + JSON.stringify({ ...result, inputs: emulated.inputs, recordedCalls: recorded, emulatorCalls: emulated.emulatorCallCounts() }));
        return result.exitCode;
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

function parseFault(spec: string): FaultRule {
    const [service, action, kind] = spec.split(':');
    if (!service || !action || (kind !== 'throttle' && kind !== 'internal')) throw new Error(`--fault ${spec}: expected <service>:<Action>:<throttle|internal>`);
    return { service, action, kind };
}
