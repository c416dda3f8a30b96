/** The one error boundary: CloudHSM quotas arrive as CloudHsmInvalidRequestException and leave as ServiceLimitExceeded. */
import { classify } from './error-table';

/** An SDK v3 service error as the client factory leaves it: its name, message and the command that failed. */
const serviceError = (name: string, message: string, command: string) => Object.assign(new Error(message), { name, $command: command, $metadata: { httpStatusCode: 400 } });

test.each([
    ['CreateCluster', 'Cluster limit exceeded: this account already has 4 clusters', /clusters per Region/],
    ['CreateHsm', 'HSM limit exceeded: the cluster cluster-abcdefghijk already has the maximum of 28 HSMs per cluster.', /HSMs per cluster \(28, fixed/],
    ['CreateHsm', 'HSM limit exceeded: this account already has 6 HSMs in us-east-1', /HSMs per account per Region \(6 by default/],
    ['CreateHsm', 'Limit exceeded.', /HSMs per account per Region .* or HSMs per cluster/],
])('%s: "%s" is the quota it names', (command, message, quota) => {
    const classified = classify(serviceError('CloudHsmInvalidRequestException', message, command), 'Creating');
    expect(classified).toMatchObject({ code: 'ServiceLimitExceeded', retryable: false });
    expect(classified.message).toMatch(quota);
    expect(classified.message).toContain(message);
});

test('any other invalid request stays InvalidRequest', () => {
    const classified = classify(serviceError('CloudHsmInvalidRequestException', 'The subnet ID subnet-1 does not exist.', 'CreateCluster'), 'Creating');
    expect(classified.code).toBe('InvalidRequest');
});
