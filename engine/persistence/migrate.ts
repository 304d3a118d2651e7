import type { Database } from './database.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/**
 * Brings the schema up to date: each pending migration in one transaction,
 * recorded in schema_migrations. An advisory lock keeps two starting
 * processes from migrating at once. Returns the versions applied.
 */
export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  return db.transaction(async (tx) => {
    const applied: number[] = [];
    await tx.query('SELECT pg_advisory_xact_lock(7271727)'); // 'tickring' migrations lock
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await tx.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of splitStatements(m.sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return applied;
  });
}

/** One statement per query (the extended protocol takes one); migrations use no ';' inside literals. */
const splitStatements = (sql: string) => sql.split(';').map((s) => s.trim()).filter(Boolean);
