/**
 * The client factory checks what the 3.332 clients do not: the region becomes part of the endpoint's host name,
 * so a region that is not one host name label is refused before any client exists (GHSA-6475-r3vj-m8vf).
 */
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { AwsClients, checkedRegion } from './clients';

test('a region that is one host name label is taken as it is', () => {
    for (const region of ['us-east-1', 'eu-central-2', 'us-gov-west-1', 'local']) expect(checkedRegion(region)).toBe(region);
});

test('a region that would change the endpoint host is refused before a request is made', () => {
    for (const region of ['attacker.example/', 'us-east-1.attacker.example', '-us-east-1', 'us east 1', '', 'a'.repeat(64)]) {
        const clients = new AwsClients({ region, credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
        expect(() => clients.get(CloudHSMV2Client)).toThrow(`Region not accepted: region="${region}" is not a valid hostname component.`);
    }
    // What the refusal protects: the 3.332 client itself would put the region into the host name.
    const unchecked = new CloudHSMV2Client({ region: 'attacker.example/x', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
    const endpoint = unchecked.config.endpointProvider({ Region: 'attacker.example/x', UseFIPS: false, UseDualStack: false }).url;
    unchecked.destroy();
    expect(endpoint.host).toContain('attacker.example');
});
