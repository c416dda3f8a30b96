/** The model as KMS tells it: DescribeKey, the key policy and the declared tags. */
import { GetKeyPolicyCommand, ListResourceTagsCommand, Tag } from '@aws-sdk/client-kms';
import { KmsKeyModel } from '../resource-model';
import { modelFromKey } from '../translate';
import { KmsKeyScope } from '../workflows/scope';

export async function readModel(scope: KmsKeyScope): Promise<KmsKeyModel> {
    const metadata = await scope.key();
    const policy = (await scope.kms.send(new GetKeyPolicyCommand({ KeyId: scope.keyId, PolicyName: 'default' }))).Policy;
    const tags: Tag[] = [];
    let marker: string | undefined;
    do {
        const page = await scope.kms.send(new ListResourceTagsCommand({ KeyId: scope.keyId, Marker: marker }));
        tags.push(...(page.Tags ?? []));
        marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return modelFromKey(metadata, { policy, tags });
}
