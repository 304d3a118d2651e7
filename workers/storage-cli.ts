import postgres from 'postgres';
import { Redis } from 'ioredis';
import type { Config } from '../engine/config/schema.js';
import { AuthError, AuthService, DEFAULT_AUTH, ROLES, type Role } from '../engine/auth/auth-service.js';
import { migrate } from '../engine/persistence/migrate.js';
import { sqlDatabase } from '../engine/persistence/database.js';

/** The database as the command line needs it: migrate, count and create users. */
export async function openStorage(config: Config) {
  if (!config.storage.databaseUrl) throw new Error('DATABASE_URL is not set');
  const sql = postgres(config.storage.databaseUrl, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  return {
    sql,
    migrate: () => migrate(sqlDatabase(sql)),
    userCount: async () => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`)[0].n,
    close: () => sql.end({ timeout: 2 }),
  };
}

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (at least 12 characters): ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}

/** `tickring user create --username NAME [--admin | --role R]`; returns the exit code. */
export async function createUserFromCli(config: Config, args: string[]): Promise<number> {
  const usage = 'usage: tickring user create --username NAME [--admin | --role admin|operator|viewer]  (password on stdin)';
  if (args[0] !== 'create') {
    process.stderr.write(`tickring: ${usage}\n`);
    return 2;
  }
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const username = flag('--username');
  const role = (args.includes('--admin') ? 'admin' : flag('--role') ?? 'viewer') as Role;
  if (!username || !ROLES.includes(role)) {
    process.stderr.write(`tickring: ${usage}\n`);
    return 2;
  }
  const storage = await openStorage(config);
  try {
    await storage.migrate();
    // user creation needs no Redis; the service is built with a client that is never used here
    const redis = new Redis({ lazyConnect: true });
    const auth = new AuthService(storage.sql, redis, { ...DEFAULT_AUTH, ...config.auth, jwtSecret: config.auth.jwtSecret ?? 'x'.repeat(32) });
    await auth.createUser(username, await readPassword(), role);
    redis.disconnect();
    process.stdout.write(`created user ${username} (${role})\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`tickring: ${e instanceof AuthError ? e.message : (e as Error).message}\n`);
    return 1;
  } finally {
    await storage.close();
  }
}
