/** The model as KMS tells it, with the kmsuser secret's ARN and password version. */
import type { DescribeSecretResponse } from '@aws-sdk/client-secrets-manager';
import { KeyStoreModel } from '../resource-model';
import { modelFromKeyStore, PASSWORD_VERSION_TAG } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

/** An imported store the type has not rotated has no kmsuser secret: no KmsUserSecretArn, no KmsUserPasswordVersion. */
export async function readModel(scope: KeyStoreScope): Promise<KeyStoreModel> {
    const store = await scope.keyStore();
    const secret = await scope.kmsUserSecret();
    return modelFromKeyStore(store, { arn: secret?.ARN, passwordVersion: secret && passwordVersionOf(secret) });
}

/**
 * The KmsUserPasswordVersion whose password KMS was last told, from the kmsuser secret's tag; none on the
 * secret of an imported store whose first rotation has not reached KMS.
 */
export function passwordVersionOf(secret: DescribeSecretResponse): number | undefined {
    const version = secret.Tags?.find((t) => t.Key === PASSWORD_VERSION_TAG)?.Value;
    return version ? Number(version) : undefined;
}
