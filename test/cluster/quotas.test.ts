/**
 * CloudHSM quotas: CloudHSM reports them as CloudHsmInvalidRequestException with a message (CreateCluster and
 * CreateHsm list no limit error in the API model). The create still fails with ServiceLimitExceeded and says
 * which quota, what its default is, and what the user can do.
 */
import { CloudHSMV2Client, CreateClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType } from '../support';
import { liveClusters } from './mid-workflow';

let aws: LocalAws | undefined;
afterEach(async () => {
    await aws?.stop();
    aws = undefined;
});

const credentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET' };

test('a fifth cluster in the Region: FAILED ServiceLimitExceeded naming the clusters-per-Region quota; nothing is created', async () => {
    // GIVEN an account that already has 4 clusters (made outside the stack)
    aws = await startLocalAws();
    const cloudhsm = new CloudHSMV2Client({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials });
    for (let i = 0; i < 4; i++) await cloudhsm.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [aws.network.subnetIds.a] }));
    const secretsBefore = aws.emulator.state.secrets.size;

    // WHEN the stack creates a cluster
    const created = await aws.driver(clusterType).create(clusterProperties(aws));

    // THEN
    expect(created.status).toBe('FAILED');
    expect(created.errorCode).toBe('ServiceLimitExceeded');
    expect(created.message).toMatch(/quota.*clusters per Region \(4 by default; ask for more in Service Quotas/);
    expect(liveClusters(aws)).toHaveLength(4);
    expect(aws.emulator.state.secrets.size).toBe(secretsBefore);
});

test('more HSMs than the account may have: FAILED ServiceLimitExceeded naming the HSMs-per-account quota', async () => {
    // GIVEN an account whose HSM quota leaves room for one HSM
    aws = await startLocalAws();
    aws.cloudhsm.quotas.hsmsPerAccountPerRegion = 1;

    // WHEN the stack asks for one HSM in each of two subnets
    const created = await aws.driver(clusterType).create(clusterProperties(aws, { HsmsPerSubnet: 1 }));

    // THEN the first HSM is made and the second one is refused, with the quota named
    expect(created.status).toBe('FAILED');
    expect(created.errorCode).toBe('ServiceLimitExceeded');
    expect(created.message).toContain('CreateHsm');
    expect(created.message).toMatch(/HSMs per account per Region \(6 by default; ask for more in Service Quotas/);
});
