import { randomBytes } from 'node:crypto';
import { KiteConnect } from 'kiteconnect';
import type { Redis } from 'ioredis';
import { VenueError } from '../venue-broker.js';

/**
 * Zerodha's daily login: the login URL (with a one-time `state` carried back
 * through Kite's `redirect_params`), then the request token Kite redirects
 * with is exchanged for the day's access token by the real kiteconnect SDK
 * (checksum = sha256(api_key + request_token + api_secret), as Kite
 * documents). The session is kept in Redis per broker user until Kite expires
 * it (06:00 IST the next morning), so every replica and a restart find it.
 */
export interface KiteSessionOptions {
  apiKey: string;
  apiSecret: string;
  restUrl: string;
  loginUrl: string;
  redisPrefix: string;
}

export interface KiteSession {
  userId: string;
  accessToken: string;
  publicToken: string;
  loginTime: string;
}

const IST_OFFSET_MS = 5.5 * 3_600_000;

/** Seconds until 06:00 IST after `now` (when Kite access tokens expire). */
export function secondsUntilKiteExpiry(now = Date.now()): number {
  const local = now + IST_OFFSET_MS;
  const day = Math.floor(local / 86_400_000) * 86_400_000;
  let expiry = day + 6 * 3_600_000;
  if (expiry <= local) expiry += 86_400_000;
  return Math.ceil((expiry - local) / 1000);
}

export class KiteSessionError extends Error {
  constructor(readonly code: 'bad_state' | 'exchange_failed' | 'store_unavailable', message: string) {
    super(message);
  }
}

export class KiteSessions {
  constructor(private readonly o: KiteSessionOptions, private readonly redis: Redis) {}

  /** Redis calls fail closed with their reason: no login goes half-way without the store. */
  private async store<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new KiteSessionError('store_unavailable', `the Kite session store (Redis) is unreachable, so the login cannot ${what}: ${(e as Error).message}`);
    }
  }

  /** A login URL for `username`, valid 10 minutes (the state is spent by the callback). */
  async loginUrl(username: string): Promise<{ url: string; state: string }> {
    const state = randomBytes(16).toString('base64url');
    await this.store('start', () => this.redis.set(`${this.o.redisPrefix}kite:login-state:${state}`, username, 'EX', 600));
    const url = `${this.o.loginUrl}?api_key=${encodeURIComponent(this.o.apiKey)}&v=3&redirect_params=${encodeURIComponent(`state=${state}`)}`;
    return { url, state };
  }

  /** Spends a state from the callback; returns who asked for the login. */
  async takeState(state: string): Promise<string> {
    const key = `${this.o.redisPrefix}kite:login-state:${state}`;
    const [[, user]] = (await this.store('check its state', () => this.redis.multi().get(key).del(key).exec())) as [[unknown, string | null]];
    if (!user) throw new KiteSessionError('bad_state', 'unknown or expired login state: start again from the login URL');
    return user;
  }

  /** Exchanges a request token for the day's session and stores it. */
  async exchange(requestToken: string): Promise<KiteSession> {
    const kc = new KiteConnect({ api_key: this.o.apiKey, root: this.o.restUrl } as never);
    let s: { user_id: string; access_token: string; public_token: string; login_time: unknown };
    try {
      s = (await kc.generateSession(requestToken, this.o.apiSecret)) as never;
    } catch (e) {
      const message = (e as { message?: string }).message ?? String(e);
      throw new KiteSessionError('exchange_failed', `Kite refused the request token: ${message}`);
    }
    const session: KiteSession = { userId: s.user_id, accessToken: s.access_token, publicToken: s.public_token, loginTime: String(s.login_time) };
    const key = `${this.o.redisPrefix}kite:session:${session.userId}`;
    await this.store('keep the session', () => this.redis.multi().hset(key, session as unknown as Record<string, string>).expire(key, secondsUntilKiteExpiry()).exec());
    return session;
  }

  /** The stored session of a broker user, if Kite has not expired it yet. */
  async get(userId: string): Promise<KiteSession | null> {
    const h = await this.redis.hgetall(`${this.o.redisPrefix}kite:session:${userId}`);
    return h.accessToken ? (h as unknown as KiteSession) : null;
  }
}

/**
 * The broker client's access token for one broker user: the one it has, and
 * after Kite refuses it, the session the daily login stored in Redis,
 * validated with a profile call before anything is retried with it.
 */
export class KiteTokenRecovery {
  constructor(
    private readonly sessions: Pick<KiteSessions, 'get'>,
    private readonly o: { apiKey: string; restUrl: string; brokerUserId: string },
    private token: string | null,
  ) {}

  current(): string | null {
    return this.token;
  }

  /** Uses this token from now on (the daily login handed it over). */
  set(token: string): void {
    this.token = token;
  }

  async recover(reason: string): Promise<string> {
    let stored: KiteSession | null;
    try {
      stored = await this.sessions.get(this.o.brokerUserId);
    } catch (e) {
      throw new VenueError('token', `Kite refused the access token (${reason}) and Redis cannot be read (${(e as Error).message})`);
    }
    if (!stored) throw new VenueError('token', `Kite refused the access token (${reason}) and Redis holds no session for ${this.o.brokerUserId}: complete the daily login`);
    if (stored.accessToken === this.token) throw new VenueError('token', `Kite refused the access token (${reason}) and it is the one stored for ${this.o.brokerUserId}: complete the daily login`);
    const probe = new KiteConnect({ api_key: this.o.apiKey, root: this.o.restUrl, access_token: stored.accessToken } as never);
    try {
      const profile = (await probe.getProfile()) as { user_id?: string };
      if (profile.user_id && profile.user_id !== this.o.brokerUserId) throw new Error(`the stored token belongs to ${profile.user_id}`);
    } catch (e) {
      throw new VenueError('token', `the session stored for ${this.o.brokerUserId} does not validate: ${(e as { message?: string }).message ?? String(e)}`);
    }
    this.token = stored.accessToken;
    return stored.accessToken;
  }
}
