import postgres from 'postgres';
import { Redis } from 'ioredis';
import type { Config } from '../engine/config/schema.js';
import { AuthError, AuthService, DEFAULT_AUTH, ROLES, type Role } from '../engine/auth/auth-service.js';
import { migrate } from '../engine/persistence/migrate.js';
import { sqlDatabase } from '../engine/persistence/database.js';
import { parseCommandLine, runCommand, UsageError } from './command-line.js';
import { ConfigError } from '../engine/config/load.js';

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

const USER_USAGE = 'usage: tickring user create --username NAME [--admin | --role admin|operator|viewer]  (password on stdin)';

/** `tickring user create --username NAME [--admin | --role R]`; returns the exit code. */
export function createUserFromCli(config: Config, argv: string[]): Promise<number> {
  return runCommand('tickring user', USER_USAGE, () => createUser(config, argv));
}

async function createUser(config: Config, argv: string[]): Promise<number> {
  const { positionals, values } = parseCommandLine({ args: argv, allowPositionals: true, options: { username: { type: 'string' }, admin: { type: 'boolean' }, role: { type: 'string' } } });
  if (positionals.length !== 1 || positionals[0] !== 'create') throw new UsageError(`the command is 'user create', not 'user ${positionals.join(' ')}'`);
  const { username } = values;
  if (!username) throw new UsageError('--username is required');
  if (values.admin && values.role !== undefined && values.role !== 'admin') throw new UsageError(`--admin and --role ${values.role} contradict each other`);
  const role = (values.admin ? 'admin' : values.role ?? 'viewer') as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role is one of ${ROLES.join(', ')}, not '${role}'`);
  // users and logins live in PostgreSQL only (the embedded database serves no control API)
  if (!config.storage.databaseUrl) throw new ConfigError(['user create needs DATABASE_URL: users and logins are kept in PostgreSQL']);
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
