/**
 * What every cluster step receives: the workflow's learned data (plain JSON, becomes the callback context),
 * the model being built, the request, and the AWS clients. The cluster is described at most once per
 * invocation unless a step changed it.
 */
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { LoggerProxy } from '@amazon-web-services-cloudformation/cloudformation-cli-typescript-lib';
import { AwsClients } from '../../../shared/aws/clients';
import { withCurrentClusterMembers } from '../../../shared/aws/cloudhsm-wire';
import { NotFoundError } from '../../../shared/engine/errors';
import { findCluster } from '../../../shared/finders/clusters';
import { Described } from '../../../shared/finders/described';
import type { SentCommand } from '../../../shared/ssm/run-command';
import { ClusterModel } from '../resource-model';
import { ApiCluster, ImportedSecret } from '../translate';

export interface ClusterData {
    clusterId?: string;
    /** The management instance's security group, learned when the instance was checked. */
    instanceGroupId?: string;
    /** Decided by check-update: the registered mTLS trust anchors are made equal to MtlsTrustAnchors (steps/mtls.ts). */
    reconcileTrustAnchors?: boolean;
    /** Decided by check-update: the update rotates the admin password (steps/admin-password.ts). */
    rotateAdminPassword?: boolean;
    /** The HSM type an update migrates the cluster to (decided by check-update). */
    migrateHsmTypeTo?: string;
    /** The Run Command script in flight, if any. */
    command?: SentCommand & { purpose: string };
    /** What the operation's message says about HSM addresses kept or not kept across a park. */
    addressNotes?: string[];
    /** Remembered addresses CreateHsm refused in this operation, not to be asked for again. */
    refusedAddresses?: string[];
    /** Set by the first step for a cluster the type did not create (steps/imported-cluster.ts). */
    imported?: ImportedClusterData;
}

export interface ImportedClusterData {
    /** Copies of the owner's secrets the type made before this operation (the cluster's tag says which). */
    held: ImportedSecret[];
    /** Copies this update makes from ImportedAdminSecretArn / ImportedTrustAnchorSecretArn. */
    copying: ImportedSecret[];
    /** The update configures the CloudHSM CLI on ManagementInstanceId, which the type has not done yet for this cluster. */
    configureInstance?: boolean;
}

export interface ClusterRequest {
    /** Stable across the invocations of one CloudFormation operation. */
    requestToken: string;
    region: string;
    /** The stack's account: the secrets' KMS key must be in it. */
    accountId?: string;
    stackTags?: Record<string, string>;
    logicalId?: string;
    /** CloudFormation's system tags: the stack ID names the stack an imported cluster's owner must consent to. */
    systemTags?: Record<string, string>;
}

export class ClusterScope {
    private readonly described = new Described<ApiCluster>(
        () => findCluster(this.cloudhsm, this.clusterId),
        () => new NotFoundError(`Cluster ${this.clusterId} was not found (it does not exist or was deleted).`),
    );

    constructor(
        readonly data: ClusterData,
        /** The desired model; steps fill in what they learn (the ID first, for IN_PROGRESS events). */
        readonly model: ClusterModel,
        /** The model before an update; undefined for create and delete. */
        readonly previous: ClusterModel | undefined,
        readonly request: ClusterRequest,
        private readonly clients: AwsClients,
        readonly logger: LoggerProxy,
    ) {
        if (data.clusterId) model.ClusterId = data.clusterId;
        else if (model.ClusterId) data.clusterId = model.ClusterId;
    }

    get cloudhsm(): CloudHSMV2Client {
        return this.clients.get(CloudHSMV2Client, withCurrentClusterMembers);
    }
    get secrets(): SecretsManagerClient {
        return this.clients.get(SecretsManagerClient);
    }
    get ssm(): SSMClient {
        return this.clients.get(SSMClient);
    }
    get ec2(): EC2Client {
        return this.clients.get(EC2Client);
    }
    get kms(): KMSClient {
        return this.clients.get(KMSClient);
    }

    get clusterId(): string {
        if (!this.data.clusterId) throw new Error('No cluster ID yet');
        return this.data.clusterId;
    }

    /** Records the cluster's ID the moment it is known. */
    adopt(clusterId: string): void {
        this.data.clusterId = clusterId;
        this.model.ClusterId = clusterId;
    }

    /** The cluster as CloudHSM describes it now; NotFound when it is gone. */
    cluster(): Promise<ApiCluster> {
        return this.described.get();
    }

    /** Like cluster(), but undefined when it is gone (delete steps carry on then). */
    clusterIfPresent(): Promise<ApiCluster | undefined> {
        return this.described.ifPresent();
    }

    changed(): void {
        this.described.forget();
    }
}
