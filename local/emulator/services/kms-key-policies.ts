/**
 * KMS key policies: every key has one, and it authorizes every request on the key. A principal of the account
 * gets access only through it: the default policy names the account (`arn:aws:iam::<account>:root`), which
 * lets the account's IAM policies decide; a policy that names only some roles refuses everyone else, whatever
 * their IAM policies say. The emulator has no IAM, so a principal of the account that the policy delegates
 * to is allowed.
 *
 * Evaluation, as in the KMS developer guide's "Troubleshooting key access": an applicable Deny wins, then an
 * applicable Allow; otherwise the request is implicitly denied. The emulator evaluates no condition keys, and
 * reads a Condition the strict way: an Allow with one grants nothing, a Deny with one applies.
 */
import { kmsError } from './kms-rules';

export interface KeyPolicyStatement {
    Effect?: unknown;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: unknown;
    NotAction?: unknown;
    Condition?: unknown;
}

export const defaultKeyPolicy = (accountId: string): string =>
    JSON.stringify(
        {
            Version: '2012-10-17',
            Id: 'key-default-1',
            Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
        },
        null,
        2,
    );

/** The statements of a policy document; MalformedPolicyDocumentException when it is not one. */
export function statementsOf(policy: string): KeyPolicyStatement[] {
    let document: any;
    try {
        document = JSON.parse(policy);
    } catch {
        throw malformed('The key policy is not valid JSON.');
    }
    const statements = Array.isArray(document?.Statement) ? document.Statement : document?.Statement ? [document.Statement] : undefined;
    if (!statements?.length) throw malformed('The key policy has no Statement.');
    for (const statement of statements) {
        if (statement?.Effect !== 'Allow' && statement?.Effect !== 'Deny') throw malformed('Each statement of the key policy needs an Effect of Allow or Deny.');
        if ((statement.Principal === undefined) === (statement.NotPrincipal === undefined)) throw malformed('Each statement of the key policy needs a Principal or a NotPrincipal.');
        if ((statement.Action === undefined) === (statement.NotAction === undefined)) throw malformed('Each statement of the key policy needs an Action or a NotAction.');
    }
    return statements;
}

const malformed = (message: string) => kmsError('MalformedPolicyDocumentException', message);

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** What `statements` decide for `callerArn` asking for `action` (`kms:DescribeKey`) on a key of `accountId`. */
export function evaluate(statements: KeyPolicyStatement[], callerArn: string, accountId: string, action: string): PolicyDecision {
    const applies = (s: KeyPolicyStatement) =>
        (s.Principal !== undefined ? principalMatches(s.Principal, callerArn, accountId) : !principalMatches(s.NotPrincipal, callerArn, accountId)) &&
        (s.Action !== undefined ? actionMatches(s.Action, action) : !actionMatches(s.NotAction, action));
    if (statements.some((s) => s.Effect === 'Deny' && applies(s))) return 'explicit-deny';
    if (statements.some((s) => s.Effect === 'Allow' && s.Condition === undefined && applies(s))) return 'allow';
    return 'implicit-deny';
}

/** AccessDeniedException in the IAM wording ("Troubleshooting access denied error messages", IAM User Guide). */
export function accessDenied(decision: Exclude<PolicyDecision, 'allow'>, callerArn: string, action: string, keyArn: string): Error {
    const why = decision === 'explicit-deny' ? 'with an explicit deny in a resource-based policy' : `because no resource-based policy allows the ${action} action`;
    return kmsError('AccessDeniedException', `User: ${callerArn} is not authorized to perform: ${action} on resource: ${keyArn} ${why}`);
}

/**
 * The key policy lockout safety check of CreateKey and PutKeyPolicy: unless the caller bypasses it, the new
 * policy must let the caller change the policy again.
 */
export function checkLockoutSafety(statements: KeyPolicyStatement[], callerArn: string, accountId: string, bypass: unknown): void {
    if (bypass === true) return;
    if (evaluate(statements, callerArn, accountId, 'kms:PutKeyPolicy') !== 'allow') {
        throw malformed('The new key policy will not allow you to update the key policy in the future.');
    }
}

function listOf(value: unknown): string[] {
    if (typeof value === 'string') return [value];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function principalMatches(principal: unknown, callerArn: string, accountId: string): boolean {
    if (principal === '*') return true;
    if (!principal || typeof principal !== 'object') return false;
    // Only AWS principals can be callers here; Service and Federated principals never match.
    return listOf((principal as { AWS?: unknown }).AWS).some((named) => namesCaller(named, callerArn, accountId));
}

/** The account (`123456789012` or its `:root` ARN) names every principal of it; a role names its sessions. */
function namesCaller(named: string, callerArn: string, accountId: string): boolean {
    if (named === '*' || named === callerArn) return true;
    const callerAccount = callerArn.split(':')[4];
    if (named === accountId || named === `arn:aws:iam::${accountId}:root`) return callerAccount === accountId;
    const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(named);
    const session = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(callerArn);
    return !!role && !!session && role[1] === session[1] && role[2] === session[2];
}

function actionMatches(actions: unknown, action: string): boolean {
    return listOf(actions).some((pattern) => {
        const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
        return regex.test(action);
    });
}
