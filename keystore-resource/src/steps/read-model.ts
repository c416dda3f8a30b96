/** The model as KMS tells it, with the kmsuser secret's ARN and password version. */
import { KeyStoreModel } from '../resource-model';
import { modelFromKeyStore, PASSWORD_VERSION_TAG } from '../translate';
import { KeyStoreScope } from '../workflows/scope';

export async function readModel(scope: KeyStoreScope): Promise<KeyStoreModel> {
    const store = await scope.keyStore();
    const secret = await scope.kmsUserSecret();
    return modelFromKeyStore(store, { arn: secret?.ARN, passwordVersion: await passwordVersion(scope) });
}

/** The KmsUserPasswordVersion whose password KMS was last told, from the kmsuser secret's tag. */
export async function passwordVersion(scope: KeyStoreScope): Promise<number | undefined> {
    const version = (await scope.kmsUserSecret())?.Tags?.find((t) => t.Key === PASSWORD_VERSION_TAG)?.Value;
    return version ? Number(version) : undefined;
}
