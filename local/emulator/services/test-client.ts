/**
 * What the emulator's service tests share: the settings a real SDK v3 client needs to talk to the emulator
 * (test credentials, no retries, so an error reaches the test on the first answer), and the error of a call
 * that must fail.
 */
import { Emulator } from '../server';

export const TEST_REGION = 'us-east-1';

export const clientSettings = (emulator: Emulator) => ({
    endpoint: emulator.endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
    maxAttempts: 1,
});

/** The error a call fails with; the test fails if the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string } & Record<string, any>> {
    try {
        await promise;
    } catch (err) {
        return err as { name: string; message: string };
    }
    throw new Error('expected the call to fail');
}
