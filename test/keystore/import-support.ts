/**
 * What the import scenarios share: a key store made without this type, the way the AWS sample makes one (or a
 * person following the KMS guide by hand), the import itself, and the cluster owner's consent tag.
 */
import { CloudHSMV2Client, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-cloudhsm-v2';
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand } from '@aws-sdk/client-kms';
import type { Driver } from '../../local/driver/driver';
import { clientSettings } from '../../local/emulator/services/test-client';
import { runScript } from '../../local/instance/runner';
import { LocalAws } from '../../local/runtime';
import { IMPORT_CONSENT_TAG } from '../../shared/registry/import-consent';
import { advanceSeconds, clusterOf, hsmUser, KMS_USER, kmsClient, kmsOf, passwordIn } from './key-store-support';

/** The stack the import scenarios' drivers play (DriverOptions.stackName), whose name the consent tag gives. */
export const IMPORTING_STACK = 'payments-keys';

/**
 * CloudFormation resource import: the READ handler gets only the identifier, and CloudFormation keeps the
 * template's properties for the next update.
 */
export const importKeyStore = (driver: Driver, template: Record<string, unknown>) => driver.import(template);

/**
 * A CONNECTED key store made without the type, as the AWS sample makes it: kmsuser gets the admin's own
 * password (setKmsUserPasswordByHand); KMS is given that password with CreateCustomKeyStore and connects, which
 * rotates kmsuser's password. Answers the template an importer writes for it.
 */
export async function handMadeKeyStore(aws: LocalAws, cluster: Record<string, unknown>, name: string): Promise<Record<string, unknown>> {
    const clusterId = cluster.ClusterId as string;
    const adminPassword = passwordIn(aws, cluster.AdminSecretArn as string);
    await setKmsUserPasswordByHand(aws, cluster, adminPassword);
    const kms = kmsClient(aws);
    const { CustomKeyStoreId } = await kms.send(
        new CreateCustomKeyStoreCommand({ CustomKeyStoreName: name, CloudHsmClusterId: clusterId, TrustAnchorCertificate: cluster.TrustAnchorCertificate as string, KeyStorePassword: adminPassword }),
    );
    await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId }));
    advanceSeconds(aws, aws.emulator.durations.keyStoreConnectSeconds);
    if (kmsOf(aws).findKeyStore(CustomKeyStoreId!)?.connectionState !== 'CONNECTED') throw new Error(`The hand-made key store ${CustomKeyStoreId} did not connect`);
    return {
        KeyStoreId: CustomKeyStoreId,
        KeyStoreName: name,
        ClusterId: clusterId,
        TrustAnchorCertificate: cluster.TrustAnchorCertificate,
        AdminSecretArn: cluster.AdminSecretArn,
        ManagementInstanceId: aws.network.managementInstanceId,
    };
}

/**
 * On the management instance, as the AWS sample does it: the admin creates kmsuser with `password` on the
 * command line, or (kmsuser there already) changes its password so.
 */
export async function setKmsUserPasswordByHand(aws: LocalAws, cluster: Record<string, unknown>, password: string): Promise<void> {
    const clusterId = cluster.ClusterId as string;
    const instanceId = aws.network.managementInstanceId;
    const adminPassword = passwordIn(aws, cluster.AdminSecretArn as string);
    const hsmIp = clusterOf(aws, clusterId).hsms.find((h) => h.state === 'ACTIVE')!.eniIp;
    const verb = hsmUser(aws, clusterId, KMS_USER).length ? 'change-password' : 'create';
    const done = await runScript({
        emulatorUrl: aws.emulator.endpoint,
        instanceId,
        timeoutSeconds: 60,
        files: aws.instances.instanceFiles(instanceId),
        commands: [
            `cat > "$CLOUDHSM_HOME/etc/customerCA.crt" <<'PEM'`,
            ...(cluster.TrustAnchorCertificate as string).trim().split('\n'),
            'PEM',
            `"$CLOUDHSM_HOME/bin/configure-cli" -a ${hsmIp}`,
            `CLOUDHSM_ROLE=admin CLOUDHSM_PIN='admin:${adminPassword}' "$CLOUDHSM_HOME/bin/cloudhsm-cli" user ${verb} --username ${KMS_USER} --role crypto-user --password '${password}'`,
        ],
    });
    if (done.exitCode !== 0) throw new Error(`kmsuser by hand failed: ${done.stdout} ${done.stderr}`);
}

const cloudHsmClient = (aws: LocalAws) => new CloudHSMV2Client(clientSettings(aws.emulator));

/** The cluster owner, with their own credentials, lets `stack` manage the resources on the cluster. */
export async function consent(aws: LocalAws, clusterId: string, stack = IMPORTING_STACK): Promise<void> {
    await cloudHsmClient(aws).send(new TagResourceCommand({ ResourceId: clusterId, TagList: [{ Key: IMPORT_CONSENT_TAG, Value: stack }] }));
}

export async function withdrawConsent(aws: LocalAws, clusterId: string): Promise<void> {
    await cloudHsmClient(aws).send(new UntagResourceCommand({ ResourceId: clusterId, TagKeyList: [IMPORT_CONSENT_TAG] }));
}
