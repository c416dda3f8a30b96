/** The v2 credentials shape; cloudformation-cli-typescript-lib hands it over as `providerCredentials`. */
export interface CredentialsOptions {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
}
