/**
 * The CloudFormation library's own log and metric delivery (CloudWatch Logs, CloudWatch) is best effort: when
 * every one of those calls is throttled, resource operations still succeed, with a bounded number of attempts
 * per call, and in bounded real time (the attempts pause on the shared clock, as the library's own sleeps do).
 */
import { performance } from 'perf_hooks';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { liveClusters } from './mid-workflow';

let aws: LocalAws;
beforeAll(async () => {
    aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
});
afterAll(() => aws.stop());

/** The stand-in's attempts at one call, and the library's own second try of a log line it could not deliver. */
const MOST_ATTEMPTS_PER_CALL = 3 * 2;

it('every PutMetricData, PutLogEvents and CreateLogStream is throttled: the create and the delete still end SUCCESS, in bounded real time', async () => {
    // GIVEN CloudWatch and CloudWatch Logs throttle every call the library makes to deliver metrics and logs
    aws.emulator.faults.add({ service: 'cloudwatch', action: 'PutMetricData', kind: 'throttle' });
    aws.emulator.faults.add({ service: 'logs', action: ['PutLogEvents', 'CreateLogStream'], kind: 'throttle' });
    const driver = aws.driver(clusterType);
    const startedMs = performance.now();

    // WHEN a cluster is created and deleted
    const created = await driver.create(clusterProperties(aws));
    const deleted = created.status === 'SUCCESS' ? await driver.delete(created.model!) : undefined;
    const realSeconds = (performance.now() - startedMs) / 1000;

    // THEN both succeed, as without the throttling
    expect({ status: created.status, message: created.message }).toEqual({ status: 'SUCCESS', message: expect.anything() });
    expect(deleted?.status).toBe('SUCCESS');
    expect(liveClusters(aws)).toEqual([]);
    // AND every delivery was indeed refused, each call tried a bounded number of times
    const telemetry = aws.emulator.calls.filter((c) => ['cloudwatch:PutMetricData', 'logs:PutLogEvents', 'logs:CreateLogStream'].includes(`${c.service}:${c.action}`));
    expect(telemetry.length).toBeGreaterThan(0);
    expect(telemetry.every((c) => c.error === 'ThrottlingException')).toBe(true);
    const invocations = created.invocations + deleted!.invocations;
    expect(aws.emulator.calls.filter((c) => c.service === 'cloudwatch').length).toBeLessThanOrEqual(invocations * 3 * MOST_ATTEMPTS_PER_CALL);
    // AND it took bounded real time: no wall-clock backoff (a normal create and delete take about 10 s here)
    expect(realSeconds).toBeLessThan(60);
});
