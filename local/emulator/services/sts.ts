import { randomBytes } from 'crypto';
import { AwsError } from '../errors';
import { ServiceFactory } from '../server';
import { leaf } from './ec2-query';

/**
 * AWS STS (query protocol, 2011-06-15), as far as `cfn test` asks it: GetCallerIdentity for the account, and
 * GetSessionToken or AssumeRole for the credentials it puts into each handler request. The emulator has no
 * IAM: every caller is a principal of the emulated account, and any role of that account may be assumed.
 */
const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** STS model: durationSecondsType (GetSessionToken) and roleDurationSecondsType (AssumeRole). */
const SESSION_SECONDS = { min: 900, max: 129_600, default: 43_200 };
const ROLE_SECONDS = { min: 900, max: 43_200, default: 3_600 };
/** A role's MaxSessionDuration when its creator set none ("IAM roles": 1 hour). */
const ROLE_MAX_SESSION_SECONDS = 3_600;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

const validation = (value: string, member: string, constraint: string) =>
    new AwsError('ValidationError', `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`);

function durationOf(raw: string | undefined, member: string, limits: { min: number; max: number; default: number }): number {
    if (raw === undefined) return limits.default;
    const value = Number(raw);
    if (value < limits.min) throw validation(raw, member, `Member must have value greater than or equal to ${limits.min}`);
    if (value > limits.max) throw validation(raw, member, `Member must have value less than or equal to ${limits.max}`);
    return value;
}

const upperAlnum = (length: number) => randomBytes(length * 2).toString('base64').replace(/[^A-Z0-9]/g, '').padEnd(length, 'Q').slice(0, length);

export const stsService: ServiceFactory = (ctx) => {
    const { state, clock, principals } = ctx;
    const principalOf = (accessKeyId: string | undefined) => (accessKeyId && principals.get(accessKeyId)) ?? `arn:aws:iam::${state.accountId}:user/${accessKeyId ?? 'anonymous'}`;

    /** Session credentials of `principalArn`, known to the emulator from now on. */
    function issue(principalArn: string, seconds: number): string {
        const accessKeyId = `ASIA${upperAlnum(16)}`;
        principals.set(accessKeyId, principalArn);
        return (
            '<Credentials>' +
            leaf('AccessKeyId', accessKeyId) +
            leaf('SecretAccessKey', randomBytes(30).toString('base64')) +
            leaf('SessionToken', randomBytes(96).toString('base64')) +
            leaf('Expiration', new Date(clock.now() + seconds * 1000).toISOString()) +
            '</Credentials>'
        );
    }

    const actions: Record<string, (params: Record<string, string>, principalArn: string) => string> = {
        GetCallerIdentity: (_params, principalArn) => {
            const role = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\/(.+)$/.exec(principalArn);
            const userId = role ? `AROA${upperAlnum(17)}:${role[2]}` : `AIDA${upperAlnum(17)}`;
            return leaf('Arn', principalArn) + leaf('UserId', userId) + leaf('Account', state.accountId);
        },
        GetSessionToken: (params, principalArn) => {
            if (principalArn.includes(':assumed-role/')) throw new AwsError('AccessDenied', 'Cannot call GetSessionToken with session credentials', 403);
            return issue(principalArn, durationOf(params.DurationSeconds, 'durationSeconds', SESSION_SECONDS));
        },
        AssumeRole: (params, principalArn) => {
            const roleArn = params.RoleArn ?? '';
            const sessionName = params.RoleSessionName ?? '';
            if (!SESSION_NAME.test(sessionName)) throw validation(sessionName, 'roleSessionName', 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
            const seconds = durationOf(params.DurationSeconds, 'durationSeconds', ROLE_SECONDS);
            const role = ROLE_ARN.exec(roleArn);
            if (!role || role[1] !== state.accountId) {
                throw new AwsError('AccessDenied', `User: ${principalArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
            }
            if (seconds > ROLE_MAX_SESSION_SECONDS) throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
            const assumedArn = `arn:aws:sts::${state.accountId}:assumed-role/${role[2]}/${sessionName}`;
            return (
                issue(assumedArn, seconds) +
                `<AssumedRoleUser>${leaf('AssumedRoleId', `AROA${upperAlnum(17)}:${sessionName}`)}${leaf('Arn', assumedArn)}</AssumedRoleUser>`
            );
        },
    };

    return {
        name: 'sts',
        protocol: 'awsquery',
        signingName: 'sts',
        xmlNamespace: NAMESPACE,
        handle: (action, params, caller) => {
            const answer = actions[action];
            if (!answer) throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
            return answer(params, principalOf(caller.accessKeyId));
        },
    };
};
