/**
 * MtlsTrustAnchors: up to two root certificates registered on an hsm2m.medium cluster for mutual TLS, by a
 * script on the management instance that makes the registered set (read back with `cluster mtls
 * list-trust-anchors`) equal to the property. Certificates are made with the system openssl.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { OperationReport } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, QUICK_SERVICE_DURATIONS } from '../support';
import { everyText, exposures, SecretHarvest } from './secret-scan';

const dir = mkdtempSync(join(tmpdir(), 'mtls-anchors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed root of the given key (`openssl req -newkey` form: `ec -pkeyopt ec_paramgen_curve:P-256`, `rsa:3072`). */
function rootCertificate(name: string, newkey: string[]): string {
    execFileSync('openssl', ['req', '-x509', '-newkey', ...newkey, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '365', '-subj', `/CN=${name}`], { cwd: dir, stdio: 'pipe' });
    return readFileSync(join(dir, `${name}.crt`), 'utf8');
}

const ecP256 = rootCertificate('ec-p256', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
const ecP384 = rootCertificate('ec-p384', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-384']);
const rsa3072 = rootCertificate('rsa-3072', ['rsa:3072']);
const rsa1024 = rootCertificate('rsa-1024', ['rsa:1024']);
const secp256k1 = rootCertificate('ec-k1', ['ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);

let aws: LocalAws;
const outcome = (report: { status: string; errorCode?: string; message?: string }) =>
    report.status === 'SUCCESS' ? { status: 'SUCCESS' } : { status: report.status, failure: `${report.errorCode}: ${report.message}` };
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
const registered = (clusterId: unknown) => (aws.emulator.state.clusters.get(clusterId as string)!.mtlsTrustAnchors ?? []).map((a) => body(a.certificatePem)).sort();
const mtlsCalls = (verb: string, from = 0) =>
    aws.instances.invocations.slice(from).filter((i) => i.tool === 'cloudhsm-cli' && i.argv.slice(0, 3).join(' ') === `cluster mtls ${verb}`);
const scriptsSent = () => [...aws.emulator.state.commands.values()].flat().filter((c) => c.comment?.startsWith('mTLS trust anchors'));

describe('GIVEN a cluster declared with one mTLS trust anchor', () => {
    let current: Record<string, unknown>;
    const reports: OperationReport[] = [];

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const properties = clusterProperties(aws, { MtlsTrustAnchors: [ecP256] });
        const created = await aws.driver(clusterType).create(properties);
        reports.push(created);
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        current = { ...properties, ClusterId: created.model!.ClusterId };
    });
    afterAll(() => aws.stop());

    it('THEN create registered it as admin from a file on the instance, and returns no write-only MtlsTrustAnchors', () => {
        expect(registered(current.ClusterId)).toEqual([body(ecP256)]);
        const calls = mtlsCalls('register-trust-anchor');
        expect(calls).toHaveLength(1);
        expect(calls[0]).toMatchObject({ exitCode: 0, env: expect.objectContaining({ CLOUDHSM_ROLE: 'admin' }) });
        expect(calls[0].argv).toEqual(['cluster', 'mtls', 'register-trust-anchor', '--path', expect.stringMatching(/anchor-1\.pem$/)]);
        expect(reports[0].model!.MtlsTrustAnchors).toBeUndefined();
        // Read back twice: before the changes and to check them.
        expect(mtlsCalls('list-trust-anchors').map((i) => i.exitCode)).toEqual([0, 0]);
    });

    it('WHEN the list changes to two others THEN the old one is deregistered and both new ones registered', async () => {
        const from = aws.instances.invocations.length;
        const desired = { ...current, MtlsTrustAnchors: [rsa3072, ecP384] };
        const report = await aws.driver(clusterType).update(current, desired);
        reports.push(report);

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(registered(current.ClusterId)).toEqual([body(rsa3072), body(ecP384)].sort());
        expect(mtlsCalls('deregister-trust-anchor', from).map((i) => i.argv.slice(3))).toEqual([['--certificate-reference', '0x01']]);
        expect(mtlsCalls('register-trust-anchor', from)).toHaveLength(2);
        current = desired;
    });

    it('WHEN the list is unchanged THEN no script runs (the type keeps no record to watch for drift: MtlsTrustAnchors is write-only)', async () => {
        const report = await aws.driver(clusterType).update(current, current);
        reports.push(report);
        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.calls['ssm:SendCommand']).toBeUndefined();
    });

    it('WHEN the list is emptied THEN every anchor is deregistered', async () => {
        const desired = { ...current, MtlsTrustAnchors: [] };
        const report = await aws.driver(clusterType).update(current, desired);
        reports.push(report);
        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(registered(current.ClusterId)).toEqual([]);
        current = desired;
    });

    it('THEN the admin password is in no event, model, log, SSM command or output, argv or stdin; only in CLOUDHSM_PIN of the register / deregister calls', () => {
        const harvest = new SecretHarvest();
        harvest.collect(aws.emulator.state);
        expect(harvest.passwords.size).toBe(1);
        const texts = everyText(aws, [], [], reports).filter((t) => !t.where.startsWith('environment of cloudhsm-cli'));
        expect(texts.filter((t) => t.where.startsWith('SSM command')).length).toBeGreaterThan(0);
        expect(exposures(texts, harvest.fragments())).toEqual([]);
        const pinHolders = aws.instances.invocations.filter((i) => i.env.CLOUDHSM_PIN !== undefined).map((i) => i.argv.slice(0, 3).join(' '));
        expect(new Set(pinHolders)).toEqual(new Set(['cluster mtls register-trust-anchor', 'cluster mtls deregister-trust-anchor']));
    });
});

describe('bad MtlsTrustAnchors are refused before anything is created', () => {
    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
    });
    afterAll(() => aws.stop());

    it.each([
        ['three anchors', () => ({ MtlsTrustAnchors: [ecP256, ecP384, rsa3072] }), /MtlsTrustAnchors must be a list of at most 2 PEM certificates/],
        ['an RSA 1024 key', () => ({ MtlsTrustAnchors: [rsa1024] }), /MtlsTrustAnchors\[0\] has an RSA 1024-bit key; CloudHSM accepts/],
        ['a secp256k1 key', () => ({ MtlsTrustAnchors: [secp256k1] }), /MtlsTrustAnchors\[0\] has a ec key on secp256k1/],
        ['not a certificate', () => ({ MtlsTrustAnchors: ['-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----'] }), /MtlsTrustAnchors\[0\] must be one PEM certificate/],
        ['no management instance', () => ({ MtlsTrustAnchors: [ecP256], ManagementInstanceId: undefined }), /MtlsTrustAnchors are registered from the management instance/],
        ['the same certificate twice', () => ({ MtlsTrustAnchors: [ecP256, ecP256.replace(/\n/g, '\r\n')] }), /MtlsTrustAnchors\[1\] repeats an earlier certificate/],
    ])('%s', async (_, overrides, message) => {
        const report = await aws.driver(clusterType).create(clusterProperties(aws, overrides()));
        expect(report.status).toBe('FAILED');
        expect(report.errorCode).toBe('InvalidRequest');
        expect(report.message).toMatch(message);
        expect(Object.keys(report.calls)).toEqual([]);
    });
});

describe('idempotency of the trust anchor script', () => {
    afterEach(() => aws.stop());

    async function clusterWithoutAnchors() {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const properties = clusterProperties(aws);
        const created = await aws.driver(clusterType).create(properties);
        expect(outcome(created)).toEqual({ status: 'SUCCESS' });
        return { ...properties, ClusterId: created.model!.ClusterId } as Record<string, unknown>;
    }

    it('WHEN every event of the update is delivered twice THEN one script, each anchor registered once', async () => {
        const current = await clusterWithoutAnchors();
        const from = aws.instances.invocations.length;

        const report = await aws.driver(clusterType).update(current, { ...current, MtlsTrustAnchors: [ecP256, rsa3072] }, { deliverTwice: { retryAfterSeconds: 5 } });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(report.discardedEvents.filter((e) => e.status === 'FAILED')).toEqual([]);
        expect(scriptsSent()).toHaveLength(1);
        expect(mtlsCalls('register-trust-anchor', from)).toHaveLength(2);
        expect(registered(current.ClusterId)).toEqual([body(ecP256), body(rsa3072)].sort());
    });

    it.each(['internal', 'drop'] as const)('WHEN the answer to SendCommand of the script is lost (%s) THEN it runs once and the update succeeds', async (lostAs) => {
        const current = await clusterWithoutAnchors();
        aws.emulator.faults.add({ service: 'ssm', action: 'SendCommand', kind: 'lose-response', lostAs, times: 1 });

        const report = await aws.driver(clusterType).update(current, { ...current, MtlsTrustAnchors: [ecP384] });

        expect(outcome(report)).toEqual({ status: 'SUCCESS' });
        expect(scriptsSent()).toHaveLength(1);
        expect(registered(current.ClusterId)).toEqual([body(ecP384)]);
    });

    it('WHEN the script runs again on a cluster that already has the anchors (a later retry of the operation) THEN it changes nothing', async () => {
        const current = await clusterWithoutAnchors();
        const desired = { ...current, MtlsTrustAnchors: [ecP384] };
        expect(outcome(await aws.driver(clusterType).update(current, desired))).toEqual({ status: 'SUCCESS' });
        const from = aws.instances.invocations.length;

        // previous without the anchors: CloudFormation retrying the same update after a timeout.
        const again = await aws.driver(clusterType).update(current, desired);

        expect(outcome(again)).toEqual({ status: 'SUCCESS' });
        expect(mtlsCalls('register-trust-anchor', from)).toHaveLength(0);
        expect(mtlsCalls('list-trust-anchors', from)).toHaveLength(2);
        expect(registered(current.ClusterId)).toEqual([body(ecP384)]);
    });
});
