/**
 * Encrypt and Decrypt with symmetric encryption keys. The ciphertext is the emulator's own format (AES-256-GCM
 * under the key's emulated material, the encryption context as additional data), opaque as AWS's is; what
 * matters is who may use a key and in which key state: only an Enabled key encrypts or decrypts, a Disabled key
 * answers DisabledException, a key pending deletion or in a key store that is not connected KMSInvalidStateException
 * ("Key states of AWS KMS keys", KMS Developer Guide).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'crypto';
import { Caller } from '../server';
import { KmsKey } from '../state';
import { KmsKeys } from './kms-keys';
import { kmsError, optionalEnum, validationError } from './kms-rules';

const maximumPlaintextBytes = 4096;
const maximumCiphertextBytes = 6144;
const format = Buffer.from('EMK1');
const keyIdLength = 36;
const ivLength = 12;
const tagLength = 16;

export class KmsKeyCrypto {
    constructor(private readonly keys: KmsKeys) {}

    encrypt(input: any, caller: Caller): unknown {
        const key = this.keys.authorized(input, caller, 'kms:Encrypt');
        const plaintext = blobFrom(input, 'Plaintext', maximumPlaintextBytes, true);
        optionalEnum(input, 'EncryptionAlgorithm', ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE'] as const);
        this.usable(key);
        const iv = randomBytes(ivLength);
        const cipher = createCipheriv('aes-256-gcm', Buffer.from(key.materialHex!, 'hex'), iv);
        cipher.setAAD(contextBytes(input?.EncryptionContext));
        const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        const blob = Buffer.concat([format, Buffer.from(key.keyId), iv, cipher.getAuthTag(), body]);
        return { CiphertextBlob: blob.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    }

    decrypt(input: any, caller: Caller): unknown {
        const blob = blobFrom(input, 'CiphertextBlob', maximumCiphertextBytes, false);
        const invalid = () => kmsError('InvalidCiphertextException', 'The ciphertext is invalid or was not encrypted under this encryption context.');
        if (blob.length < format.length + keyIdLength + ivLength + tagLength || !blob.subarray(0, format.length).equals(format)) throw invalid();
        const keyId = blob.subarray(format.length, format.length + keyIdLength).toString();
        const named = input?.KeyId;
        const key = this.keys.authorized({ KeyId: keyId }, caller, 'kms:Decrypt');
        if (named !== undefined && named !== key.keyId && named !== key.arn) {
            throw kmsError('IncorrectKeyException', 'The key ID in the request does not identify the KMS key that encrypted the ciphertext.');
        }
        this.usable(key);
        const ivStart = format.length + keyIdLength;
        const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key.materialHex!, 'hex'), blob.subarray(ivStart, ivStart + ivLength));
        decipher.setAAD(contextBytes(input?.EncryptionContext));
        decipher.setAuthTag(blob.subarray(ivStart + ivLength, ivStart + ivLength + tagLength));
        try {
            const plaintext = Buffer.concat([decipher.update(blob.subarray(ivStart + ivLength + tagLength)), decipher.final()]);
            return { Plaintext: plaintext.toString('base64'), KeyId: key.arn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
        } catch {
            throw invalid();
        }
    }

    private usable(key: KmsKey): void {
        if (key.keyUsage !== 'ENCRYPT_DECRYPT' || key.keySpec !== 'SYMMETRIC_DEFAULT') {
            throw kmsError('InvalidKeyUsageException', `${key.arn} is not a symmetric encryption key.`);
        }
        const state = this.keys.stateOf(key);
        if (state === 'Disabled') throw kmsError('DisabledException', `${key.arn} is disabled.`);
        if (state !== 'Enabled') throw kmsError('KMSInvalidStateException', `${key.arn} is ${state === 'PendingDeletion' ? 'pending deletion' : 'unavailable'}.`);
        if (key.customKeyStoreId !== undefined && !this.materialReachable(key)) {
            throw kmsError('KMSInvalidStateException', `The CloudHSM cluster of ${key.arn} has no active HSM that holds its key material.`);
        }
    }

    /** "Using KMS keys in an AWS CloudHSM key store": an active HSM of the store's cluster must hold the key material. */
    private materialReachable(key: KmsKey): boolean {
        const store = this.keys.storeOf(key);
        const cluster = store?.clusterId === undefined ? undefined : this.keys.clusterOf(store.clusterId);
        const active = new Set((cluster?.hsms ?? []).filter((h) => h.state === 'ACTIVE').map((h) => h.hsmId));
        return (cluster?.keys ?? []).some((k) => k.label === key.keyId && k.hsmIds.some((id) => active.has(id)));
    }
}

function blobFrom(input: any, member: string, maxBytes: number, sensitive: boolean): Buffer {
    const value = input?.[member];
    if (typeof value !== 'string') throw validationError(member, undefined, 'Member must not be null', sensitive);
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length < 1) throw validationError(member, value, 'Member must have length greater than or equal to 1', sensitive);
    if (bytes.length > maxBytes) throw validationError(member, value, `Member must have length less than or equal to ${maxBytes}`, sensitive);
    return bytes;
}

/** The encryption context binds as a whole, in any order of its pairs. */
function contextBytes(context: unknown): Buffer {
    if (context === undefined || context === null) return Buffer.alloc(0);
    const pairs = Object.entries(context as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
    return Buffer.from(JSON.stringify(pairs));
}
