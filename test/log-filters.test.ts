/**
 * A warm Lambda container serves invocation after invocation with the same module. The CloudFormation library
 * adds redaction filters (the bearer token, both sessions' credentials) to its container-wide Lambda log
 * publisher on every invocation; the type makes each invocation start without the earlier ones, so a log
 * line costs the same on the thousandth invocation as on the first and old credentials are not kept.
 */
import { LambdaLogPublisher } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { LocalAws, startLocalAws } from '../local/runtime';
import { clusterType } from './support';

let aws: LocalAws;
beforeAll(async () => {
    aws = await startLocalAws();
});
afterAll(() => aws.stop());

it('the Lambda log lines of the 1st and the 30th invocation of one container go through the same three redaction filters, the current invocation\'s', async () => {
    // GIVEN the library's Lambda log publisher, watched as it filters each line
    const filtered: Array<{ filters: number; redactsToken: (token: string) => boolean }> = [];
    // filterMessage is private in the library's types: the spy reaches it as the library's own code does.
    const publisher = LambdaLogPublisher.prototype as unknown as { filterMessage(message: string): string };
    const filterMessage = publisher.filterMessage;
    const spy = jest.spyOn(publisher, 'filterMessage').mockImplementation(function (this: any, message: string) {
        const filters = [...this.logFilters];
        filtered.push({ filters: filters.length, redactsToken: (token) => filters.reduce((m: string, f: any) => f.applyFilter(m), `token ${token}`) === 'token <REDACTED>' });
        return filterMessage.call(this, message);
    });
    const driver = aws.driver(clusterType);
    try {
        // WHEN one container serves 30 invocations (reads of a cluster that does not exist)
        const lastToken = 'b1c2d3e4-0000-4000-8000-000000000030';
        const reads = [];
        for (let i = 1; i <= 30; i++) {
            const token = i === 30 ? lastToken : undefined;
            reads.push(await driver.operation('READ', { ClusterId: 'cluster-abcdefghijk' }, { stringify: false, clientRequestToken: token }));
        }

        // THEN each read answers as usual
        expect(new Set(reads.map((r) => `${r.status} ${r.errorCode}`))).toEqual(new Set(['FAILED NotFound']));
        // AND every line the last invocation filtered went through three filters, as in the first, which redact
        // that invocation's own bearer token
        const filterCounts = new Set(filtered.filter((f) => f.filters > 0).map((f) => f.filters));
        expect(filterCounts).toEqual(new Set([3]));
        expect(filtered[filtered.length - 1].redactsToken(lastToken)).toBe(true);
    } finally {
        spy.mockRestore();
    }
});
