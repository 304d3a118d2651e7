import { z } from 'zod';
import { AuthError, roleAtLeast, type AuthService, type Principal, type Role } from '../engine/auth/auth-service.js';
import type { Logger } from '../engine/log.js';
import type { EngineView } from './engine-view.js';
import { strategyFactory } from '../engine/strategies/catalog.js';
import { KiteSessionError, type KiteSessions } from '../engine/brokers/kite/kite-session.js';
import type { TradingRecords } from '../engine/persistence/trading-records.js';

/**
 * The authenticated API: login, refresh, logout, admin revocation, and the
 * control of the running engine. Only /health/* and /metrics are open; every
 * route here needs a bearer token, except login and refresh, and a role
 * (viewer < operator < admin). Every control action goes to the audit log.
 * Transport-free: the HTTP thread parses requests and writes the answers.
 */
export interface ApiRequest {
  method: string;
  path: string;
  authorization: string;
  ip: string;
  /** The query string, without the '?'. */
  query: string;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the API asks the rest of the engine to do (through the main thread). */
export type ControlAction =
  | { action: 'pause' | 'resume'; strategy: string }
  | { action: 'params'; strategy: string; params: Record<string, unknown> }
  | { action: 'subscribe' | 'unsubscribe'; feed: string; symbols: string[] }
  | { action: 'broker-token'; broker: 'kite'; accessToken: string }
  | { action: 'kill-switch' | 'kill-reset' | 'circuit-reset'; by: string }
  | { action: 'order-cancel'; clientOrderId: string; by: string }
  | { action: 'risk-limits'; limits: RiskLimitsChange; by: string }
  | { action: 'order-modify'; clientOrderId: string; qty?: number; limitPrice?: number; by: string };
export type ControlRequest = (a: ControlAction) => void;
/** Asks the broker client (in the risk thread) and waits for its answer; rejects with the reason. */
export type BrokerAsk = (query: 'margins' | 'positions' | 'orders') => Promise<unknown>;

const credentials = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();
const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) }).strict();
const logoutBody = z.object({ refreshToken: z.string().min(1).max(512).optional() }).strict().optional();
const symbolsBody = z.object({ symbols: z.array(z.string().min(1).max(64)).min(1).max(5000) }).strict();
const ordersQuery = z
  .object({
    state: z.enum(['open', 'final', 'all']).default('all'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    symbol: z.string().regex(/^[A-Za-z0-9._:-]{1,40}$/).optional(),
  })
  .strict();
/** What an admin may change at run time; the same bounds as the config file's. */
const riskLimitsBody = z
  .object({
    riskPerTradePct: z.number().positive().max(10).optional(),
    maxLeverage: z.number().positive().max(20).optional(),
    circuit: z
      .object({
        dailyLossPct: z.number().positive().max(100).optional(),
        drawdownPct: z.number().positive().max(100).optional(),
        maxOpenPositions: z.number().int().min(1).optional(),
        brokerErrors: z.number().int().min(1).optional(),
        cooldownMs: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((b) => b.riskPerTradePct !== undefined || b.maxLeverage !== undefined || (b.circuit && Object.keys(b.circuit).length > 0), 'change at least one limit');
export type RiskLimitsChange = z.infer<typeof riskLimitsBody>;
const modifyBody = z
  .object({ qty: z.number().positive().finite().optional(), limitPrice: z.number().positive().finite().optional() })
  .strict()
  .refine((b) => b.qty !== undefined || b.limitPrice !== undefined, 'give qty, limitPrice, or both');
const positionsQuery = z.object({ all: z.enum(['true', 'false']).default('false') }).strict();
const pnlQuery = z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }).strict();
const kiteSessionBody = z.object({ requestToken: z.string().regex(/^[A-Za-z0-9]{1,128}$/, 'a Kite request token') }).strict();

const error = (status: number, code: string, message: string, headers?: Record<string, string>): ApiResponse => ({ status, body: { error: code, message }, headers });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new AuthError(400, 'bad_request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

interface Route {
  method: string;
  pattern: RegExp;
  role: Role | null;
  run(req: ApiRequest, p: Principal | null, m: RegExpExecArray): Promise<ApiResponse>;
}

export class ControlApi {
  private readonly routes: Route[];

  constructor(
    view: EngineView,
    private readonly auth: AuthService | null,
    private readonly control: ControlRequest,
    private readonly log: Logger,
    private readonly kite: KiteSessions | null = null,
    private readonly records: TradingRecords | null = null,
    private readonly ask: BrokerAsk | null = null,
  ) {
    const strategies = () => view.plan.config.strategies.map((s) => s.id ?? s.name);
    this.routes = [
      {
        method: 'POST', pattern: /^\/auth\/login$/, role: null,
        run: async (req) => {
          const { username, password } = parse(credentials, req.body);
          const session = await this.need().login(username, password, req.ip);
          await this.need().audit(username, 'auth.login', {}, req.ip);
          return { status: 200, body: session };
        },
      },
      { method: 'POST', pattern: /^\/auth\/refresh$/, role: null, run: async (req) => ({ status: 200, body: await this.need().refresh(parse(refreshBody, req.body).refreshToken) }) },
      {
        method: 'POST', pattern: /^\/auth\/logout$/, role: 'viewer',
        run: async (req, p) => {
          await this.need().logout(p!, parse(logoutBody, req.body)?.refreshToken);
          await this.need().audit(p!.username, 'auth.logout', {}, req.ip);
          return { status: 204 };
        },
      },
      { method: 'GET', pattern: /^\/auth\/me$/, role: 'viewer', run: async (_req, p) => ({ status: 200, body: { username: p!.username, role: p!.role } }) },
      {
        method: 'POST', pattern: /^\/admin\/users\/([a-zA-Z0-9._-]{2,64})\/revoke$/, role: 'admin',
        run: async (req, p, m) => {
          const refreshTokens = await this.need().revokeUser(m[1]);
          await this.need().audit(p!.username, 'admin.revoke', { user: m[1], refreshTokens }, req.ip);
          return { status: 200, body: { user: m[1], revokedRefreshTokens: refreshTokens } };
        },
      },
      {
        method: 'GET', pattern: /^\/control\/strategies$/, role: 'viewer',
        run: async () => ({
          status: 200,
          body: { strategies: strategies().map((id) => ({ id, paused: view.status.read(`strategy.${id}.paused`) === 1, ticks: view.status.read(`strategy.${id}.ticks`), signals: view.status.read(`strategy.${id}.signals`) })) },
        }),
      },
      {
        method: 'POST', pattern: /^\/control\/strategies\/([a-z0-9-]{1,32})\/(pause|resume)$/, role: 'operator',
        run: async (req, p, m) => {
          const [, id, action] = m;
          if (!strategies().includes(id)) return error(404, 'unknown_strategy', `no strategy '${id}': running ${strategies().join(', ')}`);
          this.control({ action: action as 'pause' | 'resume', strategy: id });
          await this.need().audit(p!.username, `strategy.${action}`, { strategy: id }, req.ip);
          return { status: 202, body: { strategy: id, action } };
        },
      },
      {
        method: 'PUT', pattern: /^\/control\/strategies\/([a-z0-9-]{1,32})\/params$/, role: 'operator',
        run: async (req, p, m) => {
          const cfg = view.plan.config.strategies.find((x) => (x.id ?? x.name) === m[1]);
          if (!cfg) return error(404, 'unknown_strategy', `no strategy '${m[1]}': running ${strategies().join(', ')}`);
          // validated here with the strategy's own schema, so a bad value never reaches its thread
          const params = parse(strategyFactory(cfg.name).params as z.ZodType<Record<string, unknown>>, req.body);
          this.control({ action: 'params', strategy: m[1], params });
          await this.need().audit(p!.username, 'strategy.params', { strategy: m[1], params }, req.ip);
          return { status: 202, body: { strategy: m[1], params } };
        },
      },
      {
        method: 'POST', pattern: /^\/control\/feeds\/([a-z-]{1,32})\/(subscribe|unsubscribe)$/, role: 'operator',
        run: async (req, p, m) => {
          const [, feed, action] = m;
          if (!view.plan.feeds.includes(feed)) return error(404, 'unknown_feed', `no feed '${feed}': running ${view.plan.feeds.join(', ')}`);
          const { symbols } = parse(symbolsBody, req.body);
          this.control({ action: action as 'subscribe' | 'unsubscribe', feed, symbols });
          await this.need().audit(p!.username, `feed.${action}`, { feed, symbols }, req.ip);
          return { status: 202, body: { feed, action, symbols } };
        },
      },
      ...(
        [
          ['/control/kill-switch', 'kill-switch', 'operator'],
          ['/control/kill-switch/reset', 'kill-reset', 'admin'],
          ['/control/circuit/reset', 'circuit-reset', 'admin'],
        ] as const
      ).map(([path, action, role]) => ({
        method: 'POST', pattern: new RegExp(`^${path.replace(/\//g, '\\/')}$`), role,
        run: async (req: ApiRequest, p: Principal | null) => {
          this.control({ action, by: p!.username });
          await this.need().audit(p!.username, `risk.${action}`, {}, req.ip);
          return { status: 202, body: { action } };
        },
      })),
      {
        method: 'PUT', pattern: /^\/control\/risk\/limits$/, role: 'admin',
        run: async (req, p) => {
          const limits = parse(riskLimitsBody, req.body);
          this.control({ action: 'risk-limits', limits, by: p!.username });
          await this.need().audit(p!.username, 'risk.limits', limits, req.ip);
          return { status: 202, body: { action: 'risk-limits', limits } };
        },
      },
      {
        // the broker client lives in the risk thread: the request goes there; the outcome shows in /orders and the audit log
        method: 'POST', pattern: /^\/control\/orders\/([A-Za-z0-9_-]{1,36})\/cancel$/, role: 'operator',
        run: async (req, p, m) => {
          this.control({ action: 'order-cancel', clientOrderId: m[1], by: p!.username });
          await this.need().audit(p!.username, 'order.cancel', { clientOrderId: m[1] }, req.ip);
          return { status: 202, body: { clientOrderId: m[1], action: 'cancel' } };
        },
      },
      {
        method: 'PUT', pattern: /^\/control\/orders\/([A-Za-z0-9_-]{1,36})$/, role: 'operator',
        run: async (req, p, m) => {
          const changes = parse(modifyBody, req.body);
          this.control({ action: 'order-modify', clientOrderId: m[1], ...changes, by: p!.username });
          await this.need().audit(p!.username, 'order.modify', { clientOrderId: m[1], ...changes }, req.ip);
          return { status: 202, body: { clientOrderId: m[1], action: 'modify', ...changes } };
        },
      },
      {
        // live from the broker (the venue's own view), where /positions is what the engine stored
        method: 'GET', pattern: /^\/broker\/(margins|positions|orders)$/, role: 'viewer',
        run: async (_req, _p, m) => {
          if (!this.ask) return error(503, 'broker_unavailable', 'the broker client cannot be asked from here');
          try {
            return { status: 200, body: { broker: view.plan.config.broker.name, [m[1]]: await this.ask(m[1] as 'margins' | 'positions' | 'orders') } };
          } catch (e) {
            return error(502, 'broker_error', `the broker did not answer: ${(e as Error).message}`);
          }
        },
      },
      {
        method: 'GET', pattern: /^\/positions$/, role: 'viewer',
        run: async (req) => {
          const q = parse(positionsQuery, Object.fromEntries(new URLSearchParams(req.query)));
          return { status: 200, body: { broker: view.plan.config.broker.name, positions: await this.needRecords().positions(q.all === 'true') } };
        },
      },
      {
        method: 'GET', pattern: /^\/orders$/, role: 'viewer',
        run: async (req) => {
          const q = parse(ordersQuery, Object.fromEntries(new URLSearchParams(req.query)));
          return { status: 200, body: { broker: view.plan.config.broker.name, orders: await this.needRecords().orders(q) } };
        },
      },
      {
        method: 'GET', pattern: /^\/pnl$/, role: 'viewer',
        run: async (req) => {
          const q = parse(pnlQuery, Object.fromEntries(new URLSearchParams(req.query)));
          const live = view.risk();
          return {
            status: 200,
            body: { broker: view.plan.config.broker.name, live: { equity: live.equity, cash: live.cash, realisedPnl: live.realisedPnl, openPositions: live.openPositions }, days: await this.needRecords().dailyPnl(q.days) },
          };
        },
      },
      {
        method: 'GET', pattern: /^\/broker\/kite\/login-url$/, role: 'operator',
        run: async (_req, p) => ({ status: 200, body: { url: (await this.needKite().loginUrl(p!.username)).url } }),
      },
      {
        // Kite redirects the browser here: no bearer token can come along, the one-time state stands in for it
        method: 'GET', pattern: /^\/broker\/kite\/callback$/, role: null,
        run: async (req) => {
          const q = new URLSearchParams(req.query);
          if (q.get('status') !== 'success' || !q.get('request_token')) return error(400, 'login_failed', `Kite login did not succeed (status ${q.get('status') ?? 'missing'})`);
          const user = await this.needKite().takeState(q.get('state') ?? '');
          return this.exchange(q.get('request_token')!, user, req.ip);
        },
      },
      {
        method: 'POST', pattern: /^\/broker\/kite\/session$/, role: 'operator',
        run: async (req, p) => this.exchange(parse(kiteSessionBody, req.body).requestToken, p!.username, req.ip),
      },
    ];
  }

  /** One submission: Kite session stored in Redis, the Kite Ticker (and later the broker) given the new token. */
  private async exchange(requestToken: string, user: string, ip: string): Promise<ApiResponse> {
    const session = await this.needKite().exchange(requestToken);
    this.control({ action: 'broker-token', broker: 'kite', accessToken: session.accessToken });
    await this.need().audit(user, 'broker.kite.login', { kiteUser: session.userId }, ip);
    return { status: 200, body: { broker: 'kite', userId: session.userId, loginTime: session.loginTime } };
  }

  private needRecords(): TradingRecords {
    if (!this.records) throw new AuthError(503, 'records_unavailable', 'positions, orders and P&L are read from PostgreSQL: set DATABASE_URL');
    return this.records;
  }

  private needKite(): KiteSessions {
    if (!this.kite) throw new AuthError(503, 'kite_unavailable', 'the Kite login needs kite.apiKey, kite.apiSecret (TICKRING_KITE_API_KEY, TICKRING_KITE_API_SECRET) and Redis');
    return this.kite;
  }

  async handle(req: ApiRequest): Promise<ApiResponse> {
    const matches = this.routes.filter((r) => r.pattern.test(req.path));
    if (matches.length === 0) return error(404, 'not_found', `no route ${req.method} ${req.path}`);
    const route = matches.find((r) => r.method === req.method);
    if (!route) return error(405, 'method_not_allowed', `${req.path} takes ${matches.map((r) => r.method).join(', ')}`, { Allow: matches.map((r) => r.method).join(', ') });
    try {
      let principal: Principal | null = null;
      if (route.role) {
        const token = /^Bearer (\S+)$/.exec(req.authorization)?.[1];
        if (!token) return error(401, 'unauthorized', 'this route needs a bearer token (POST /auth/login)', { 'WWW-Authenticate': 'Bearer' });
        principal = await this.need().verify(token);
        if (!roleAtLeast(principal.role, route.role)) return error(403, 'forbidden', `this route needs the ${route.role} role; you are ${principal.role}`);
      }
      return await route.run(req, principal, route.pattern.exec(req.path)!);
    } catch (e) {
      if (e instanceof AuthError) return error(e.status, e.code, e.message, e.retryAfterSec ? { 'Retry-After': String(e.retryAfterSec) } : undefined);
      if (e instanceof KiteSessionError) return error(e.code === 'bad_state' ? 400 : e.code === 'store_unavailable' ? 503 : 502, e.code, e.message);
      this.log.error({ err: e, path: req.path }, 'control API failed');
      return error(500, 'internal', 'internal error (logged)');
    }
  }

  private need(): AuthService {
    if (!this.auth) throw new AuthError(503, 'auth_unavailable', 'authentication needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL');
    return this.auth;
  }
}
