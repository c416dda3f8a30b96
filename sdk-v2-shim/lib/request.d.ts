/** SDK v2 adds `$response` to a result; the stand-in resolves with the output members only. */
export type PromiseResult<D, _E> = D;

export declare class Request<D, E> {
    readonly operation: string;
    readonly httpRequest: { headers: Record<string, string> };
    on(eventName: 'build', listener: (request: Request<D, E>) => void): this;
    promise(): Promise<PromiseResult<D, E>>;
}
