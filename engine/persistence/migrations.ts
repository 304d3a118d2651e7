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
  {
    version: 2,
    name: 'instruments, signals, decisions, orders, fills, positions, risk events, daily P&L',
    // Every row the risk thread produces carries (run_id, seq): the write-behind
    // queue may deliver a batch twice (a journal replayed after a crash), and
    // these keys make the second delivery a no-op. Orders and positions are
    // snapshots kept newest-first by version (the event sequence).
    sql: `
      CREATE TABLE instruments (
        exchange        text NOT NULL,
        symbol          text NOT NULL,
        segment         text NOT NULL,
        instrument_type text NOT NULL,
        option_type     text,
        strike          double precision,
        expiry          timestamptz,
        lot_size        double precision NOT NULL,
        tick_size       double precision NOT NULL,
        quote_asset     text NOT NULL,
        kite_token      bigint,
        updated_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exchange, symbol)
      );
      CREATE TABLE signals (
        run_id      text NOT NULL,
        seq         bigint NOT NULL,
        at          timestamptz NOT NULL,
        strategy    text NOT NULL,
        exchange    text NOT NULL,
        symbol      text NOT NULL,
        side        text NOT NULL CHECK (side IN ('LONG', 'SHORT', 'FLAT')),
        strength    real NOT NULL,
        confidence  real NOT NULL,
        price       double precision NOT NULL,
        stop        double precision,
        target      double precision,
        reasons     integer NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE INDEX signals_symbol_at ON signals (symbol, at);
      CREATE INDEX signals_at ON signals (at);
      CREATE TABLE decisions (
        run_id      text NOT NULL,
        seq         bigint NOT NULL,
        at          timestamptz NOT NULL,
        exchange    text NOT NULL,
        symbol      text NOT NULL,
        decision    text NOT NULL CHECK (decision IN ('INTENT', 'NO_TRADE', 'VETOED', 'BELOW_QUALITY', 'EXIT')),
        side        text NOT NULL,
        score       double precision NOT NULL,
        quality     text NOT NULL,
        strategies  integer NOT NULL,
        reasons     integer NOT NULL,
        opposing_reasons integer NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE INDEX decisions_at ON decisions (at);
      CREATE TABLE orders (
        client_order_id text PRIMARY KEY,
        run_id          text NOT NULL,
        broker          text NOT NULL,
        broker_order_id text,
        exchange        text NOT NULL,
        symbol          text NOT NULL,
        side            text NOT NULL CHECK (side IN ('buy', 'sell')),
        type            text NOT NULL CHECK (type IN ('market', 'limit')),
        qty             double precision NOT NULL,
        limit_price     double precision,
        state           text NOT NULL CHECK (state IN ('NEW', 'SENT', 'ACKNOWLEDGED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'REJECTED')),
        filled_qty      double precision NOT NULL,
        avg_price       double precision,
        fees            double precision NOT NULL,
        reject_reason   text,
        created_at      timestamptz NOT NULL,
        updated_at      timestamptz NOT NULL,
        version         bigint NOT NULL
      );
      CREATE INDEX orders_open ON orders (broker, state) WHERE state NOT IN ('FILLED', 'CANCELLED', 'REJECTED');
      CREATE INDEX orders_symbol_created ON orders (symbol, created_at);
      CREATE INDEX orders_created ON orders (created_at);
      CREATE TABLE fills (
        trade_id        text PRIMARY KEY,
        client_order_id text NOT NULL,
        run_id          text NOT NULL,
        at              timestamptz NOT NULL,
        exchange        text NOT NULL,
        symbol          text NOT NULL,
        side            text NOT NULL CHECK (side IN ('buy', 'sell')),
        qty             double precision NOT NULL CHECK (qty > 0),
        price           double precision NOT NULL,
        fee             double precision NOT NULL
      );
      CREATE INDEX fills_order ON fills (client_order_id);
      CREATE INDEX fills_at ON fills (at);
      CREATE INDEX fills_symbol_at ON fills (symbol, at);
      CREATE TABLE positions (
        broker        text NOT NULL,
        exchange      text NOT NULL,
        symbol        text NOT NULL,
        qty           double precision NOT NULL,
        avg_price     double precision,
        realised_pnl  double precision NOT NULL,
        updated_at    timestamptz NOT NULL,
        version       bigint NOT NULL,
        PRIMARY KEY (broker, exchange, symbol)
      );
      CREATE TABLE risk_events (
        run_id  text NOT NULL,
        seq     bigint NOT NULL,
        at      timestamptz NOT NULL,
        kind    text NOT NULL,
        reason  text NOT NULL,
        detail  jsonb NOT NULL DEFAULT '{}'::jsonb,
        PRIMARY KEY (run_id, seq)
      );
      CREATE INDEX risk_events_at ON risk_events (at);
      CREATE TABLE daily_pnl (
        day           date NOT NULL,
        broker        text NOT NULL,
        start_equity  double precision NOT NULL,
        equity        double precision NOT NULL,
        realised_pnl  double precision NOT NULL,
        fees          double precision NOT NULL,
        fills         integer NOT NULL,
        updated_at    timestamptz NOT NULL,
        version       bigint NOT NULL,
        PRIMARY KEY (day, broker)
      );
    `,
  },
];
