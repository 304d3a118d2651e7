import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres, { type Sql } from 'postgres';
import type { Redis } from 'ioredis';
import { decodeJwt } from 'jose';
import { AuthError, AuthService, DEFAULT_AUTH, roleAtLeast } from '../../engine/auth/auth-service.js';
import { migrate } from '../../engine/persistence/migrate.js';
import { sqlDatabase } from '../../engine/persistence/database.js';
import { MIGRATIONS } from '../../engine/persistence/migrations.js';
import { freshDatabase, redisClient, testPrefix } from '../helpers/services.js';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let sql: Sql;
let redis: Redis;
let auth: AuthService;
beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.url, { max: 4, onnotice: () => {} });
  redis = await redisClient();
  auth = new AuthService(sql, redis, { ...DEFAULT_AUTH, bcryptCost: 4, jwtSecret: 'x'.repeat(40), redisPrefix: testPrefix() });
});
afterAll(async () => {
  await sql?.end();
  redis?.disconnect();
  await db?.drop();
});

const rejects = async (p: Promise<unknown>, status: number, code: string) => {
  const e = await p.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(AuthError);
  expect([e.status, e.code]).toEqual([status, code]);
};

describe('migrations (real PostgreSQL)', () => {
  it('apply once, in order, and again is a no-op', async () => {
    expect(await migrate(sqlDatabase(sql))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(sqlDatabase(sql))).toEqual([]);
    const tables = (await sql<{ t: string }[]>`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`).map((r) => r.t);
    expect(tables).toEqual([
      'audit_log', 'daily_pnl', 'decisions', 'fills', 'instruments', 'orders', 'positions', 'refresh_tokens', 'risk_events', 'schema_migrations', 'signals', 'users',
    ]);
  });
});

describe('auth service (real PostgreSQL and Redis)', () => {
  it('creates users with bcrypt hashes and refuses weak or duplicate ones', async () => {
    await auth.createUser('alice', 'correct horse battery', 'admin');
    const [row] = await sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE username = 'alice'`;
    expect(row.password_hash).toMatch(/^\$2b\$04\$/);
    await rejects(auth.createUser('alice', 'another long password', 'viewer'), 409, 'user_exists');
    await rejects(auth.createUser('bob', 'short', 'viewer'), 400, 'weak_password');
    await rejects(auth.createUser('b o b', 'long enough password', 'viewer'), 400, 'bad_username');
    expect(await auth.userCount()).toBe(1);
  });

  it('login gives a short-lived JWT with the role, verify accepts it, wrong passwords are refused', async () => {
    const s = await auth.login('alice', 'correct horse battery', '10.0.0.1');
    const claims = decodeJwt(s.accessToken);
    expect(claims).toMatchObject({ sub: 'alice', role: 'admin', iss: 'tickring' });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(await auth.verify(s.accessToken)).toMatchObject({ username: 'alice', role: 'admin' });
    await rejects(auth.login('alice', 'wrong password!!', '10.0.0.1'), 401, 'invalid_credentials');
    await rejects(auth.login('nobody', 'whatever password', '10.0.0.1'), 401, 'invalid_credentials');
    await rejects(auth.verify(s.accessToken.slice(0, -2) + 'xx'), 401, 'invalid_token');
  });

  it('refresh rotates: the old refresh token is spent', async () => {
    const s = await auth.login('alice', 'correct horse battery', '10.0.0.2');
    const next = await auth.refresh(s.refreshToken);
    expect(next.refreshToken).not.toBe(s.refreshToken);
    await rejects(auth.refresh(s.refreshToken), 401, 'invalid_refresh_token');
    expect(await auth.verify(next.accessToken)).toMatchObject({ username: 'alice' });
  });

  it('logout revokes the access token (in Redis, until it expires) and spends the refresh token', async () => {
    const s = await auth.login('alice', 'correct horse battery', '10.0.0.3');
    const p = await auth.verify(s.accessToken);
    await auth.logout(p, s.refreshToken);
    await rejects(auth.verify(s.accessToken), 401, 'token_revoked');
    await rejects(auth.refresh(s.refreshToken), 401, 'invalid_refresh_token');
  });

  it('admin revocation refuses every earlier token of the user, not later logins', async () => {
    await auth.createUser('carol', 'carol long password', 'operator');
    const a = await auth.login('carol', 'carol long password', '10.0.0.4');
    const b = await auth.login('carol', 'carol long password', '10.0.0.4');
    expect(await auth.revokeUser('carol')).toBe(2);
    await rejects(auth.verify(a.accessToken), 401, 'token_revoked');
    await rejects(auth.verify(b.accessToken), 401, 'token_revoked');
    await rejects(auth.refresh(b.refreshToken), 401, 'invalid_refresh_token');
    await new Promise((r) => setTimeout(r, 5));
    const c = await auth.login('carol', 'carol long password', '10.0.0.4');
    expect(await auth.verify(c.accessToken)).toMatchObject({ username: 'carol', role: 'operator' });
  });

  it('the 11th login attempt from one address in 15 minutes is refused, other addresses are not', async () => {
    for (let i = 0; i < 10; i++) await auth.login('alice', 'wrong password!!', '10.9.9.9').catch(() => {});
    const e = await auth.login('alice', 'correct horse battery', '10.9.9.9').catch((err) => err);
    expect([e.status, e.code]).toEqual([429, 'too_many_attempts']);
    expect(e.retryAfterSec).toBeGreaterThan(800);
    await expect(auth.login('alice', 'correct horse battery', '10.9.9.8')).resolves.toMatchObject({ role: 'admin' });
  });

  it('roles are ordered viewer < operator < admin; the audit log records who did what', async () => {
    expect(roleAtLeast('admin', 'operator')).toBe(true);
    expect(roleAtLeast('viewer', 'operator')).toBe(false);
    await auth.audit('alice', 'strategy.pause', { strategy: 'x' }, '10.0.0.1');
    const [row] = await sql`SELECT actor, action, detail, ip FROM audit_log ORDER BY id DESC LIMIT 1`;
    expect(row).toMatchObject({ actor: 'alice', action: 'strategy.pause', detail: { strategy: 'x' }, ip: '10.0.0.1' });
  });
});

describe('auth with Redis down (an unreachable Redis, not the shared one)', () => {
  it('logins and token checks fail closed with a clear 503, not open', async () => {
    const { Redis } = await import('ioredis');
    const dead = new Redis('redis://127.0.0.1:9', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => {});
    const down = new AuthService(sql, dead, { ...DEFAULT_AUTH, bcryptCost: 4, jwtSecret: 'x'.repeat(40), redisPrefix: testPrefix() });
    await rejects(down.login('alice', 'correct horse battery', '10.1.1.1'), 503, 'auth_store_unavailable');
    const s = await auth.login('alice', 'correct horse battery', '10.1.1.2'); // issued while Redis was up
    await rejects(down.verify(s.accessToken), 503, 'auth_store_unavailable');
    dead.disconnect();
  });
});
