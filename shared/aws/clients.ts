/**
 * One place that builds SDK v3 clients for a handler invocation: the caller's session credentials, the
 * request's region, and the standard AWS_ENDPOINT_URL setting when one is present (never in production).
 * Every client is the 3.332 release (package.json pins them to the newest CloudHSM client the registry has,
 * so that they share one copy of the SDK's core and the bundle stays small); 3.332 reads neither
 * AWS_ENDPOINT_URL nor checks the region, so both are done here.
 *
 * It also decides what the SDK may send again. After a 5xx or a dropped connection the outcome of a call is
 * unknown: AWS may have done the work and only the answer was lost. Reads, and calls carrying a client token
 * that AWS de-duplicates by, are resent by the SDK (3 attempts). Every other call (CreateCluster, CreateHsm,
 * InitializeCluster, SendCommand, the KMS key store calls, DeleteSecret, ...) is sent once: its failure goes
 * to the step, which the engine runs again later, and the step looks at the service before acting again.
 */
export interface SessionCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}

export interface ClientSettings {
    region: string;
    credentials?: SessionCredentials;
}

type ClientConstructor<C> = new (config: any) => C;
type SdkClient = { middlewareStack: any; send: (command: any, ...rest: any[]) => Promise<any> };

/** Attempts the SDK makes for a call it may resend. */
const ATTEMPTS_FOR_RESENDABLE_CALLS = 3;

/**
 * A retry strategy that never retries. `maxAttempts: 1` is not enough: the 3.332 CloudHSM client's retry
 * strategy (util-retry 3.329) counts retries against it, so it still makes a second attempt.
 */
export const SEND_ONCE = {
    mode: 'standard',
    acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
    refreshRetryTokenForRetry: async () => {
        throw new Error('sent once: not retried');
    },
    recordSuccess: () => undefined,
};

const READ_ACTION = /^(Describe|Get|List)[A-Z]/;

/**
 * True for a call that is safe to send again whatever happened to the first attempt. Names come from the
 * command classes (the bundle keeps class names).
 */
function mayResend(command: { constructor: { name: string }; input?: unknown }): boolean {
    if (READ_ACTION.test(command.constructor.name)) return true;
    const input = (command.input ?? {}) as { ClientRequestToken?: unknown; ClientToken?: unknown };
    return typeof input.ClientRequestToken === 'string' || typeof input.ClientToken === 'string';
}

/** Names the command on errors, so that one boundary can say which call failed. */
const nameCommandOnError = (next: any, context: any) => async (args: any) => {
    try {
        return await next(args);
    } catch (err) {
        if (err && typeof err === 'object' && context?.commandName) {
            (err as { $command?: string }).$command = String(context.commandName).replace(/Command$/, '');
        }
        throw err;
    }
};

export class AwsClients {
    private readonly cache = new Map<unknown, unknown>();

    constructor(private readonly settings: ClientSettings) {}

    get<C extends SdkClient>(Client: ClientConstructor<C>, configure?: (client: C) => void): C {
        let client = this.cache.get(Client) as C | undefined;
        if (!client) {
            const resending = this.build(Client, { maxAttempts: ATTEMPTS_FOR_RESENDABLE_CALLS }, configure);
            let once: C | undefined;
            const send = resending.send.bind(resending);
            resending.send = ((command: any, ...rest: any[]) => {
                if (mayResend(command)) return send(command, ...rest);
                once ??= this.build(Client, { retryStrategy: SEND_ONCE }, configure);
                return once.send(command, ...rest);
            }) as C['send'];
            client = resending;
            this.cache.set(Client, client);
        }
        return client;
    }

    private build<C extends SdkClient>(Client: ClientConstructor<C>, retries: object, configure?: (client: C) => void): C {
        const endpoint = process.env.AWS_ENDPOINT_URL;
        const client = new Client({
            region: checkedRegion(this.settings.region),
            credentials: this.settings.credentials,
            ...(endpoint ? { endpoint } : {}),
            ...retries,
        });
        client.middlewareStack.add(nameCommandOnError, { step: 'initialize', name: 'nameCommandOnError' });
        configure?.(client);
        return client;
    }
}

/**
 * The region becomes part of every endpoint's host name. Current SDK releases refuse a region that is not one
 * host name label (GHSA-6475-r3vj-m8vf); the 3.332 clients do not, so the factory does.
 */
export function checkedRegion(region: string): string {
    if (!/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/.test(region)) {
        throw new Error(`Region not accepted: region="${region}" is not a valid hostname component.`);
    }
    return region;
}
