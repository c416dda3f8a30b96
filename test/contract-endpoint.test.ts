/**
 * `npm run contract-endpoint` as `cfn test` uses it (cloudformation-cli 0.2.39): a plain Node process serving
 * the bundles, driven over HTTP with the payloads cfn test sends (requestData with callerCredentials,
 * resourceProperties, previousResourceProperties, logicalResourceId, typeConfiguration; action, region,
 * awsAccountId, bearerToken, callbackContext, resourceType), re-invoking while IN_PROGRESS as cfn test does. Its
 * STS calls go through the endpoint's proxy from Python's botocore, the library cfn test is built on, with the
 * endpoint URL cfn test hard-codes.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { randomUUID } from 'crypto';
import { mkdtempSync, readFileSync } from 'fs';
import * as http from 'http';
import { tmpdir } from 'os';
import { join } from 'path';

const root = join(__dirname, '..');
type Properties = Record<string, unknown>;
interface Answer {
    status: 'IN_PROGRESS' | 'SUCCESS' | 'FAILED';
    errorCode?: string;
    message?: string;
    resourceModel?: Properties;
    resourceModels?: Properties[];
    callbackContext?: Properties;
    callbackDelaySeconds?: number;
}

let child: ChildProcess;
let url = '';
let dir = '';
let env: Record<string, string> = {};

function post(path: string, body: unknown): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
    return new Promise((resolve, reject) => {
        const req = http.request(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
    });
}

/** Python's botocore against STS at the address cfn test uses, with the environment the endpoint wrote. */
function botocoreSts(call: string): any {
    const script = `
import boto3, json, sys
sts = boto3.session.Session().client('sts', endpoint_url='https://sts.' + sys.argv[1] + '.amazonaws.com', region_name=sys.argv[1])
print(json.dumps(${call}, default=str))
`;
    return JSON.parse(execFileSync('python3', ['-c', script, env.AWS_DEFAULT_REGION], { env: { PATH: process.env.PATH!, HOME: dir, ...env }, encoding: 'utf8' }));
}

const inputs = (folder: string, kind: string): Properties => JSON.parse(readFileSync(join(dir, folder, 'inputs', `inputs_1_${kind}.json`), 'utf8'));

/** One action as cfn test runs it: invoke, and while IN_PROGRESS invoke again with the returned model and context. */
async function run(functionName: string, typeName: string, action: string, properties: Properties | null, previous: Properties | null = null) {
    const token = randomUUID();
    let desired = properties;
    let callbackContext: Properties | null = null;
    const delays: number[] = [];
    for (let invocations = 1; invocations <= 60; invocations++) {
        const payload = {
            requestData: {
                callerCredentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN },
                resourceProperties: desired,
                previousResourceProperties: previous,
                logicalResourceId: token,
                typeConfiguration: null,
            },
            region: env.AWS_DEFAULT_REGION,
            awsAccountId: accountId,
            action,
            callbackContext,
            bearerToken: token,
            resourceType: typeName,
        };
        const response = await post(`/2015-03-31/functions/${functionName}/invocations`, payload);
        expect(response.status).toBe(200);
        const answer = response.body as Answer;
        if (answer.status !== 'IN_PROGRESS') return { answer, invocations, delays };
        delays.push(answer.callbackDelaySeconds ?? 0);
        desired = answer.resourceModel ?? desired;
        callbackContext = answer.callbackContext ?? null;
    }
    throw new Error(`${action} did not finish in 60 invocations`);
}

let accountId = '';

beforeAll(async () => {
    execFileSync(process.execPath, ['build.mjs'], { cwd: root, stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'contract-endpoint-'));
    child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'local', 'contract', 'cli.ts'), '--port', '0', '--state-dir', join(dir, 'state'), '--inputs-root', dir], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk) => {
            output += chunk;
            const match = /Lambda endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
            if (match && output.includes('Ctrl-C')) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`contract-endpoint exited with ${code}: ${output}`)));
    });
    env = Object.fromEntries(
        readFileSync(join(dir, 'state', 'env'), 'utf8')
            .trim()
            .split('\n')
            .map((line) => line.replace(/^export /, '').split(/=(.*)/s).slice(0, 2) as [string, string]),
    );
    accountId = botocoreSts('sts.get_caller_identity()').Account;
}, 180_000);

afterAll(() => {
    child?.kill('SIGTERM');
});

describe('STS for cfn test, through the endpoint', () => {
    test("GetCallerIdentity from botocore at sts.<region>.amazonaws.com names the emulated account and the handler role's session", () => {
        expect(accountId).toBe('123456789012');
        expect(botocoreSts('sts.get_caller_identity()').Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\//);
    });

    test('AssumeRole (cfn test --role-arn) gives credentials of that role', () => {
        const assumed = botocoreSts("sts.assume_role(RoleArn='arn:aws:iam::123456789012:role/ContractTestRole', RoleSessionName='CloudFormationContractTest-1', DurationSeconds=900)");
        expect(assumed.AssumedRoleUser.Arn).toBe('arn:aws:sts::123456789012:assumed-role/ContractTestRole/CloudFormationContractTest-1');
        expect(assumed.Credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    });

    test('the proxy lets through nothing but STS', async () => {
        const answer = await new Promise<number>((resolve, reject) => {
            const req = http.request(url, { method: 'CONNECT', path: 'kms.us-east-1.amazonaws.com:443' });
            req.on('connect', (res, socket) => {
                socket.destroy();
                resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            req.end();
        });
        expect(answer).toBe(403);
    });
});

test('an unknown function name is ResourceNotFoundException, naming the functions served', async () => {
    const response = await post('/2015-03-31/functions/TypeFunction/invocations', {});
    expect(response.status).toBe(404);
    expect(response.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(response.body.message).toContain('ClusterTypeFunction, KeyStoreTypeFunction, KmsKeyTypeFunction');
});

describe.each([
    { folder: 'cluster-resource', functionName: 'ClusterTypeFunction', typeName: 'Community::CloudHsm::Cluster', id: 'ClusterId' },
    { folder: 'keystore-resource', functionName: 'KeyStoreTypeFunction', typeName: 'Community::CloudHsm::KeyStore', id: 'KeyStoreId' },
    { folder: 'kmskey-resource', functionName: 'KmsKeyTypeFunction', typeName: 'Community::CloudHsm::KmsKey', id: 'KeyId' },
])('$functionName', ({ folder, functionName, typeName, id }) => {
    test('create → read → update → list → delete → list → read, with the inputs the endpoint wrote', async () => {
        const create = await run(functionName, typeName, 'CREATE', inputs(folder, 'create'));
        expect(create.answer).toMatchObject({ status: 'SUCCESS' });
        // The endpoint jumps its clock over every callback delay, so cfn test never sleeps.
        expect(create.delays.every((d) => d === 0)).toBe(true);
        const created = create.answer.resourceModel!;
        const identifier = { [id]: created[id] };

        const read = await run(functionName, typeName, 'READ', identifier);
        expect(read.answer.status).toBe('SUCCESS');
        expect(read.answer.resourceModel).toMatchObject(identifier);

        const update = await run(functionName, typeName, 'UPDATE', { ...inputs(folder, 'update'), ...identifier }, { ...inputs(folder, 'create'), ...identifier });
        expect(update.answer.status).toBe('SUCCESS');
        for (const [name, value] of Object.entries(inputs(folder, 'update'))) {
            if (name in update.answer.resourceModel!) expect({ name, value: update.answer.resourceModel![name] }).toEqual({ name, value });
        }

        const listed = await run(functionName, typeName, 'LIST', {});
        expect(listed.answer.resourceModels!.map((m) => m[id])).toContain(created[id]);

        const removed = await run(functionName, typeName, 'DELETE', identifier);
        expect(removed.answer.status).toBe('SUCCESS');
        const after = await run(functionName, typeName, 'LIST', {});
        expect(after.answer.resourceModels!.map((m) => m[id])).not.toContain(created[id]);
        const gone = await run(functionName, typeName, 'READ', identifier);
        expect(gone.answer).toMatchObject({ status: 'FAILED', errorCode: 'NotFound' });
    }, 180_000);

    test('the invalid input fails with InvalidRequest and creates nothing', async () => {
        const before = await run(functionName, typeName, 'LIST', {});
        const invalid = await run(functionName, typeName, 'CREATE', inputs(folder, 'invalid'));
        expect(invalid.answer).toMatchObject({ status: 'FAILED', errorCode: 'InvalidRequest' });
        expect(invalid.invocations).toBe(1);
        const after = await run(functionName, typeName, 'LIST', {});
        expect(after.answer.resourceModels).toEqual(before.answer.resourceModels);
    });
});
