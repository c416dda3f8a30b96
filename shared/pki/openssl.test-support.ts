/**
 * Test support: runs the system OpenSSL 3 on files in a scratch directory, as an independent judge of what
 * this module writes. Not imported by product code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL_BINARY = '/usr/bin/openssl';

export interface OpensslResult {
    status: number | null;
    /** stdout and stderr together: OpenSSL splits its verdicts between them. */
    output: string;
}

export class OpensslWorkspace {
    readonly dir = mkdtempSync(join(tmpdir(), 'pki-openssl-'));

    write(fileName: string, contents: string | Buffer): string {
        const path = join(this.dir, fileName);
        writeFileSync(path, contents);
        return path;
    }

    read(fileName: string): string {
        return readFileSync(join(this.dir, fileName), 'utf8');
    }

    run(...args: string[]): OpensslResult {
        const result = spawnSync(OPENSSL_BINARY, args, { cwd: this.dir, encoding: 'utf8' });
        if (result.error) throw result.error;
        return { status: result.status, output: `${result.stdout}${result.stderr}` };
    }

    /** Runs and insists on success, returning the output. */
    ok(...args: string[]): string {
        const result = this.run(...args);
        if (result.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${result.status}):\n${result.output}`);
        return result.output;
    }

    /**
     * `openssl req -verify -noout` on a request file. OpenSSL 3.0 exits 0 even when the self-signature is
     * wrong, so the verdict is read from its message.
     */
    csrSelfSignatureVerifies(csrFile: string): boolean {
        const result = this.run('req', '-in', csrFile, '-verify', '-noout');
        if (result.status === 0 && /self-signature verify OK/.test(result.output)) return true;
        if (/self-signature verify failure|verify failure/.test(result.output)) return false;
        throw new Error(`openssl req -verify gave no verdict:\n${result.output}`);
    }

    /**
     * `keySpec` is 'rsa:BITS' or 'ec:CURVE' for a fresh key, or the name of a key file in the workspace
     * (ending in .key) to reuse one: RSA key generation dominates the test run time.
     */
    private keyArgs(baseName: string, keySpec: string): { keyFile: string; args: string[] } {
        if (keySpec.endsWith('.key')) return { keyFile: keySpec, args: ['-key', keySpec] };
        const keyFile = `${baseName}.key`;
        const fresh = keySpec.startsWith('ec:') ? ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${keySpec.slice(3)}`] : ['-newkey', keySpec];
        return { keyFile, args: [...fresh, '-nodes', '-keyout', keyFile] };
    }

    /** A CSR made by OpenSSL alone. */
    csr(baseName: string, subject: string, keySpec = 'rsa:2048', digest = 'sha256'): { keyFile: string; csrFile: string; csrPem: string } {
        const { keyFile, args } = this.keyArgs(baseName, keySpec);
        const csrFile = `${baseName}.csr`;
        this.ok('req', '-new', ...args, `-${digest}`, '-subj', subject, '-out', csrFile);
        return { keyFile, csrFile, csrPem: this.read(csrFile) };
    }

    /** A self-signed certificate made by OpenSSL; `extraArgs` e.g. ['-addext', 'basicConstraints=critical,CA:FALSE']. */
    selfSigned(baseName: string, subject: string, keySpec = 'rsa:2048', extraArgs: string[] = []): { keyFile: string; certFile: string; certPem: string } {
        const { keyFile, args } = this.keyArgs(baseName, keySpec);
        const certFile = `${baseName}.pem`;
        this.ok('req', '-x509', ...args, '-sha256', '-days', '30', '-subj', subject, ...extraArgs, '-out', certFile);
        return { keyFile, certFile, certPem: this.read(certFile) };
    }

    dispose(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}
