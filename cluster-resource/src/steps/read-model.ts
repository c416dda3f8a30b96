/**
 * The model as AWS tells it: the cluster, the type's tags on it, and the type's secrets. Of a cluster the type
 * did not create, only the copies it made of the owner's secrets (recorded on the cluster) are its secrets.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { isAwsError } from '../../../shared/aws/error-table';
import { ClusterModel } from '../resource-model';
import { ADMIN_PASSWORD_VERSION_TAG, ApiCluster, madeByType, modelFromCluster, secretNames } from '../translate';
import { ClusterScope } from '../workflows/scope';
import { recordedCopies } from './imported-cluster';
import { liveSecret } from './secrets';

export async function readModel(scope: ClusterScope, cluster?: ApiCluster): Promise<ClusterModel> {
    const found = cluster ?? (await scope.cluster());
    const names = secretNames(found.ClusterId!);
    const own = madeByType(found) ? { admin: true, trustAnchor: true } : recordedCopies(found);
    const [admin, anchor] = await Promise.all([own.admin ? liveSecret(scope, names.admin) : undefined, own.trustAnchor ? readTrustAnchor(scope, names.trustAnchor) : undefined]);
    const version = admin?.Tags?.find((t) => t.Key === ADMIN_PASSWORD_VERSION_TAG)?.Value;
    return modelFromCluster(
        found,
        { admin: admin?.ARN, adminPasswordVersion: version ? Number(version) : undefined, trustAnchor: anchor?.arn, trustAnchorPem: anchor?.pem },
        scope.model.HsmsPerSubnet,
    );
}

async function readTrustAnchor(scope: ClusterScope, name: string): Promise<{ arn: string; pem: string } | undefined> {
    try {
        const value = await scope.secrets.send(new GetSecretValueCommand({ SecretId: name }));
        return { arn: value.ARN!, pem: value.SecretString! };
    } catch (err) {
        if (isAwsError(err, 'ResourceNotFoundException', 'InvalidRequestException')) return undefined;
        throw err;
    }
}
