/**
 * One place that builds SDK v3 clients for a handler invocation: the caller's session credentials, the
 * request's region, and the standard AWS_ENDPOINT_URL setting when one is present (never in production;
 * the 3.332 CloudHSM client does not read it by itself, so it is passed explicitly to every client).
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

    get<C extends { middlewareStack: any }>(Client: ClientConstructor<C>, configure?: (client: C) => void): C {
        let client = this.cache.get(Client) as C | undefined;
        if (!client) {
            const endpoint = process.env.AWS_ENDPOINT_URL;
            client = new Client({
                region: this.settings.region,
                credentials: this.settings.credentials,
                ...(endpoint ? { endpoint } : {}),
                maxAttempts: 3,
            });
            client.middlewareStack.add(nameCommandOnError, { step: 'initialize', name: 'nameCommandOnError' });
            configure?.(client);
            this.cache.set(Client, client);
        }
        return client;
    }
}
