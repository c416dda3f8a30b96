/**
 * `npm run test:live`: the live test in the AWS account of the user's credentials, or, with `--emulator`,
 * the same run on the embedded emulator.
 */
import { awsAccount } from './aws-account';
import { runLiveCommand } from './command';
import { runOnEmulator } from './on-emulator';

const argv = process.argv.slice(2);
const run = argv.includes('--emulator') ? runOnEmulator(argv) : runLiveCommand(argv, process.env, awsAccount).then((result) => result.exitCode);
run.then(
    (exitCode) => (process.exitCode = exitCode),
    (err) => {
        console.error(err);
        process.exitCode = 1;
    },
);
