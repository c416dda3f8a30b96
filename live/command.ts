/**
 * `npm run test:live`, in any environment: read the inputs, refuse without the acknowledgement of cost,
 * run the lifecycle, and turn Ctrl-C into "stop and clean up" (a second Ctrl-C quits at once).
 */
import { EnvironmentFactory } from './environment';
import { costNotice } from './cost';
import { CONFIG_EXAMPLE, readInputs } from './inputs';
import { LiveOutcome, runLiveTest } from './lifecycle';

export interface CommandResult {
    exitCode: number;
    outcome?: LiveOutcome;
}

export async function runLiveCommand(argv: string[], env: NodeJS.ProcessEnv, makeEnvironment: EnvironmentFactory, print: (line: string) => void = console.log): Promise<CommandResult> {
    const read = readInputs(argv, env);
    if (!read.inputs) {
        print(`The live test needs its inputs, in the environment or a JSON file (--config <path> or LIVE_CONFIG):\n${read.problems.map((p) => `  - ${p}`).join('\n')}\nA config file looks like: ${CONFIG_EXAMPLE}`);
        return { exitCode: 2 };
    }
    print(costNotice(read.inputs.region));
    if (!read.acknowledgedCost) {
        print('\nNot started: set LIVE_ACKNOWLEDGE_COST=yes (or pass --acknowledge-cost) to accept that cost.');
        return { exitCode: 2 };
    }

    const environment = await makeEnvironment(read.inputs);
    const interrupt = new AbortController();
    let interrupts = 0;
    const onInterrupt = () => {
        interrupts += 1;
        if (interrupts > 1) {
            print('\nQuit during the clean-up: check the account for clusters, HSMs, secrets and key stores tagged or named live-test-*.');
            process.exit(130);
        }
        print('\nInterrupted: the current handler invocation finishes, then what was made is deleted. Ctrl-C again quits at once and may leave HSMs billing.');
        interrupt.abort();
    };
    process.on('SIGINT', onInterrupt);
    try {
        const outcome = await runLiveTest({ environment, inputs: read.inputs, signal: interrupt.signal, print });
        return { exitCode: outcome.exitCode, outcome };
    } finally {
        process.off('SIGINT', onInterrupt);
        await environment.stop();
    }
}
