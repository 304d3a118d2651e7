import { createHash, randomBytes, randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { jwtVerify, SignJWT } from 'jose';
import type { Redis } from 'ioredis';
import type { Sql } from 'postgres';

/**
 * Users, sessions and the audit log.
 * - Users live in PostgreSQL; passwords are bcrypt (cost 12).
 * - Login gives a short-lived JWT (HS256, with a jti) and a refresh token
 *   (random, stored hashed, rotated on every refresh).
 * - Logout and admin revocation put the token id (or a user's cut-off time) in
 *   Redis until the access token would have expired, so every replica agrees.
 * - Login attempts are counted per IP in Redis: at most `loginLimit` in
 *   `loginWindowSec`; when Redis is unreachable, logins fail closed.
 */
export type Role = 'admin' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];
export const roleAtLeast = (have: Role, need: Role) => ROLES.indexOf(have) >= ROLES.indexOf(need);

export interface AuthOptions {
  jwtSecret: string;
  accessTtlSec: number;
  refreshTtlSec: number;
  loginLimit: number;
  loginWindowSec: number;
  bcryptCost: number;
  /** Prefix of every Redis key (tests and shared Redis servers). */
  redisPrefix: string;
}

export const DEFAULT_AUTH = { accessTtlSec: 900, refreshTtlSec: 7 * 86_400, loginLimit: 10, loginWindowSec: 900, bcryptCost: 12, redisPrefix: 'tickring:' };

export class AuthError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 409 | 429 | 503, readonly code: string, message: string, readonly retryAfterSec?: number) {
    super(message);
  }
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  role: Role;
}

export interface Principal {
  username: string;
  role: Role;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class AuthService {
  private readonly key: Uint8Array;

  constructor(private readonly sql: Sql, private readonly redis: Redis, private readonly o: AuthOptions) {
    if (o.jwtSecret.length < 32) throw new Error('the JWT secret must be at least 32 characters');
    this.key = new TextEncoder().encode(o.jwtSecret);
  }

  async userCount(): Promise<number> {
    const [{ n }] = await this.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`;
    return n;
  }

  async createUser(username: string, password: string, role: Role): Promise<void> {
    if (!/^[a-zA-Z0-9._-]{2,64}$/.test(username)) throw new AuthError(400, 'bad_username', 'username: 2-64 letters, digits, dots, dashes or underscores');
    if (password.length < 12) throw new AuthError(400, 'weak_password', 'password: at least 12 characters');
    if (!ROLES.includes(role)) throw new AuthError(400, 'bad_role', `role: one of ${ROLES.join(', ')}`);
    const hash = await bcrypt.hash(password, this.o.bcryptCost);
    try {
      await this.sql`INSERT INTO users (username, password_hash, role) VALUES (${username}, ${hash}, ${role})`;
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new AuthError(409, 'user_exists', `user '${username}' already exists`);
      throw e;
    }
  }

  async login(username: string, password: string, ip: string): Promise<Session> {
    const attempts = await this.countAttempt(ip);
    if (attempts > this.o.loginLimit) {
      const ttl = await this.redis.ttl(`${this.o.redisPrefix}login:${ip}`);
      throw new AuthError(429, 'too_many_attempts', `more than ${this.o.loginLimit} login attempts from this address in ${this.o.loginWindowSec / 60} minutes`, Math.max(1, ttl));
    }
    const [user] = await this.sql<{ id: string; password_hash: string; role: Role; disabled: boolean }[]>`
      SELECT id, password_hash, role, disabled FROM users WHERE username = ${username}`;
    // compare even for unknown users, so the answer takes as long either way
    const ok = await bcrypt.compare(password, user?.password_hash ?? '$2b$12$invalidinvalidinvalidinvalidinvalidinvalidinvalidinvali');
    if (!user || !ok || user.disabled) throw new AuthError(401, 'invalid_credentials', 'wrong username or password');
    return this.issue(user.id, username, user.role);
  }

  async refresh(refreshToken: string): Promise<Session> {
    const hash = sha256(refreshToken);
    const rows = await this.sql<{ user_id: string; username: string; role: Role }[]>`
      UPDATE refresh_tokens r SET revoked_at = now() FROM users u
      WHERE r.token_hash = ${hash} AND r.revoked_at IS NULL AND r.expires_at > now() AND u.id = r.user_id AND NOT u.disabled
      RETURNING r.user_id, u.username, u.role`;
    if (rows.length === 0) throw new AuthError(401, 'invalid_refresh_token', 'refresh token unknown, used, revoked or expired');
    const u = rows[0];
    return this.issue(u.user_id, u.username, u.role);
  }

  /** Validates a bearer token: signature, expiry, and revocation in Redis. */
  async verify(accessToken: string): Promise<Principal> {
    let payload;
    try {
      ({ payload } = await jwtVerify(accessToken, this.key, { algorithms: ['HS256'], issuer: 'tickring' }));
    } catch {
      throw new AuthError(401, 'invalid_token', 'missing, malformed or expired token');
    }
    const p = { username: String(payload.sub), role: payload.role as Role, jti: String(payload.jti), exp: Number(payload.exp) };
    const issuedMs = Number(payload.iat_ms);
    let revoked: (string | null)[];
    try {
      revoked = await this.redis.mget(`${this.o.redisPrefix}revoked:${p.jti}`, `${this.o.redisPrefix}revoked-before:${p.username}`);
    } catch {
      throw new AuthError(503, 'auth_store_unavailable', 'cannot check token revocation: Redis is unreachable');
    }
    if (revoked[0] !== null || (revoked[1] !== null && !(issuedMs > Number(revoked[1])))) throw new AuthError(401, 'token_revoked', 'token revoked');
    return p;
  }

  /** Logout: the access token is refused from now until it expires; the refresh token is spent. */
  async logout(p: Principal, refreshToken?: string): Promise<void> {
    const ttl = Math.max(1, p.exp - Math.floor(Date.now() / 1000));
    await this.redis.set(`${this.o.redisPrefix}revoked:${p.jti}`, '1', 'EX', ttl);
    if (refreshToken) await this.sql`UPDATE refresh_tokens SET revoked_at = now() WHERE token_hash = ${sha256(refreshToken)} AND revoked_at IS NULL`;
  }

  /** Admin revocation: every token of `username` issued until now is refused, its refresh tokens spent. */
  async revokeUser(username: string): Promise<number> {
    // tokens carry their issue time in ms (iat_ms): everything issued up to now is refused
    await this.redis.set(`${this.o.redisPrefix}revoked-before:${username}`, String(Date.now()), 'EX', this.o.accessTtlSec);
    const rows = await this.sql`
      UPDATE refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL AND user_id = (SELECT id FROM users WHERE username = ${username}) RETURNING 1`;
    return rows.length;
  }

  async audit(actor: string, action: string, detail: Record<string, unknown>, ip: string | null): Promise<void> {
    await this.sql`INSERT INTO audit_log (actor, action, detail, ip) VALUES (${actor}, ${action}, ${this.sql.json(detail as never)}, ${ip})`;
  }

  private async countAttempt(ip: string): Promise<number> {
    const key = `${this.o.redisPrefix}login:${ip}`;
    try {
      const [[, n]] = (await this.redis.multi().incr(key).expire(key, this.o.loginWindowSec, 'NX').exec()) as [[unknown, number]];
      return n;
    } catch {
      throw new AuthError(503, 'auth_store_unavailable', 'logins are refused while Redis (the shared attempt counter) is unreachable');
    }
  }

  private async issue(userId: string, username: string, role: Role): Promise<Session> {
    const accessToken = await new SignJWT({ role, iat_ms: Date.now() })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuer('tickring')
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.o.accessTtlSec}s`)
      .sign(this.key);
    const refreshToken = randomBytes(32).toString('base64url');
    await this.sql`INSERT INTO refresh_tokens (token_hash, user_id, expires_at) VALUES (${sha256(refreshToken)}, ${userId}, now() + ${`${this.o.refreshTtlSec} seconds`}::interval)`;
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.o.accessTtlSec, role };
  }
}
