import { kmsUserName } from '../emulator/services/kms-connections';
import { Cluster, Hsm, HsmUser } from '../emulator/state';
import { OptionSpec, ParsedArgs, UsageError, parseArgs } from './cli-args';
import { HsmConnection, HsmConnectionError, clientVersionOf, connect, login, refuseInLimitedWriteMode } from './hsm-connection';
import { deregisterTrustAnchor, listTrustAnchors, registerTrustAnchor } from './cloudhsm-cli-mtls';
import { CliResult, ToolContext, succeeded } from './tool-context';

/**
 * `cloudhsm-cli` of client SDK 5 in single command mode: `cluster activate` and the `user` commands, acting on
 * the emulated cluster's users. Results are the CLI's JSON documents (`{"error_code": 0, "data": …}`); a
 * failed command prints `error_code` 1 and exits non-zero. A new password comes from `--password` or from
 * the "Enter password:" / "Confirm password:" prompts, which the stand-in executable asks on the controlling
 * terminal (bin/cloudhsm-cli), never from stdin.
 */
const passwordMinLength = 8;
const passwordMaxLength = 32;
const usernamePattern = /^[A-Za-z0-9_]{1,31}$/;
const roles = ['admin', 'crypto-user'] as const;

const usage = `Usage: cloudhsm-cli <COMMAND>

Commands:
  cluster activate     Activate a cluster
  cluster mtls         Manage the trust anchors for mutual TLS (list-trust-anchors, register-trust-anchor, deregister-trust-anchor)
  user create          Create a new user
  user delete          Delete a user
  user list            List the users in your cluster
  user change-password Change a user's password
  key list             List the keys for the current user
  interactive          Start the interactive mode
  help                 Print this message or the help of the given subcommand(s)
`;

interface Command {
    options: OptionSpec;
    run(ctx: ToolContext, args: ParsedArgs): CliResult;
}

const commands: Record<string, Command> = {
    'cluster activate': { options: { values: ['--password', '--cluster-id'] }, run: activateCluster },
    'user list': { options: { values: ['--cluster-id'] }, run: listUsers },
    'user create': { options: { values: ['--username', '--role', '--password', '--cluster-id', '--approval'] }, run: createUser },
    'user change-password': {
        options: { values: ['--username', '--role', '--password', '--cluster-id', '--approval'] },
        run: changePassword,
    },
    'user delete': { options: { values: ['--username', '--role', '--cluster-id', '--approval'] }, run: deleteUser },
    'key list': { options: { values: ['--cluster-id', '--filter', '--max-items', '--starting-token'], flags: ['--verbose'] }, run: listKeys },
    'cluster mtls list-trust-anchors': { options: { values: ['--cluster-id'] }, run: (ctx, args) => commandSucceeded(listTrustAnchors(ctx, args)) },
    'cluster mtls register-trust-anchor': { options: { values: ['--path', '--cluster-id', '--approval'] }, run: (ctx, args) => commandSucceeded(registerTrustAnchor(ctx, args)) },
    'cluster mtls deregister-trust-anchor': {
        options: { values: ['--certificate-reference', '--cluster-id', '--approval'] },
        run: (ctx, args) => commandSucceeded(deregisterTrustAnchor(ctx, args)),
    },
};

export function runCloudHsmCli(ctx: ToolContext): CliResult {
    const argv = ctx.request.argv;
    // clap's version flag: "<binary> <version>".
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return succeeded(`cloudhsm-cli ${clientVersionOf(ctx)}\n`);
    if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
        return { stdout: usage, stderr: '', exitCode: argv.length === 0 ? 1 : 0 };
    }
    // `cluster mtls` commands have three words, the others two.
    const words = argv[1] === 'mtls' ? 3 : 2;
    const command = commands[argv.slice(0, words).join(' ')];
    if (!command) return { stdout: '', stderr: `error: unrecognized subcommand '${argv.slice(0, words).join(' ')}'\n\n${usage}`, exitCode: 1 };
    try {
        const args = parseArgs(argv.slice(words), command.options);
        if (args.positionals.length > 0) throw new UsageError(`error: unexpected argument '${args.positionals[0]}' found`);
        return command.run(ctx, args);
    } catch (err) {
        if (err instanceof UsageError) return { stdout: '', stderr: `${err.message}\n\n${usage}`, exitCode: 1 };
        if (err instanceof HsmConnectionError) return commandFailed(err.message);
        throw err;
    }
}

function activateCluster(ctx: ToolContext, args: ParsedArgs): CliResult {
    const connection = connect(ctx, args.values.get('--cluster-id'));
    const { cluster, reachableHsms } = connection;
    if (cluster.state === 'ACTIVE') return commandFailed('Cluster activation failed: the cluster is already activated');
    if (cluster.state !== 'INITIALIZED') {
        return commandFailed(`Cluster activation failed: the cluster is not initialized (state ${cluster.state})`);
    }
    const password = newPassword(ctx, args);
    const hsmIds = activeHsmIds(reachableHsms);
    const admin = builtInAdmin(cluster, hsmIds);
    admin.role = 'admin';
    admin.password = password;
    admin.failedLogins = 0;
    admin.locked = false;
    admin.hsmIds = union(admin.hsmIds, hsmIds);
    cluster.state = 'ACTIVE';
    cluster.stateMessage = '';
    ctx.noteClusterChanged(cluster.clusterId);
    return commandSucceeded('Cluster activation successful');
}

function listUsers(ctx: ToolContext, args: ParsedArgs): CliResult {
    const { cluster, reachableHsms } = connect(ctx, args.values.get('--cluster-id'));
    const hsmIds = activeHsmIds(reachableHsms);
    if (cluster.state === 'INITIALIZED') builtInAdmin(cluster, hsmIds);
    const users: Array<Record<string, unknown>> = cluster.users
        .filter((u) => u.hsmIds.some((id) => hsmIds.includes(id)))
        .map((u) => ({
            username: u.username,
            role: u.role,
            locked: String(u.locked),
            mfa: [],
            quorum: [],
            'cluster-coverage': hsmIds.every((id) => u.hsmIds.includes(id)) ? 'full' : 'partial',
        }));
    // Every HSM carries this internal user; it is listed but can't be managed.
    users.push({ username: 'app_user', role: 'internal(APPLIANCE_USER)', locked: 'false', mfa: [], quorum: [], 'cluster-coverage': 'full' });
    return commandSucceeded({ users });
}

function createUser(ctx: ToolContext, args: ParsedArgs): CliResult {
    const connection = connect(ctx, args.values.get('--cluster-id'));
    const actor = login(ctx, connection);
    refuseInLimitedWriteMode(connection.cluster);
    if (actor.role !== 'admin') return commandFailed('Only an admin can create users');
    const { username, role } = targetUser(args);
    const password = newPassword(ctx, args);
    const { cluster, reachableHsms } = connection;
    if (cluster.users.some((u) => u.username === username)) return commandFailed(`User ${username} already exists`);
    // Replication is best effort: the user lands on the HSMs that are ACTIVE now.
    cluster.users.push({ username, role, password, hsmIds: activeHsmIds(reachableHsms), failedLogins: 0, locked: false });
    ctx.noteClusterChanged(cluster.clusterId);
    return commandSucceeded({ username, role });
}

function changePassword(ctx: ToolContext, args: ParsedArgs): CliResult {
    const connection = connect(ctx, args.values.get('--cluster-id'));
    const actor = login(ctx, connection);
    refuseInLimitedWriteMode(connection.cluster);
    const { username, role } = targetUser(args);
    const isSelf = actor.username === username && actor.role === role;
    if (actor.role !== 'admin' && !isSelf) return commandFailed('A crypto user can only change its own password');
    const target = findUser(connection, username, role);
    const password = newPassword(ctx, args);
    const session = kmsSessionOf(ctx, connection.cluster, target);
    if (session) {
        return commandFailed(`Cannot change the password of user ${username}: the user is logged in to the cluster (${session})`);
    }
    target.password = password;
    // An admin resetting the password is how a locked-out user gets unlocked.
    target.failedLogins = 0;
    target.locked = false;
    ctx.noteClusterChanged(connection.cluster.clusterId);
    return commandSucceeded({ username, role });
}

function deleteUser(ctx: ToolContext, args: ParsedArgs): CliResult {
    const connection = connect(ctx, args.values.get('--cluster-id'));
    const actor = login(ctx, connection);
    refuseInLimitedWriteMode(connection.cluster);
    if (actor.role !== 'admin') return commandFailed('Only an admin can delete users');
    const { username, role } = targetUser(args);
    if (actor.username === username && actor.role === role) return commandFailed('You cannot delete the user you are logged in as');
    const target = findUser(connection, username, role);
    connection.cluster.users.splice(connection.cluster.users.indexOf(target), 1);
    ctx.noteClusterChanged(connection.cluster.clusterId);
    return commandSucceeded({ username, role });
}

/**
 * `key list` ("Filter keys using CloudHSM CLI"): a crypto user sees the keys it owns or that are shared with it
 * (an AES key has no public half), optionally filtered by `attr.label=<label>`; `--verbose` adds the key's
 * owners, coverage and attributes.
 */
function listKeys(ctx: ToolContext, args: ParsedArgs): CliResult {
    const connection = connect(ctx, args.values.get('--cluster-id'));
    const actor = login(ctx, connection);
    if (actor.role !== 'crypto-user') return commandFailed('key list requires a logged in crypto user (CU)');
    const filter = args.values.get('--filter');
    const label = filter === undefined ? undefined : /^attr\.label=(.*)$/.exec(filter)?.[1];
    if (filter !== undefined && label === undefined) throw new UsageError(`error: invalid value '${filter}' for '--filter <FILTER>': expected attr.<attribute>=<value>`);
    const hsmIds = activeHsmIds(connection.reachableHsms);
    const owned = (connection.cluster.keys ?? []).filter((k) => k.owner === actor.username && k.hsmIds.some((id) => hsmIds.includes(id)));
    const matched = owned.filter((k) => label === undefined || k.label === label);
    const verbose = args.flags.has('--verbose');
    const coverage = (ids: string[]) => (hsmIds.every((id) => ids.includes(id)) ? 'full' : 'partial');
    return commandSucceeded({
        matched_keys: matched.map((k) => ({
            'key-reference': k.keyReference,
            ...(verbose
                ? {
                      'key-info': {
                          'key-owners': [{ username: k.owner, 'key-coverage': coverage(k.hsmIds) }],
                          'shared-users': [],
                          'cluster-coverage': coverage(k.hsmIds),
                      },
                      attributes: { 'key-type': k.keyType, label: k.label, class: k.keyClass, encrypt: true, decrypt: true, token: true, extractable: false, sensitive: true },
                  }
                : { attributes: { label: k.label } }),
        })),
        total_key_count: owned.length,
        returned_key_count: matched.length,
    });
}

function targetUser(args: ParsedArgs): { username: string; role: (typeof roles)[number] } {
    const username = args.values.get('--username');
    const role = args.values.get('--role');
    if (username === undefined) throw new UsageError("error: the following required arguments were not provided:\n  --username <USERNAME>");
    if (role === undefined) throw new UsageError("error: the following required arguments were not provided:\n  --role <ROLE>");
    if (!(roles as readonly string[]).includes(role)) {
        throw new UsageError(`error: invalid value '${role}' for '--role <ROLE>'\n  [possible values: crypto-user, admin]`);
    }
    if (!usernamePattern.test(username)) {
        throw new HsmConnectionError(`Invalid username '${username}': at most 31 characters, letters, digits and underscore only`);
    }
    return { username: username.toLowerCase(), role: role as (typeof roles)[number] };
}

function findUser(connection: HsmConnection, username: string, role: string): HsmUser {
    const user = connection.cluster.users.find((u) => u.username === username && u.role === role);
    if (!user) throw new HsmConnectionError(`User ${username} with role ${role} not found`);
    return user;
}

/**
 * KMS keeps kmsuser logged in on the cluster of a CloudHSM key store while it connects, is connected, and
 * until it has disconnected; the CLI refuses to change the password of a user who is logged in.
 */
function kmsSessionOf(ctx: ToolContext, cluster: Cluster, user: HsmUser): string | undefined {
    if (user.username !== kmsUserName || user.role !== 'crypto-user') return undefined;
    for (const store of ctx.state.keyStores.values()) {
        if (store.type !== 'AWS_CLOUDHSM' || store.clusterId !== cluster.clusterId) continue;
        if (['CONNECTING', 'CONNECTED', 'DISCONNECTING'].includes(store.connectionState)) {
            return `AWS KMS custom key store ${store.customKeyStoreId} is ${store.connectionState}`;
        }
    }
    return undefined;
}

/**
 * The new password from `--password`, or else as typed at the two prompts on the terminal. Without a
 * controlling terminal the prompt cannot be shown and the command fails (what was piped to stdin is not read).
 */
function newPassword(ctx: ToolContext, args: ParsedArgs): string {
    let password = args.values.get('--password');
    if (password === undefined) {
        const terminal = ctx.request.terminal;
        if (!terminal) throw new HsmConnectionError('No password given: pass --password or enter it at the prompt');
        if ('error' in terminal) throw new HsmConnectionError(`Failed to read the password from the terminal: ${terminal.error}`);
        const [entered, confirmed] = terminal.typed;
        if (!entered) throw new HsmConnectionError('No password given: pass --password or enter it at the prompt');
        if (confirmed !== entered) throw new HsmConnectionError('Passwords do not match');
        password = entered;
    }
    if (password.length < passwordMinLength || password.length > passwordMaxLength) {
        throw new HsmConnectionError(`Invalid password: must be ${passwordMinLength} to ${passwordMaxLength} characters long`);
    }
    return password;
}

/** The `admin` that an initialized cluster starts with, in the `unactivated-admin` role until activation. */
function builtInAdmin(cluster: Cluster, hsmIds: string[]): HsmUser {
    let admin = cluster.users.find((u) => u.username === 'admin');
    if (!admin) {
        admin = { username: 'admin', role: 'unactivated-admin', hsmIds: [...hsmIds], failedLogins: 0, locked: false };
        cluster.users.push(admin);
    }
    return admin;
}

function activeHsmIds(hsms: Hsm[]): string[] {
    return hsms.filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId);
}

function union(a: string[], b: string[]): string[] {
    return [...new Set([...a, ...b])];
}

function commandSucceeded(data: unknown): CliResult {
    return succeeded(`${JSON.stringify({ error_code: 0, data }, null, 2)}\n`);
}

function commandFailed(message: string): CliResult {
    return { stdout: `${JSON.stringify({ error_code: 1, data: message }, null, 2)}\n`, stderr: '', exitCode: 1 };
}
