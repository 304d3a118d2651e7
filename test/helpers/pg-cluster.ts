import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * A private PostgreSQL cluster (Debian's pg_createcluster) on its own port,
 * for tests that stop and start the server: the shared one other suites use
 * stays up. Trust auth on localhost, like the machine's own.
 */
export async function privateCluster() {
  let version: string;
  try {
    version = readdirSync('/etc/postgresql').sort().pop()!;
    if (!version || !existsSync('/usr/bin/pg_createcluster')) throw new Error();
  } catch {
    throw new Error("stopping PostgreSQL in a test needs Debian's postgresql-common and a server: apt-get install -y postgresql");
  }
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const name = `tickring_${randomBytes(4).toString('hex')}`;
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run('pg_createcluster', [version, name, '-p', String(port), '--', '--auth=trust']);
  const ctl = (action: 'start' | 'stop') => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => ctl('start'),
    stop: () => ctl('stop'),
    drop: () => run('pg_dropcluster', ['--stop', version, name]),
  };
}
