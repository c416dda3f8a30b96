/**
 * The execution role templates each type ships (<type>-resource/execution-role.yaml), in place of the role
 * `cfn generate` writes (every handler permission on Resource "*"): they allow exactly the schema's
 * handlers.*.permissions, "*" only for actions that support no resource-level permissions, the sensitive
 * actions only on what the handlers touch, and CloudFormation may assume them only for this type.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { secretNames } from '../cluster-resource/src/translate';
import { createRequestRecordName, kmsUserSecretName } from '../keystore-resource/src/translate';

type Json = any;

const root = join(__dirname, '..');
const PSEUDO = { 'AWS::Partition': 'aws', 'AWS::Region': 'eu-west-1', 'AWS::AccountId': '123456789012' } as Record<string, string>;

/**
 * Actions whose Service Authorization Reference entry lists no resource type: they can only be granted on
 * "*". Any other action on "*" fails the test.
 */
const NO_RESOURCE_TYPE = new Set([
    'cloudhsm:CreateCluster', // only an optional backup; a new cluster has no ARN yet
    'cloudhsm:DeleteHsm',
    'cloudhsm:DescribeBackups',
    'cloudhsm:DescribeClusters',
    'ec2:DescribeInstances',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcEndpointServices',
    'kms:ConnectCustomKeyStore',
    'kms:CreateKey',
    'kms:CreateCustomKeyStore',
    'kms:DeleteCustomKeyStore',
    'kms:DescribeCustomKeyStores',
    'kms:DisconnectCustomKeyStore',
    'kms:ListKeys',
    'kms:UpdateCustomKeyStore',
    'ssm:DescribeInstanceInformation',
    'ssm:GetCommandInvocation',
    'ssm:ListCommandInvocations',
]);

/** Each can read a secret, run code as root, or create a role: never on "*" without a condition. */
const SENSITIVE = [
    'secretsmanager:GetSecretValue',
    'secretsmanager:PutSecretValue',
    'secretsmanager:CreateSecret',
    'secretsmanager:DeleteSecret',
    'ssm:SendCommand',
    'kms:Decrypt',
    'kms:GenerateDataKey',
    'iam:CreateServiceLinkedRole',
];

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Fn::Sub and Ref with the pseudo parameters and the template's parameter defaults. */
function resolve(value: Json, parameters: Record<string, string>): Json {
    const known = { ...PSEUDO, ...parameters };
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map((v) => resolve(v, parameters));
    if (value && typeof value === 'object') {
        if ('Fn::Sub' in value) {
            return (value['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
                if (!(name in known)) throw new Error(`Fn::Sub of unknown ${name}`);
                return known[name];
            });
        }
        if ('Ref' in value) {
            if (!(value.Ref in known)) throw new Error(`Ref to unknown ${value.Ref}`);
            return known[value.Ref];
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, parameters)]));
    }
    return value;
}

/** IAM's Resource matching: `*` any run of characters, `?` one. */
const arnPattern = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

/** A secret's ARN: its name, a hyphen and six random characters. */
const secretArn = (name: string) => `arn:aws:secretsmanager:${PSEUDO['AWS::Region']}:${PSEUDO['AWS::AccountId']}:secret:${name}-AbC123`;

interface Statement {
    Sid: string;
    Effect: string;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string>>;
}

function load(typeDir: string) {
    const schema = JSON.parse(readFileSync(join(root, typeDir, 'schema.json'), 'utf8'));
    const template = parse(readFileSync(join(root, typeDir, 'execution-role.yaml'), 'utf8'));
    const parameters = Object.fromEntries(Object.entries(template.Parameters ?? {}).map(([name, p]) => [name, String((p as Json).Default)]));
    const role = template.Resources.ExecutionRole;
    const statements: Statement[] = list(role.Properties.Policies).flatMap((policy: Json) =>
        list(policy.PolicyDocument.Statement).map((s: Json) => ({ ...resolve(s, parameters), Action: list(s.Action), Resource: list(resolve(s.Resource, parameters)) })),
    );
    const permissions = new Set<string>(Object.values(schema.handlers as Record<string, { permissions?: string[] }>).flatMap((h) => h.permissions ?? []));
    return { schema, template, parameters, role, statements, permissions };
}

/** Every Allow statement that grants `action` and whose Resource matches `arn`. */
const grants = (statements: Statement[], action: string, arn: string) =>
    statements.filter((s) => s.Effect === 'Allow' && s.Action.includes(action) && s.Resource.some((r) => arnPattern(r).test(arn)));

describe.each([
    { typeDir: 'cluster-resource', resource: 'Cluster' },
    { typeDir: 'keystore-resource', resource: 'KeyStore' },
    { typeDir: 'kmskey-resource', resource: 'KmsKey' },
])('$typeDir/execution-role.yaml', ({ typeDir }) => {
    const { schema, template, role, statements, permissions } = load(typeDir);

    test('allows exactly the union of handlers.*.permissions, no more, no fewer', () => {
        const allowed = new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action));
        expect([...allowed].sort()).toEqual([...permissions].sort());
        expect(statements.filter((s) => 'NotAction' in s || 'NotResource' in s)).toEqual([]);
    });

    test('grants "*" only for actions that support no resource-level permissions', () => {
        const onStar = statements.filter((s) => s.Effect === 'Allow' && s.Resource.includes('*'));
        expect(onStar.flatMap((s) => s.Action).filter((a) => !NO_RESOURCE_TYPE.has(a))).toEqual([]);
        expect(statements.flatMap((s) => s.Resource).filter((r) => r !== '*' && !r.startsWith('arn:aws:'))).toEqual([]);
    });

    test('no statement with a sensitive action has Resource "*" without a condition', () => {
        const loose = statements.filter((s) => s.Action.some((a) => SENSITIVE.includes(a)) && s.Resource.includes('*') && !s.Condition);
        expect(loose.map((s) => s.Sid)).toEqual([]);
    });

    test('every statement says why it is there (a Sid) and the role has one policy document', () => {
        expect(statements.every((s) => /^[A-Za-z0-9]+$/.test(s.Sid))).toBe(true);
        expect(new Set(statements.map((s) => s.Sid)).size).toBe(statements.length);
    });

    test('Secrets Manager actions only on the cloudhsm/ secrets', () => {
        const secretStatements = statements.filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
        expect(secretStatements.every((s) => s.Action.every((a) => a.startsWith('secretsmanager:')))).toBe(true);
        for (const resource of secretStatements.flatMap((s) => s.Resource)) {
            expect(resource).toMatch(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:cloudhsm\/[a-z-]+[*/]/);
        }
    });

    test('kms:Decrypt and kms:GenerateDataKey only through Secrets Manager', () => {
        for (const s of statements.filter((st) => st.Action.some((a) => a === 'kms:Decrypt' || a === 'kms:GenerateDataKey'))) {
            expect(s.Condition?.StringEquals?.['kms:ViaService']).toBe('secretsmanager.eu-west-1.amazonaws.com');
        }
    });

    test("is trusted, as cfn's resource-role.yml, by CloudFormation for this type only, with its session duration", () => {
        const trust = role.Properties.AssumeRolePolicyDocument.Statement;
        const hyphenated = (schema.typeName as string).replace(/::/g, '-');
        expect(trust).toEqual([
            {
                Effect: 'Allow',
                Principal: { Service: 'resources.cloudformation.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: {
                    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                    StringLike: { 'aws:SourceArn': { 'Fn::Sub': `arn:\${AWS::Partition}:cloudformation:\${AWS::Region}:\${AWS::AccountId}:type/resource/${hyphenated}/*` } },
                },
            },
        ]);
        // cfn generate: 70 s per minute of the longest handler timeout (120 min when a handler has none), 1 h to 12 h.
        const longestMinutes = Math.max(...Object.values(schema.handlers as Record<string, { timeoutInMinutes?: number }>).map((h) => h.timeoutInMinutes ?? 120));
        expect(role.Properties.MaxSessionDuration).toBe(Math.min(43200, Math.max(3600, 70 * longestMinutes)));
        expect(template.Outputs.ExecutionRoleArn.Value).toEqual({ 'Fn::GetAtt': 'ExecutionRole.Arn' });
    });
});

/** The types that run scripts on the management instance and create a service-linked role. */
describe.each([
    { typeDir: 'cluster-resource', resource: 'Cluster' },
    { typeDir: 'keystore-resource', resource: 'KeyStore' },
])('$typeDir/execution-role.yaml, for scripts and service-linked roles', ({ typeDir }) => {
    const { template, statements } = load(typeDir);

    test('SendCommand: only the AWS-RunShellScript document, only on instances with the management tag', () => {
        const sendCommand = statements.filter((s) => s.Action.includes('ssm:SendCommand'));
        expect(sendCommand.every((s) => s.Action.length === 1)).toBe(true);
        expect(sendCommand.flatMap((s) => s.Resource).sort()).toEqual([
            'arn:aws:ec2:eu-west-1:123456789012:instance/*',
            'arn:aws:ssm:eu-west-1::document/AWS-RunShellScript',
        ]);
        const onInstances = sendCommand.find((s) => s.Resource[0].includes(':instance/'))!;
        expect(onInstances.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/cloudhsm-management': 'true' } });
        expect(template.Parameters.ManagementInstanceTagValue.Default).toBe('true');
    });

    test('iam:CreateServiceLinkedRole only for the one service-linked role the type needs', () => {
        const [slr, ...others] = statements.filter((s) => s.Action.includes('iam:CreateServiceLinkedRole'));
        expect(others).toEqual([]);
        expect(slr.Action).toEqual(['iam:CreateServiceLinkedRole']);
        const service = slr.Condition!.StringEquals['iam:AWSServiceName'];
        expect(slr.Resource).toEqual([expect.stringMatching(new RegExp(`^arn:aws:iam::123456789012:role/aws-service-role/${service.replace(/\./g, '\\.')}/AWSServiceRoleFor[A-Za-z]+$`))]);
    });
});

describe('the secrets the handlers name are the ones their roles reach', () => {
    const cluster = load('cluster-resource').statements;
    const keyStore = load('keystore-resource').statements;
    const clusterSecrets = Object.values(secretNames('cluster-abcdefghijk')).map(secretArn);
    const kmsUserSecret = secretArn(kmsUserSecretName('cks-1234567890abcdef0'));

    test('the cluster role reaches each of its secrets, and not a key store secret', () => {
        for (const action of ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret']) {
            for (const arn of clusterSecrets) expect(grants(cluster, action, arn)).not.toEqual([]);
            expect(grants(cluster, action, kmsUserSecret)).toEqual([]);
        }
        expect(grants(cluster, 'secretsmanager:GetSecretValue', secretArn('prod/database/password'))).toEqual([]);
    });

    test("the key store role reaches its kmsuser secret, only describes the cluster's admin secret, and reads no other", () => {
        for (const action of ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret']) {
            expect(grants(keyStore, action, kmsUserSecret)).not.toEqual([]);
            for (const arn of clusterSecrets) expect(grants(keyStore, action, arn)).toEqual([]);
        }
        const [admin, trustAnchor, caPrivateKey] = [secretNames('cluster-abcdefghijk').admin, secretNames('cluster-abcdefghijk').trustAnchor, secretNames('cluster-abcdefghijk').caPrivateKey].map(secretArn);
        expect(grants(keyStore, 'secretsmanager:DescribeSecret', admin)).not.toEqual([]);
        expect(grants(keyStore, 'secretsmanager:DescribeSecret', trustAnchor)).toEqual([]);
        expect(grants(keyStore, 'secretsmanager:DescribeSecret', caPrivateKey)).toEqual([]);
    });

    test("the customer key is usable only for the cluster's secrets, through Secrets Manager", () => {
        const [viaSecretsManager] = cluster.filter((s) => s.Action.includes('kms:Decrypt'));
        const secretArnCondition = viaSecretsManager.Condition!.StringLike['kms:EncryptionContext:SecretARN'];
        for (const arn of clusterSecrets) expect(arn).toMatch(arnPattern(secretArnCondition));
        expect(kmsUserSecret).not.toMatch(arnPattern(secretArnCondition));
    });

    test("the key store's customer key is usable only for its own secrets (kmsuser, create-request records), through Secrets Manager", () => {
        const [viaSecretsManager, ...others] = keyStore.filter((s) => s.Action.includes('kms:Decrypt'));
        expect(others).toEqual([]);
        const secretArnCondition = viaSecretsManager.Condition!.StringLike['kms:EncryptionContext:SecretARN'];
        expect(kmsUserSecret).toMatch(arnPattern(secretArnCondition));
        expect(secretArn(createRequestRecordName('0'.repeat(64)))).toMatch(arnPattern(secretArnCondition));
        for (const arn of clusterSecrets) expect(arn).not.toMatch(arnPattern(secretArnCondition));
    });
});
