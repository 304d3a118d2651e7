import { mkdirSync } from 'node:fs';
import path from 'node:path';
import postgres, { type Sql } from 'postgres';

/**
 * The little of SQL the engine's storage needs, over either the real
 * PostgreSQL (`postgres`) or embedded PostgreSQL (PGlite, the `npm start`
 * default when no DATABASE_URL is set). Same SQL, same migrations.
 */
export interface Database {
  readonly kind: 'postgres' | 'embedded';
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction: all of it commits, or none. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A Database over an existing `postgres` client (closing it ends the client). */
export function sqlDatabase(sql: Sql, close: () => Promise<void> = () => sql.end({ timeout: 2 })): Database {
  return {
    kind: 'postgres',
    query: async (text, params = []) => [...(await sql.unsafe(text, params as never[]))] as never,
    transaction: async (fn) => (await sql.begin((tx) => fn(sqlDatabase(tx as unknown as Sql, close)))) as never,
    close,
  };
}

export interface PostgresOptions {
  max?: number;
  connectTimeoutSec?: number;
}

export function postgresDatabase(url: string, o: PostgresOptions = {}): Database {
  const sql = postgres(url, { max: o.max ?? 4, onnotice: () => {}, connect_timeout: o.connectTimeoutSec ?? 5, idle_timeout: 30 });
  return sqlDatabase(sql);
}

/** Embedded PostgreSQL in `dir` (created on first use). One process only: PGlite is single-user. */
export async function embeddedDatabase(dir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  mkdirSync(path.dirname(dir), { recursive: true }); // PGlite makes only the last directory
  const db = await PGlite.create(dir);
  type Tx = { query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }> };
  const wrap = (q: Tx): Database => ({
    kind: 'embedded',
    query: async (text, params) => (await q.query(text, params)).rows as never,
    transaction: async (fn) => (await db.transaction((tx) => fn(wrap(tx)))) as never,
    close: () => db.close(),
  });
  return wrap(db);
}

/**
 * postgres 3.4.9 can throw from a setImmediate after a connection drops
 * (porsager/postgres#1154, #1208; fix in the unreleased PR #1168): the query
 * was already rejected, so the stray write is moot. Threads that talk to
 * PostgreSQL through an outage recognise it with this and carry on.
 */
export function isPostgresNullSocketWrite(err: unknown): boolean {
  const e = err as { message?: unknown; stack?: unknown } | null;
  return (
    typeof e?.message === 'string' && e.message === "Cannot read properties of null (reading 'write')" &&
    typeof e.stack === 'string' && /postgres[\\/]src[\\/]connection\.js/.test(e.stack) && e.stack.includes('nextWrite')
  );
}
