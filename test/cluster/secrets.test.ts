/**
 * No secret ever appears in a log, progress event, returned model, SSM command text or output, or process
 * command line, on any path: the happy life of a cluster, calls that fail and are retried, a create replayed
 * with every response lost, a restore that copies secrets, creates that fail on a planted or a damaged secret.
 *
 * The secrets are taken from where they truly live (every version the emulated Secrets Manager held) after
 * every invocation, since the CA key lives only from its step to initialization. Everything the type leaves
 * readable is then searched for every 8-character piece of them (secret-scan.ts). Positive controls make sure
 * the search can fail: the admin password does travel, on the CloudHSM CLI's terminal prompt, and the public
 * trust anchor is found where it belongs.
 */
import { randomUUID } from 'crypto';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { OperationReport } from '../../local/driver/driver';
import { LocalAws, startLocalAws } from '../../local/runtime';
import { clusterProperties, clusterType, OpensslCa, QUICK_SERVICE_DURATIONS } from '../support';
import { createUntilStep, resumeCreate } from './mid-workflow';
import { everyText, exposures, fragmentsOf, privateKeyFragments, SecretHarvest } from './secret-scan';

interface CallerCredentials {
    secretAccessKey?: string;
    sessionToken?: string;
}

describe('GIVEN the local runtime, WHEN clusters live through every path the driver can take them', () => {
    let aws: LocalAws;
    const harvest = new SecretHarvest();
    const reports: OperationReport[] = [];
    const outcomes: string[] = [];
    const callerCredentials: CallerCredentials[] = [];
    let consoleLines: string[] = [];
    let progressEvents: unknown[] = [];
    let firstAdminPassword: string | undefined;
    let trustAnchorPem = '';

    beforeAll(async () => {
        aws = await startLocalAws({ durations: QUICK_SERVICE_DURATIONS });
        const observedType = {
            schema: clusterType.schema,
            entrypoint: async (event: unknown, context: unknown) => {
                const requestData = (event as { requestData?: { callerCredentials?: CallerCredentials; providerCredentials?: CallerCredentials } }).requestData;
                if (requestData?.callerCredentials) callerCredentials.push(requestData.callerCredentials);
                if (requestData?.providerCredentials) callerCredentials.push(requestData.providerCredentials);
                try {
                    return await clusterType.entrypoint(event, context);
                } finally {
                    harvest.collect(aws.emulator.state);
                }
            },
        };
        const driver = aws.driver(observedType, { logicalResourceId: 'Cluster' });
        consoleLines = driver.consoleLines;
        progressEvents = driver.invocationEvents;
        const secretsManager = new SecretsManagerClient({ endpoint: aws.emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
        const run = async (phase: string, operation: Promise<OperationReport>, expected: string = 'SUCCESS') => {
            const report = await operation;
            reports.push(report);
            const outcome = report.status === 'SUCCESS' ? 'SUCCESS' : `${report.status} ${report.errorCode}`;
            outcomes.push(`${phase}: ${outcome}`);
            if (outcome !== expected) throw new Error(`${phase} ended ${outcome}: ${report.message}`);
            return report;
        };

        // The happy life, with Secrets Manager failing and throttling on the way (the SDK and the engine retry).
        aws.emulator.faults.add({ service: 'secretsmanager', action: 'CreateSecret', kind: 'internal', times: 2 });
        aws.emulator.faults.add({ service: 'secretsmanager', action: 'GetSecretValue', kind: 'throttle', times: 3 });
        const properties = clusterProperties(aws, { Tags: [{ Key: 'team', Value: 'platform' }], NetworkType: 'DUALSTACK' });
        const created = await run('create', driver.create(properties));
        aws.emulator.faults.clear();
        firstAdminPassword = [...harvest.passwords][0];
        trustAnchorPem = created.model!.TrustAnchorCertificate as string;
        const model = { ...properties, ClusterId: created.model!.ClusterId };
        await run('read', driver.read({ ClusterId: model.ClusterId }));
        const grown = { ...model, HsmsPerSubnet: 2 };
        await run('update: grow to 2 per subnet', driver.update(model, grown));
        const parked = { ...model, HsmsPerSubnet: 0 };
        await run('update: shrink to 0', driver.update(grown, parked));
        await run('update: grow back at the kept addresses', driver.update(parked, grown));
        const shrunk = { ...model, HsmsPerSubnet: 0 };
        await run('update: shrink to 0 again', driver.update(grown, shrunk));
        await run('list', driver.list());

        // A restore that copies the first cluster's secrets.
        aws.clock.advance(aws.emulator.durations.backupCreateSeconds);
        aws.emulator.settle();
        const backup = [...aws.emulator.state.backups.values()].find((b) => b.clusterId === model.ClusterId && b.state === 'READY');
        if (!backup) throw new Error('No READY backup to restore');
        const restore = {
            SubnetIds: [aws.network.subnetIds.a],
            HsmsPerSubnet: 1,
            SourceBackupId: backup.backupId,
            SourceAdminSecretArn: created.model!.AdminSecretArn,
            SourceTrustAnchorSecretArn: created.model!.TrustAnchorSecretArn,
        };
        const restored = await run('create from backup', driver.create(restore));
        await run('delete restored', driver.delete({ ...restore, ClusterId: restored.model!.ClusterId }));
        await run('delete', driver.delete(shrunk));

        // A create and a delete with every response lost and the event delivered again.
        const replayed = await run('create, every event twice', driver.create(clusterProperties(aws), { deliverTwice: { retryAfterSeconds: 5 } }));
        await run('delete, every event twice', driver.delete(replayed.model!, { deliverTwice: { retryAfterSeconds: 5 } }));

        // A create that finds a secret planted in its way, and one whose CA secret is damaged before initialization.
        for (const [phase, untilStep, spoil, expected] of [
            [
                'create with a planted admin secret',
                'await-cluster-created',
                (clusterId: string) =>
                    secretsManager.send(
                        new CreateSecretCommand({
                            Name: `cloudhsm/${clusterId}/admin-credentials`,
                            SecretString: JSON.stringify({ username: 'admin', password: 'PlantedPwOfMallory42zq' }),
                            ClientRequestToken: randomUUID(),
                        }),
                    ),
                'FAILED AlreadyExists',
            ],
            [
                'create with a damaged CA secret',
                'await-first-hsm',
                (clusterId: string) =>
                    secretsManager.send(new PutSecretValueCommand({ SecretId: `cloudhsm/${clusterId}/ca-private-key`, SecretString: 'hunter2-plaintext-Zq7Kp', ClientRequestToken: randomUUID() })),
                'FAILED GeneralServiceException',
            ],
        ] as const) {
            harvest.add(JSON.stringify({ password: 'hunter2-plaintext-Zq7Kp' }));
            const token = randomUUID();
            const events = await createUntilStep(aws, driver, clusterProperties(aws), untilStep, token);
            const clusterId = events[events.length - 1].resourceModel!.ClusterId as string;
            await spoil(clusterId);
            harvest.collect(aws.emulator.state);
            await run(phase, resumeCreate(aws, driver, events[events.length - 1], token), expected);
            await run(`delete after: ${phase}`, driver.delete({ ...clusterProperties(aws), ClusterId: clusterId }));
        }

        const external = { SubnetIds: [aws.network.subnetIds.a], HsmsPerSubnet: 1, CertificateAuthority: 'EXTERNAL' };
        const waiting = await run('create EXTERNAL', driver.create(external));
        // AWS replaces the first HSM: a certificate for the CSR the create showed is refused.
        const waitingModel = { ...external, ClusterId: waiting.model!.ClusterId as string };
        aws.cloudhsm.failHsm(waitingModel.ClusterId, aws.emulator.state.clusters.get(waitingModel.ClusterId)!.hsms[0].hsmId);
        aws.clock.advance(aws.emulator.durations.hsmCreateSeconds);
        aws.emulator.settle();
        const ca = new OpensslCa();
        const withOldCertificate = { ...waitingModel, ExternalClusterCertificate: ca.sign(waiting.model!.ClusterCsr as string), ExternalTrustAnchor: ca.anchorPem };
        ca.dispose();
        await run('update EXTERNAL with a certificate for the older CSR', driver.update(waitingModel, withOldCertificate), 'FAILED InvalidRequest');
        await run('delete EXTERNAL', driver.delete(waitingModel));
    });

    afterAll(async () => {
        await aws?.stop();
    });

    it('THEN every path ran as expected, and the secrets were really made: admin passwords, CA private keys, and the planted ones', () => {
        expect(outcomes).toEqual([
            'create: SUCCESS',
            'read: SUCCESS',
            'update: grow to 2 per subnet: SUCCESS',
            'update: shrink to 0: SUCCESS',
            'update: grow back at the kept addresses: SUCCESS',
            'update: shrink to 0 again: SUCCESS',
            'list: SUCCESS',
            'create from backup: SUCCESS',
            'delete restored: SUCCESS',
            'delete: SUCCESS',
            'create, every event twice: SUCCESS',
            'delete, every event twice: SUCCESS',
            'create with a planted admin secret: FAILED AlreadyExists',
            'delete after: create with a planted admin secret: SUCCESS',
            'create with a damaged CA secret: FAILED GeneralServiceException',
            'delete after: create with a damaged CA secret: SUCCESS',
            'create EXTERNAL: SUCCESS',
            'update EXTERNAL with a certificate for the older CSR: FAILED InvalidRequest',
            'delete EXTERNAL: SUCCESS',
        ]);
        // Generated: the first create, the replayed create, the damaged one, EXTERNAL; and the two planted values.
        expect(harvest.passwords.size).toBe(6);
        expect(harvest.passwords).toContain('PlantedPwOfMallory42zq');
        // SELF_SIGNED creates that reached their CA step: the first, the replayed, the damaged one.
        expect(harvest.privateKeys.size).toBe(3);
        expect(harvest.fragments().size).toBeGreaterThan(3 * 900);
    });

    it('THEN the search finds any 8 characters of a secret planted in a line, and none of the public part of a key', () => {
        const password = [...harvest.passwords][0];
        const key = [...harvest.privateKeys][0];
        const keyFragment = privateKeyFragments(key)[100];

        const found = exposures(
            [
                { where: 'password piece', text: `prefix ${password.slice(5, 13)} suffix` },
                { where: 'key piece', text: `"${keyFragment}"` },
                { where: 'public certificate', text: trustAnchorPem },
            ],
            harvest.fragments(),
        );

        expect(found.map((f) => f.where)).toEqual(['password piece', 'key piece']);
    });

    it('THEN the same search does find the public trust anchor where it belongs: in returned models and in the activation script', () => {
        const anchorFragments = new Map(fragmentsOf(trustAnchorPem.replace(/-----[A-Z ]+-----|\s/g, '')).map((f) => [f, 'trust anchor']));
        const texts = everyText(aws, consoleLines, progressEvents, reports);

        expect(exposures(texts.filter((t) => t.where.endsWith('report')), anchorFragments).length).toBeGreaterThan(0);
        expect(exposures(texts.filter((t) => t.where.startsWith('SSM command')), anchorFragments).length).toBeGreaterThan(0);
    });

    it('THEN the admin password is typed at the prompts of `cloudhsm-cli cluster activate` (the one way it may travel), and reaches no stdin', () => {
        const activations = aws.instances.invocations.filter((i) => i.tool === 'cloudhsm-cli' && i.argv[0] === 'cluster' && i.argv[1] === 'activate');

        expect(activations).toHaveLength(2);
        expect(activations[0]).toMatchObject({ exitCode: 0, passwordFrom: 'terminal', typedAtPrompts: [firstAdminPassword, firstAdminPassword], stdin: '' });
    });

    it('THEN no piece of any secret is in any event, model, console line, log event, SSM command or output, or tool command line, environment or stdin', () => {
        const texts = everyText(aws, consoleLines, progressEvents, reports);
        expect(texts.filter((t) => t.where.startsWith('log ')).length).toBeGreaterThan(0);
        expect(texts.filter((t) => t.where.startsWith('SSM command')).length).toBeGreaterThan(0);
        expect(texts.filter((t) => t.where.startsWith('argv of')).length).toBeGreaterThan(2);
        expect(progressEvents.length).toBeGreaterThan(reports.length);

        expect(exposures(texts, harvest.fragments())).toEqual([]);
    });

    it("THEN the caller's secret access key and session token are never in a delivered log event", () => {
        const credentialValues = new Set(callerCredentials.flatMap((c) => [c.secretAccessKey, c.sessionToken]).filter((v): v is string => !!v));
        expect(credentialValues.size).toBeGreaterThan(reports.length);
        const logs = everyText(aws, [], [], []).filter((t) => t.where.startsWith('log '));

        expect(logs.filter((log) => [...credentialValues].some((value) => log.text.includes(value))).map((log) => log.where)).toEqual([]);
    });
});
