import { execFileSync } from 'child_process';
import { join } from 'path';

const root = join(__dirname, '..', '..');

/** Runs `npm run check-template` as a user does (through tsx, not jest's transform); returns its exit code and lines. */
export function checkTemplateCommand(file: string): { code: number; lines: string[] } {
    const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    try {
        const out = execFileSync(process.execPath, [tsx, join(root, 'tools', 'check-template', 'cli.ts'), file], { cwd: root, encoding: 'utf8' });
        return { code: 0, lines: out.trim().split('\n') };
    } catch (err: any) {
        return { code: err.status, lines: String(err.stdout).trim().split('\n') };
    }
}
