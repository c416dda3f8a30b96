/** LIST pages through the real entrypoint, although the library drops the event's nextToken. */
import { CloudHSMV2Client, CreateClusterCommand, DeleteClusterCommand } from '@aws-sdk/client-cloudhsm-v2';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterType } from '../support';

let aws: LocalAws;
beforeAll(async () => (aws = await startLocalAws()));
afterAll(() => aws.stop());

test('LIST returns every live cluster across pages, and no deleted one', async () => {
    aws.cloudhsm.quotas.clustersPerRegion = 40;
    const client = new CloudHSMV2Client({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'x' } });
    const ids: string[] = [];
    for (let i = 0; i < 28; i++) {
        const out = await client.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [aws.network.subnetIds.a, aws.network.subnetIds.b] }));
        ids.push(out.Cluster!.ClusterId!);
    }
    aws.clock.advance(aws.emulator.durations.clusterCreateSeconds);
    const deletedId = ids.pop()!;
    await client.send(new DeleteClusterCommand({ ClusterId: deletedId }));
    aws.clock.advance(aws.emulator.durations.clusterDeleteSeconds);

    const driver = aws.driver(clusterType);
    const listed: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
        const page = await driver.list(token);
        expect(page.status).toBe('SUCCESS');
        listed.push(...(page.models ?? []).map((m) => m.ClusterId as string));
        token = page.nextToken;
        pages += 1;
    } while (token && pages < 10);

    expect(pages).toBeGreaterThan(1);
    expect(listed.sort()).toEqual([...ids].sort());
    expect(listed).not.toContain(deletedId);
});
