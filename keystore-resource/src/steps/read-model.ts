/** The model as KMS tells it, with the kmsuser secret's ARN and password version. */
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../../../shared/aws/error-table';
import { KeyStoreModel } from '../models';
import { kmsUserSecretName, modelFromKeyStore, PASSWORD_VERSION_TAG } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

export async function readModel(scope: KeyStoreScope): Promise<KeyStoreModel> {
    const store = await scope.keyStore();
    return modelFromKeyStore(store, await kmsUserSecret(scope));
}

async function kmsUserSecret(scope: KeyStoreScope): Promise<{ arn?: string; passwordVersion?: number }> {
    try {
        const secret = await scope.secrets.send(new DescribeSecretCommand({ SecretId: kmsUserSecretName(scope.keyStoreId) }));
        if (secret.DeletedDate) return {};
        const version = secret.Tags?.find((t) => t.Key === PASSWORD_VERSION_TAG)?.Value;
        return { arn: secret.ARN, passwordVersion: version ? Number(version) : undefined };
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException')) return {};
        throw err;
    }
}
