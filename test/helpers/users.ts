import { spawn } from 'node:child_process';
import { compiled } from './compiled.js';

/** `tickring user create ...` with the password on stdin, as an operator would run it, against `env`'s database. */
export function createUser(env: Record<string, string>, args: string[], password: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [compiled('workers/main.js'), 'user', 'create', ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(`${password}\n`);
  });
}
