/**
 * Counts the AWS calls made from this process, as the emulator counts the calls it answers: by the service
 * in the request's SigV4 credential scope and the action in its X-Amz-Target header (JSON protocols) or its
 * `Action=` body (the EC2 query protocol). A real account has no such record, and the bundled handlers carry
 * their own SDK copies, so the count is taken where every copy ends: Node's http and https `request`.
 */
import http from 'http';
import https from 'https';

export interface AwsCall {
    service: string;
    action: string;
}

/** SigV4 signing names that differ from the service names the emulator and the reports use. */
const SERVICE_BY_SIGNING_NAME: Record<string, string> = { cloudhsm: 'cloudhsmv2', monitoring: 'cloudwatch' };

/**
 * Starts recording into the returned array. Install it before the first SDK call: the SDK's handler keeps
 * the http `request` it finds on its first use.
 */
export function recordAwsCalls(): { calls: AwsCall[]; stop(): void } {
    const calls: AwsCall[] = [];
    const modules = [http, https] as const;
    const originals = modules.map((m) => m.request);
    modules.forEach((module, i) => {
        const original = originals[i] as (...args: unknown[]) => http.ClientRequest;
        (module as { request: unknown }).request = function (this: unknown, ...args: unknown[]) {
            const request = original.apply(this, args);
            const headers = (args.find((a) => a && typeof a === 'object' && 'headers' in (a as object)) as { headers?: Record<string, unknown> } | undefined)?.headers;
            const service = signingService(header(headers, 'authorization'));
            if (!service) return request;
            const target = header(headers, 'x-amz-target');
            const end = request.end;
            request.end = function (this: http.ClientRequest, ...endArgs: unknown[]) {
                const body = typeof endArgs[0] === 'string' || Buffer.isBuffer(endArgs[0]) ? String(endArgs[0]) : '';
                const action = target ? target.slice(target.lastIndexOf('.') + 1) : (new URLSearchParams(body).get('Action') ?? '');
                calls.push({ service, action });
                return (end as (...a: unknown[]) => http.ClientRequest).apply(this, endArgs);
            } as typeof request.end;
            return request;
        } as typeof module.request;
    });
    return {
        calls,
        stop: () => modules.forEach((module, i) => ((module as { request: unknown }).request = originals[i])),
    };
}

function header(headers: Record<string, unknown> | undefined, name: string): string | undefined {
    const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : String(headers![key]);
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/kms/aws4_request, …` → `kms`. */
function signingService(authorization: string | undefined): string | undefined {
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? '');
    return scope ? (SERVICE_BY_SIGNING_NAME[scope[1]] ?? scope[1]) : undefined;
}
