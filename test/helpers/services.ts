import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { Redis } from 'ioredis';

/**
 * The real PostgreSQL and Redis the suites use: DATABASE_URL / REDIS_URL when
 * set, else the servers on their default local ports (scripts/ensure-services.sh
 * starts them). Each suite gets its own throwaway database and Redis key prefix.
 */
const INSTALL = 'apt-get update && apt-get install -y postgresql redis-server (or run scripts/ensure-services.sh)';
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tickring_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } catch (e) {
    await admin.end();
    throw new Error(`PostgreSQL at ${SERVER_URL} is not usable (${(e as Error).message}): ${INSTALL}`);
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function redisClient(): Promise<Redis> {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    r.disconnect();
    throw new Error(`Redis at ${REDIS_URL} is not usable (${(e as Error).message}): ${INSTALL}`);
  }
  return r;
}

export const testPrefix = () => `tickring-test:${randomBytes(4).toString('hex')}:`;
