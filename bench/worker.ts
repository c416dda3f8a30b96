/**
 * A worker process of `npm run bench` (bench/run.ts): it keeps the shared clock without real time for its
 * whole life, runs each job its parent sends, one at a time, and sends back the figures.
 */
import { installSharedClock } from '../local/clock';
import { Job, runJob } from './run';

installSharedClock({ followsRealTime: false });

process.on('message', (job: Job) => {
    runJob(job).then(
        (result) => process.send!({ result }),
        (err: unknown) => process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: true });
