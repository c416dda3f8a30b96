/**
 * `npm run contract-endpoint`: the bundled handlers of every type behind a Lambda Invoke–compatible endpoint on
 * 127.0.0.1:3001, against the embedded emulator, so that `cfn test` runs the official contract suite with no
 * Docker, SAM or AWS. Each type's function has the name the root template.yml gives it (`ClusterTypeFunction`,
 * …), for `cfn test --function-name`.
 *
 * What `cfn test` needs besides Lambda Invoke (cloudformation-cli 0.2.39):
 * - STS: it asks `sts.<region>.amazonaws.com` for the account (GetCallerIdentity), and for session credentials
 *   (GetSessionToken, or AssumeRole with --role-arn), with the endpoint written into its code. The same port is
 *   therefore also an HTTPS proxy (HTTPS_PROXY) that lets through only that host, terminates its TLS with a
 *   certificate from a CA made at start (AWS_CA_BUNDLE), and hands the requests to the emulator's STS.
 * - Inputs: inputs/inputs_1_{create,update,invalid}.json in each type's folder, naming the subnets, instance
 *   and (for the key store) the cluster that exist in this emulator; written at start.
 *
 * The endpoint owns the clock: an IN_PROGRESS answer's callbackDelaySeconds is jumped over on the emulated
 * clock and answered as 0, so cfn test re-invokes at once. Everything it writes is in .contract-endpoint/
 * (certificates, the shell environment for cfn test) and <type folder>/inputs/, all ignored by git.
 */
import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import * as http from 'http';
import { AddressInfo, Socket } from 'net';
import * as tls from 'tls';
import { join } from 'path';
import { HANDLER_ACCESS_KEY_ID } from '../driver/driver';
import { LocalAws, startLocalAws } from '../runtime';
import { SsmService } from '../emulator/services/ssm';
import { contractInputs, TypeInputs } from './inputs';

const root = join(__dirname, '..', '..');
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

interface ServedType {
    folder: string;
    typeName: string;
    functionName: string;
    entrypoint: (event: unknown, context: unknown) => Promise<unknown>;
    schema: { typeName: string; primaryIdentifier: string[] };
}

export interface ContractEndpointOptions {
    /** 3001, cfn test's default endpoint; 0 for any free port. */
    port?: number;
    /** Where inputs/ goes for each type: the type's folder (default) or `<inputsRoot>/<folder>`. */
    inputsRoot?: string;
    /** Where the certificates and the env file go (default `.contract-endpoint/` at the repository root). */
    stateDir?: string;
}

export interface ContractEndpoint {
    url: string;
    aws: LocalAws;
    /** Shell lines (`export NAME=value`) that point cfn test's AWS calls here; also written to `<stateDir>/env`. */
    env: Record<string, string>;
    envFile: string;
    inputs: Record<string, TypeInputs>;
    functionNames: string[];
    stop(): Promise<void>;
}

function servedTypes(): ServedType[] {
    const suite = JSON.parse(readFileSync(join(root, '.rpdk-config'), 'utf8')) as { types: Array<{ folder: string; resource: string }> };
    return suite.types.map(({ folder, resource }) => {
        const schema = JSON.parse(readFileSync(join(root, folder, 'schema.json'), 'utf8'));
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const bundle = require(join(root, folder, 'dist', 'handlers.js'));
        return { folder, typeName: schema.typeName, functionName: `${resource}TypeFunction`, entrypoint: bundle.entrypoint, schema };
    });
}

/** A CA and a server certificate for the STS host names, made with openssl; only the CA is handed to cfn. */
function stsCertificate(dir: string, hosts: string[]): { key: string; cert: string; caFile: string } {
    mkdirSync(dir, { recursive: true });
    const path = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('ca.key'), '-out', path('ca.crt'), '-days', '7', '-subj', '/CN=contract-endpoint local CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', path('sts.key'), '-out', path('sts.csr'), '-subj', `/CN=${hosts[0]}`);
    writeFileSync(path('sts.ext'), `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    openssl('x509', '-req', '-in', path('sts.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path('sts.crt'), '-days', '7', '-extfile', path('sts.ext'));
    return { key: readFileSync(path('sts.key'), 'utf8'), cert: readFileSync(path('sts.crt'), 'utf8'), caFile: path('ca.crt') };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

export async function startContractEndpoint(options: ContractEndpointOptions = {}): Promise<ContractEndpoint> {
    const types = servedTypes();
    const aws = await startLocalAws();
    const ssm = aws.emulator.service<SsmService>('ssm');
    const region = aws.emulator.state.region;
    const stateDir = options.stateDir ?? join(root, '.contract-endpoint');
    const stsHosts = [`sts.${region}.amazonaws.com`, 'sts.amazonaws.com'];
    const certificate = stsCertificate(stateDir, stsHosts);

    // STS requests that arrive through the proxy go to the emulator as they are: signed for the STS host.
    const sts = http.createServer(async (req, res) => {
        const body = await readBody(req);
        const forward = http.request(`${aws.emulator.endpoint}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(res);
        });
        forward.on('error', (err) => res.writeHead(502).end(String(err)));
        forward.end(body);
    });
    const tlsContext = tls.createSecureContext({ key: certificate.key, cert: certificate.cert });

    const byFunction = new Map(types.map((t) => [t.functionName, t]));
    const invoke = async (type: ServedType, payload: any): Promise<unknown> => {
        // Scripts on the instance run beside the handlers; CloudFormation's callback delay would have let them finish.
        await aws.emulator.whenQuiet();
        await ssm.whenAllFinished();
        const context = { awsRequestId: randomUUID(), functionVersion: '$LATEST', memoryLimitInMB: '512', getRemainingTimeInMillis: () => 60_000 };
        const event = JSON.parse(JSON.stringify(await type.entrypoint(payload, context)));
        if (event?.status === 'IN_PROGRESS' && event.callbackDelaySeconds > 0) {
            aws.clock.advance(event.callbackDelaySeconds);
            event.callbackDelaySeconds = 0;
        }
        return event;
    };

    const server = http.createServer(async (req, res) => {
        const match = INVOKE_PATH.exec(req.url ?? '');
        const type = match && byFunction.get(decodeURIComponent(match[1]));
        const body = await readBody(req);
        if (req.method !== 'POST' || !match) {
            res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `No route ${req.method} ${req.url}` }));
            return;
        }
        if (!type) {
            const name = decodeURIComponent(match[1]);
            res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
            res.end(JSON.stringify({ Type: 'User', message: `Function not found: arn:aws:lambda:${region}:${aws.emulator.state.accountId}:function:${name}. Served: ${[...byFunction.keys()].join(', ')}` }));
            return;
        }
        try {
            const event = await invoke(type, JSON.parse(body.toString('utf8')));
            res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' }).end(JSON.stringify(event));
        } catch (err) {
            // Lambda's answer for a function that threw: 200 with X-Amz-Function-Error and the error as payload.
            res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
            res.end(JSON.stringify({ errorType: (err as Error)?.name ?? 'Error', errorMessage: (err as Error)?.message ?? String(err) }));
        }
    });
    server.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
        const [host, port] = (req.url ?? '').split(':');
        if (!stsHosts.includes(host) || (port ?? '443') !== '443') {
            socket.end(`HTTP/1.1 403 Forbidden\r\n\r\nThis proxy lets through only ${stsHosts.join(' and ')}; everything else in cfn test is local.\r\n`);
            return;
        }
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) socket.unshift(head);
        const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tlsContext });
        sts.emit('connection', secure);
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 3001, '127.0.0.1', resolve);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const env: Record<string, string> = {
        AWS_ACCESS_KEY_ID: HANDLER_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: 'local-contract-endpoint',
        // With a session token cfn test passes the credentials on instead of asking STS for new ones.
        AWS_SESSION_TOKEN: 'local-contract-endpoint',
        AWS_DEFAULT_REGION: region,
        HTTPS_PROXY: url,
        NO_PROXY: '127.0.0.1,localhost',
        AWS_CA_BUNDLE: certificate.caFile,
    };
    const envFile = join(stateDir, 'env');
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `export ${k}=${v}\n`).join(''));

    const inputs = await contractInputs(aws, types, options.inputsRoot ?? root);
    return {
        url,
        aws,
        env,
        envFile,
        inputs,
        functionNames: types.map((t) => t.functionName),
        stop: async () => {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
            sts.closeAllConnections();
            await aws.stop();
        },
    };
}
