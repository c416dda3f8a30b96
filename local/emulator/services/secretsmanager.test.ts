import {
    CreateSecretCommand,
    DeleteSecretCommand,
    DescribeSecretCommand,
    GetRandomPasswordCommand,
    GetSecretValueCommand,
    ListSecretsCommand,
    ListSecretsCommandInput,
    PutSecretValueCommand,
    RestoreSecretCommand,
    SecretsManagerClient,
    TagResourceCommand,
    UntagResourceCommand,
    UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'crypto';
import { SharedClock } from '../../clock';
import { Emulator } from '../server';
import { secretsManagerService } from './secretsmanager';
import { clientSettings, errorOf } from './test-client';

const DAY_SECONDS = 86_400;

let clock: SharedClock;
let emulator: Emulator;
let client: SecretsManagerClient;

beforeEach(async () => {
    clock = new SharedClock();
    emulator = new Emulator({ clock, services: [secretsManagerService] });
    await emulator.start();
    client = new SecretsManagerClient(clientSettings(emulator));
});

afterEach(async () => {
    client.destroy();
    await emulator.stop();
});

/** Any request lets the emulator run what the advanced clock has made due. */
async function advanceDays(days: number): Promise<void> {
    clock.advance(days * DAY_SECONDS);
    await client.send(new ListSecretsCommand({}));
}

describe('CreateSecret and GetSecretValue', () => {
    it('creates a secret whose value is readable by name, full ARN and partial ARN', async () => {
        const token = randomUUID();
        const created = await client.send(
            new CreateSecretCommand({ Name: 'cluster/admin', SecretString: 'p4ssw0rd!', ClientRequestToken: token }),
        );
        expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:cluster\/admin-[A-Za-z0-9]{6}$/);
        expect(created.VersionId).toBe(token);
        for (const secretId of ['cluster/admin', created.ARN!, created.ARN!.slice(0, -7)]) {
            const value = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
            expect(value.SecretString).toBe('p4ssw0rd!');
            expect(value.VersionStages).toEqual(['AWSCURRENT']);
            expect(value.CreatedDate).toBeInstanceOf(Date);
        }
    });

    it('answers a retry with the same token and value as the first call, without a second version', async () => {
        const token = randomUUID();
        const first = await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token }));
        const retry = await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token }));
        expect(retry).toMatchObject({ ARN: first.ARN, Name: 's', VersionId: token });
        expect(emulator.state.secrets.get('s')!.versions).toHaveLength(1);
    });

    it('refuses a name in use with another token, or with the same token and another value', async () => {
        const token = randomUUID();
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: token }));
        const otherToken = await errorOf(
            client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v', ClientRequestToken: randomUUID() })),
        );
        expect(otherToken.name).toBe('ResourceExistsException');
        expect(otherToken.message).toBe('The operation failed because the secret s already exists.');
        const otherValue = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'w', ClientRequestToken: token })));
        expect(otherValue.name).toBe('ResourceExistsException');
        expect(emulator.state.secrets.get('s')!.versions[0].secretString).toBe('v');
    });

    it('refuses a second create without a token, because the SDK makes a new token for every call', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        const again = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' })));
        expect(again.name).toBe('ResourceExistsException');
    });

    it('keeps KmsKeyId, Description and Tags, and rejects an empty KmsKeyId', async () => {
        await client.send(
            new CreateSecretCommand({
                Name: 's',
                SecretString: 'v',
                KmsKeyId: 'alias/hsm-secrets',
                Description: 'admin password',
                Tags: [{ Key: 'stack', Value: 'one' }],
            }),
        );
        const described = await client.send(new DescribeSecretCommand({ SecretId: 's' }));
        expect(described).toMatchObject({ KmsKeyId: 'alias/hsm-secrets', Description: 'admin password', Tags: [{ Key: 'stack', Value: 'one' }] });
        expect(described.DeletedDate).toBeUndefined();
        const empty = await errorOf(client.send(new CreateSecretCommand({ Name: 't', SecretString: 'v', KmsKeyId: '' })));
        expect(empty.name).toBe('InvalidParameterException');
    });

    it('says so when the secret does not exist', async () => {
        const missing = await errorOf(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));
        expect(missing.name).toBe('ResourceNotFoundException');
        expect(missing.message).toBe("Secrets Manager can't find the specified secret.");
        const byArn = await errorOf(
            client.send(new DescribeSecretCommand({ SecretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf' })),
        );
        expect(byArn.name).toBe('ResourceNotFoundException');
    });

    it('answers a secret created without a value with ResourceNotFoundException for its value', async () => {
        const created = await client.send(new CreateSecretCommand({ Name: 'empty' }));
        expect(created.VersionId).toBeUndefined();
        const error = await errorOf(client.send(new GetSecretValueCommand({ SecretId: 'empty' })));
        expect(error.name).toBe('ResourceNotFoundException');
        expect(error.message).toContain('AWSCURRENT');
    });

    it('never puts a secret value into what the emulator records', async () => {
        const token = randomUUID();
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'hunter2-very-secret', ClientRequestToken: token }));
        await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'other-very-secret', ClientRequestToken: token })));
        expect(JSON.stringify(emulator.calls)).not.toMatch(/very-secret/);
    });
});

describe('PutSecretValue', () => {
    it('moves AWSCURRENT to the new version and AWSPREVIOUS to the one before', async () => {
        const [v1, v2, v3] = [randomUUID(), randomUUID(), randomUUID()];
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: v1 }));
        const put2 = await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: v2 }));
        expect(put2).toMatchObject({ VersionId: v2, VersionStages: ['AWSCURRENT'] });
        expect((await client.send(new DescribeSecretCommand({ SecretId: 's' }))).VersionIdsToStages).toEqual({
            [v1]: ['AWSPREVIOUS'],
            [v2]: ['AWSCURRENT'],
        });
        await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'three', ClientRequestToken: v3 }));
        expect((await client.send(new DescribeSecretCommand({ SecretId: 's' }))).VersionIdsToStages).toEqual({
            [v2]: ['AWSPREVIOUS'],
            [v3]: ['AWSCURRENT'],
        });
        expect((await client.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('three');
        expect((await client.send(new GetSecretValueCommand({ SecretId: 's', VersionStage: 'AWSPREVIOUS' }))).SecretString).toBe('two');
        expect((await client.send(new GetSecretValueCommand({ SecretId: 's', VersionId: v1 }))).SecretString).toBe('one');
    });

    it('treats a retry with the same token and value as done, and refuses the same token with another value', async () => {
        const [v1, v2] = [randomUUID(), randomUUID()];
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'one', ClientRequestToken: v1 }));
        await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: v2 }));
        const retry = await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two', ClientRequestToken: v2 }));
        expect(retry).toMatchObject({ VersionId: v2, VersionStages: ['AWSCURRENT'] });
        const stages = (await client.send(new DescribeSecretCommand({ SecretId: 's' }))).VersionIdsToStages;
        expect(stages).toEqual({ [v1]: ['AWSPREVIOUS'], [v2]: ['AWSCURRENT'] });
        const changed = await errorOf(client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'TWO', ClientRequestToken: v2 })));
        expect(changed.name).toBe('ResourceExistsException');
        expect((await client.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('two');
    });

    it('refuses a new value on a secret marked for deletion', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'one' }));
        await client.send(new DeleteSecretCommand({ SecretId: 's' }));
        const error = await errorOf(client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'two' })));
        expect(error.name).toBe('InvalidRequestException');
    });

    it('stops at 100 versions until unlabeled ones are a day old', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v0' }));
        for (let i = 1; i < 100; i++) await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: `v${i}` }));
        const full = await errorOf(client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v100' })));
        expect(full.name).toBe('LimitExceededException');
        clock.advance(DAY_SECONDS);
        await client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'v100' }));
        const secret = emulator.state.secrets.get('s')!;
        expect(secret.versions).toHaveLength(100);
        expect(secret.versions.some((v) => v.secretString === 'v0')).toBe(false);
    });
});

describe('UpdateSecretVersionStage', () => {
    const failure = (call: Promise<unknown>) => call.then(() => new Error('no error'), (err: Error) => err);

    test('a pending version is promoted: AWSCURRENT moves only when its holder is named, AWSPREVIOUS follows', async () => {
        const { ARN } = await client.send(new CreateSecretCommand({ Name: 'rotated', SecretString: 'one', ClientRequestToken: 'a'.repeat(32) }));
        await client.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: 'two', ClientRequestToken: 'b'.repeat(32), VersionStages: ['AWSPENDING'] }));
        expect((await client.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString).toBe('one');
        expect((await client.send(new GetSecretValueCommand({ SecretId: ARN, VersionStage: 'AWSPENDING' }))).SecretString).toBe('two');

        const unnamed = await failure(client.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'b'.repeat(32) })));
        expect(unnamed.name).toBe('InvalidParameterException');
        expect(unnamed.message).toContain(`Staging label AWSCURRENT is currently attached to version ${'a'.repeat(32)}`);
        const wrongHolder = await failure(
            client.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'b'.repeat(32), RemoveFromVersionId: 'b'.repeat(32) })),
        );
        expect(wrongHolder.name).toBe('InvalidParameterException');
        const unknown = await failure(
            client.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'c'.repeat(32), RemoveFromVersionId: 'a'.repeat(32) })),
        );
        expect(unknown.name).toBe('ResourceNotFoundException');
        const dropCurrent = await failure(client.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSCURRENT', RemoveFromVersionId: 'a'.repeat(32) })));
        expect(dropCurrent.name).toBe('InvalidParameterException');

        const moved = await client.send(
            new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'b'.repeat(32), RemoveFromVersionId: 'a'.repeat(32) }),
        );
        expect(moved).toMatchObject({ ARN, Name: 'rotated' });
        expect((await client.send(new GetSecretValueCommand({ SecretId: ARN }))).SecretString).toBe('two');
        expect((await client.send(new DescribeSecretCommand({ SecretId: ARN }))).VersionIdsToStages).toEqual({
            ['a'.repeat(32)]: ['AWSPREVIOUS'],
            ['b'.repeat(32)]: ['AWSPENDING', 'AWSCURRENT'],
        });
        // Sent again, the move has nothing left to do and its holder check now fails: the caller must look first.
        const again = await failure(
            client.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSCURRENT', MoveToVersionId: 'b'.repeat(32), RemoveFromVersionId: 'a'.repeat(32) })),
        );
        expect(again.name).toBe('InvalidParameterException');

        await client.send(new UpdateSecretVersionStageCommand({ SecretId: ARN, VersionStage: 'AWSPENDING', RemoveFromVersionId: 'b'.repeat(32) }));
        expect((await client.send(new DescribeSecretCommand({ SecretId: ARN }))).VersionIdsToStages!['b'.repeat(32)]).toEqual(['AWSCURRENT']);
    });
});

describe('DeleteSecret and RestoreSecret', () => {
    it('schedules deletion 30 days out by default, during which the name is neither readable nor reusable', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        const nowSeconds = clock.now() / 1000;
        const deleted = await client.send(new DeleteSecretCommand({ SecretId: 's' }));
        expect(deleted.DeletionDate!.getTime() / 1000).toBeCloseTo(nowSeconds + 30 * DAY_SECONDS, -1);

        const read = await errorOf(client.send(new GetSecretValueCommand({ SecretId: 's' })));
        expect(read.name).toBe('InvalidRequestException');
        const recreate = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' })));
        expect(recreate.name).toBe('InvalidRequestException');
        expect(recreate.message).toBe("You can't create this secret because a secret with this name is already scheduled for deletion.");
        const described = await client.send(new DescribeSecretCommand({ SecretId: 's' }));
        expect(described.DeletedDate).toBeInstanceOf(Date);
        const again = await errorOf(client.send(new DeleteSecretCommand({ SecretId: 's' })));
        expect(again.name).toBe('InvalidRequestException');
    });

    it('purges the secret when the recovery window ends, and not a day sooner', async () => {
        const first = await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        await client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 7 }));
        await advanceDays(6);
        expect((await client.send(new DescribeSecretCommand({ SecretId: 's' }))).DeletedDate).toBeDefined();
        await advanceDays(1);
        const gone = await errorOf(client.send(new DescribeSecretCommand({ SecretId: 's' })));
        expect(gone.name).toBe('ResourceNotFoundException');
        const second = await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        expect(second.ARN).not.toBe(first.ARN);
    });

    it('restores a scheduled secret so that the earlier purge no longer applies', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        await client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 7 }));
        await client.send(new RestoreSecretCommand({ SecretId: 's' }));
        await advanceDays(8);
        expect((await client.send(new GetSecretValueCommand({ SecretId: 's' }))).SecretString).toBe('v');
        expect((await client.send(new DescribeSecretCommand({ SecretId: 's' }))).DeletedDate).toBeUndefined();
    });

    it('removes at once with ForceDeleteWithoutRecovery, also a secret already scheduled', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        await client.send(new DeleteSecretCommand({ SecretId: 's', ForceDeleteWithoutRecovery: true }));
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'w' }));
        await client.send(new DeleteSecretCommand({ SecretId: 's' }));
        await client.send(new DeleteSecretCommand({ SecretId: 's', ForceDeleteWithoutRecovery: true }));
        expect(emulator.state.secrets.has('s')).toBe(false);
    });

    it('validates the recovery window and refuses it together with a forced delete', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        for (const days of [6, 31]) {
            const error = await errorOf(client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: days })));
            expect(error.name).toBe('InvalidParameterException');
        }
        const both = await errorOf(
            client.send(new DeleteSecretCommand({ SecretId: 's', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })),
        );
        expect(both.name).toBe('InvalidParameterException');
        expect(emulator.state.secrets.get('s')!.deletedDate).toBeUndefined();
    });
});

describe('tags and ListSecrets', () => {
    it('merges and removes tags', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v', Tags: [{ Key: 'a', Value: '1' }] }));
        await client.send(new TagResourceCommand({ SecretId: 's', Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }));
        expect((await client.send(new DescribeSecretCommand({ SecretId: 's' }))).Tags).toEqual([
            { Key: 'a', Value: '2' },
            { Key: 'b', Value: '3' },
        ]);
        await client.send(new UntagResourceCommand({ SecretId: 's', TagKeys: ['a'] }));
        expect((await client.send(new DescribeSecretCommand({ SecretId: 's' }))).Tags).toEqual([{ Key: 'b', Value: '3' }]);
        const reserved = await errorOf(client.send(new TagResourceCommand({ SecretId: 's', Tags: [{ Key: 'aws:x', Value: '1' }] })));
        expect(reserved.name).toBe('InvalidParameterException');
    });

    it('filters by name prefix and tag, and hides planned deletions unless asked', async () => {
        await client.send(new CreateSecretCommand({ Name: 'hsm/one', SecretString: 'v', Tags: [{ Key: 'owner', Value: 'stack-1' }] }));
        await client.send(new CreateSecretCommand({ Name: 'hsm/two', SecretString: 'v' }));
        await client.send(new CreateSecretCommand({ Name: 'other', SecretString: 'v' }));
        await client.send(new DeleteSecretCommand({ SecretId: 'hsm/two' }));

        const names = async (input: ListSecretsCommandInput) =>
            ((await client.send(new ListSecretsCommand(input))).SecretList ?? []).map((s) => s.Name);
        expect(await names({ Filters: [{ Key: 'name', Values: ['hsm/'] }] })).toEqual(['hsm/one']);
        expect(await names({ Filters: [{ Key: 'name', Values: ['hsm/'] }], IncludePlannedDeletion: true })).toEqual(['hsm/one', 'hsm/two']);
        expect(await names({ Filters: [{ Key: 'tag-key', Values: ['owner'] }, { Key: 'tag-value', Values: ['stack-'] }] })).toEqual(['hsm/one']);
        expect(await names({ Filters: [{ Key: 'name', Values: ['!hsm/'] }] })).toEqual(['other']);
    });

    it('pages with MaxResults and NextToken', async () => {
        for (let i = 0; i < 5; i++) await client.send(new CreateSecretCommand({ Name: `s${i}`, SecretString: 'v' }));
        const seen: string[] = [];
        let nextToken: string | undefined;
        let pages = 0;
        do {
            const page = await client.send(new ListSecretsCommand({ MaxResults: 2, NextToken: nextToken }));
            expect(page.SecretList!.length).toBeLessThanOrEqual(2);
            seen.push(...page.SecretList!.map((s) => s.Name!));
            nextToken = page.NextToken;
            pages++;
        } while (nextToken);
        expect(pages).toBe(3);
        expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4']);
        const bad = await errorOf(client.send(new ListSecretsCommand({ NextToken: 'garbage!' })));
        expect(bad.name).toBe('InvalidNextTokenException');
    });
});

describe('GetRandomPassword', () => {
    it('gives 32 characters with every type by default', async () => {
        for (let i = 0; i < 20; i++) {
            const { RandomPassword } = await client.send(new GetRandomPasswordCommand({}));
            expect(RandomPassword).toHaveLength(32);
            expect(RandomPassword).toMatch(/[a-z]/);
            expect(RandomPassword).toMatch(/[A-Z]/);
            expect(RandomPassword).toMatch(/[0-9]/);
            expect(RandomPassword).toMatch(/[^A-Za-z0-9]/);
            expect(RandomPassword).not.toMatch(/ /);
        }
    });

    it('honours the exclusions and IncludeSpace', async () => {
        const { RandomPassword: alnum } = await client.send(
            new GetRandomPasswordCommand({ PasswordLength: 200, ExcludePunctuation: true, ExcludeCharacters: 'aA0' }),
        );
        expect(alnum).toMatch(/^[B-Zb-z1-9]{200}$/);
        const { RandomPassword: digits } = await client.send(
            new GetRandomPasswordCommand({ PasswordLength: 1, ExcludePunctuation: true, ExcludeUppercase: true, ExcludeLowercase: true }),
        );
        expect(digits).toMatch(/^[0-9]$/);
        const { RandomPassword: spaced } = await client.send(
            new GetRandomPasswordCommand({ PasswordLength: 4096, IncludeSpace: true, RequireEachIncludedType: false }),
        );
        expect(spaced).toHaveLength(4096);
        expect(spaced).toContain(' ');
    });

    it('refuses lengths outside 1–4096 and lengths too short for the required types', async () => {
        for (const PasswordLength of [0, 4097]) {
            const error = await errorOf(client.send(new GetRandomPasswordCommand({ PasswordLength })));
            expect(error.name).toBe('InvalidParameterException');
        }
        const short = await errorOf(client.send(new GetRandomPasswordCommand({ PasswordLength: 3 })));
        expect(short.message).toBe('Password length is too short based on the required types.');
        const { RandomPassword } = await client.send(new GetRandomPasswordCommand({ PasswordLength: 3, RequireEachIncludedType: false }));
        expect(RandomPassword).toHaveLength(3);
    });
});

describe('API model constraints (rows in local/emulator/FIDELITY.md)', () => {
    it('refuses a name with a character the CreateSecret reference does not list', async () => {
        const error = await errorOf(client.send(new CreateSecretCommand({ Name: 'hsm!admin', SecretString: 'v' })));
        expect(error.name).toBe('InvalidParameterException');
        expect(emulator.state.secrets.size).toBe(0);
    });

    it('refuses an empty or oversized value and an oversized description with ValidationException, naming no value', async () => {
        const empty = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: '' })));
        expect(empty.name).toBe('ValidationException');
        expect(empty.message).toBe("1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1");
        const tooLong = 'x'.repeat(65_537);
        const oversized = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: tooLong })));
        expect(oversized.name).toBe('ValidationException');
        expect(oversized.message).not.toContain(tooLong);
        const binary = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretBinary: new Uint8Array(65_537) })));
        expect(binary.name).toBe('ValidationException');
        const description = await errorOf(client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v', Description: 'd'.repeat(2049) })));
        expect(description.name).toBe('ValidationException');
        expect(emulator.state.secrets.size).toBe(0);
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'x'.repeat(65_536), Description: 'd'.repeat(2048) }));
        await client.send(new PutSecretValueCommand({ SecretId: 's', SecretBinary: new Uint8Array(65_536) }));
    });

    it('refuses more than 10 ListSecrets filters, and a filter with no or more than 10 values', async () => {
        const filter = { Key: 'name' as const, Values: ['a'] };
        const many = await errorOf(client.send(new ListSecretsCommand({ Filters: Array(11).fill(filter) })));
        expect(many.name).toBe('ValidationException');
        const noValues = await errorOf(client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [] }] })));
        expect(noValues.name).toBe('ValidationException');
        const manyValues = await errorOf(client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: Array(11).fill('a') }] })));
        expect(manyValues.name).toBe('ValidationException');
        await client.send(new ListSecretsCommand({ Filters: Array(10).fill({ Key: 'name', Values: Array(10).fill('a') }) }));
    });

    it('refuses out-of-model SecretId, KmsKeyId, VersionId, VersionStage and VersionStages lengths', async () => {
        await client.send(new CreateSecretCommand({ Name: 's', SecretString: 'v' }));
        const refusals = [
            client.send(new DescribeSecretCommand({ SecretId: 'x'.repeat(2049) })),
            client.send(new CreateSecretCommand({ Name: 't', SecretString: 'v', KmsKeyId: 'k'.repeat(2049) })),
            client.send(new GetSecretValueCommand({ SecretId: 's', VersionId: 'short' })),
            client.send(new GetSecretValueCommand({ SecretId: 's', VersionStage: 'l'.repeat(257) })),
            client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'w', VersionStages: [] })),
            client.send(new PutSecretValueCommand({ SecretId: 's', SecretString: 'w', VersionStages: Array.from({ length: 21 }, (_, i) => `L${i}`) })),
        ];
        for (const refusal of refusals) expect((await errorOf(refusal)).name).toBe('ValidationException');
        expect(emulator.state.secrets.get('s')!.versions).toHaveLength(1);
        expect(emulator.state.secrets.has('t')).toBe(false);
    });
});
