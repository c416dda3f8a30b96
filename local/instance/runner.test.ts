import { existsSync } from 'fs';
import { SharedClock } from '../clock';
import { Emulator } from '../emulator/server';
import { installInstanceEmulation } from './cli';
import { runScript } from './runner';
import { addManagementInstance } from './test-account';

describe('runScript: the management instance that runs AWS-RunShellScript commands', () => {
    let emulator: Emulator;
    const instanceId = 'i-0123456789abcdef0';

    beforeEach(async () => {
        emulator = new Emulator({ clock: new SharedClock(), services: [] });
        await emulator.start();
        installInstanceEmulation(emulator);
        addManagementInstance(emulator.state, { instanceId });
    });

    afterEach(async () => {
        await emulator.stop();
    });

    const run = (commands: string[], timeoutSeconds = 30) =>
        runScript({ emulatorUrl: emulator.endpoint, instanceId, commands, timeoutSeconds });

    it('runs the commands as one script without -e, like the SSM agent, and reports the last exit status', async () => {
        const result = await run(['echo first', 'false', 'echo "after a failure"', 'exit 7']);

        expect(result).toEqual({ exitCode: 7, stdout: 'first\nafter a failure\n', stderr: '', timedOut: false });
    });

    it('keeps shell state across commands, since they are lines of one script', async () => {
        const result = await run(['greeting=hello', 'cd "$HOME"', 'echo "$greeting from $(pwd)"']);

        expect(result.exitCode).toBe(0);
        expect(result.stdout).toMatch(/^hello from \/.+emulated-instance-/);
    });

    it('passes none of the test process environment to the instance', async () => {
        process.env.AWS_SECRET_ACCESS_KEY = 'leaked-secret-key';
        process.env.SOME_PASSWORD = 'leaked-password';
        try {
            const result = await run(['env']);

            const names = result.stdout
                .trim()
                .split('\n')
                .map((line) => line.split('=')[0]);
            expect(result.stdout).not.toContain('leaked');
            expect(names.filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n)).sort()).toEqual([
                'CLOUDHSM_HOME',
                'EMULATOR_INSTANCE_ID',
                'EMULATOR_URL',
                'HOME',
                'PATH',
            ]);
            expect(result.stdout).toContain(`EMULATOR_INSTANCE_ID=${instanceId}\n`);
        } finally {
            delete process.env.AWS_SECRET_ACCESS_KEY;
            delete process.env.SOME_PASSWORD;
        }
    });

    it('lays out the instance like a real one: CloudHSM tools under $CLOUDHSM_HOME/bin (not on PATH), aws on PATH', async () => {
        const result = await run([
            'test -x "$CLOUDHSM_HOME/bin/cloudhsm-cli" && echo cloudhsm-cli present',
            'test -x "$CLOUDHSM_HOME/bin/configure-cli" && echo configure-cli present',
            'test -d "$CLOUDHSM_HOME/etc" && echo etc present',
            'command -v cloudhsm-cli || echo cloudhsm-cli not on PATH',
            'command -v aws >/dev/null && echo aws on PATH',
        ]);

        expect(result.stdout).toBe(
            'cloudhsm-cli present\nconfigure-cli present\netc present\ncloudhsm-cli not on PATH\naws on PATH\n',
        );
    });

    it('deletes the instance directory afterwards', async () => {
        const result = await run(['echo "$HOME"']);

        const instanceRoot = result.stdout.trim();
        expect(instanceRoot).toContain('emulated-instance-');
        expect(existsSync(instanceRoot)).toBe(false);
    });

    it('kills a script that runs past its timeout, with everything it started', async () => {
        const result = await run(['echo started', 'sleep 30 &', 'sleep 30'], 0.5);

        expect(result.timedOut).toBe(true);
        expect(result.exitCode).toBe(-1);
        expect(result.stdout).toBe('started\n');
    });

    it('gives the stand-in tools stdin, argv and environment, and records each call', async () => {
        const emulation = installInstanceEmulation(emulator);

        const result = await run(['printf "line one\\n" | aws --region us-east-1 nosuch-service do-it --flag']);

        expect(result.exitCode).toBe(252);
        expect(result.stderr).toContain('usage: aws');
        expect(emulation.invocations).toHaveLength(1);
        expect(emulation.invocations[0]).toMatchObject({
            instanceId,
            tool: 'aws',
            argv: ['--region', 'us-east-1', 'nosuch-service', 'do-it', '--flag'],
            stdin: 'line one\n',
            exitCode: 252,
        });
        expect(emulation.invocations[0].env.EMULATOR_INSTANCE_ID).toBe(instanceId);
    });
});
