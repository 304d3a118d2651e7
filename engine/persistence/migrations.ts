/**
 * Versioned schema migrations, applied in order, each once, in a transaction.
 * They live in code (not .sql files) so the compiled engine carries them.
 * Never edit a released migration: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, refresh tokens, audit log',
    sql: `
      CREATE TABLE users (
        id            bigserial PRIMARY KEY,
        username      text NOT NULL UNIQUE CHECK (username ~ '^[a-zA-Z0-9._-]{2,64}$'),
        password_hash text NOT NULL,
        role          text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        disabled      boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE refresh_tokens (
        token_hash  text PRIMARY KEY,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at  timestamptz NOT NULL,
        revoked_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
      CREATE TABLE audit_log (
        id      bigserial PRIMARY KEY,
        at      timestamptz NOT NULL DEFAULT now(),
        actor   text NOT NULL,
        action  text NOT NULL,
        detail  jsonb NOT NULL DEFAULT '{}'::jsonb,
        ip      text
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_actor_at ON audit_log (actor, at);
    `,
  },
];
