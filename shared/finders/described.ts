/**
 * The service's view of one resource, described at most once per invocation: steps read it freely, and a
 * step that changed the resource says so, so the next read describes it again.
 */
export class Described<T> {
    private value: T | null | undefined;

    constructor(
        private readonly describe: () => Promise<T | undefined>,
        private readonly notFound: () => Error,
    ) {}

    /** The resource, or undefined when it is gone (delete steps carry on then). */
    async ifPresent(): Promise<T | undefined> {
        if (this.value === undefined) this.value = (await this.describe()) ?? null;
        return this.value ?? undefined;
    }

    /** The resource; the `notFound` error when it is gone. */
    async get(): Promise<T> {
        const found = await this.ifPresent();
        if (!found) throw this.notFound();
        return found;
    }

    forget(): void {
        this.value = undefined;
    }
}
