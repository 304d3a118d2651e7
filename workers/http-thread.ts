/**
 * HTTP thread: Kubernetes probes and Prometheus metrics, answered from the
 * shared status region (never by asking another thread).
 */
import uWS from 'uWebSockets.js';
import { EngineView } from '../api/engine-view.js';
import { MetricsExposition } from '../api/metrics.js';
import { docsPage, OPENAPI } from '../api/openapi.js';
import { ControlApi, type ApiResponse } from '../api/control-api.js';
import { AuthService, DEFAULT_AUTH } from '../engine/auth/auth-service.js';
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { KiteSessions } from '../engine/brokers/kite/kite-session.js';
import { TradingRecords } from '../engine/persistence/trading-records.js';
import { sqlDatabase } from '../engine/persistence/database.js';
import { threadKit, type BrokerQuery } from './thread-kit.js';
import { closeApp } from './uws-close.js';

const kit = threadKit();
const { plan, log, status } = kit;
const view = new EngineView(plan);
const metrics = new MetricsExposition(view);
const beat = setInterval(kit.beat, 100);

// Authentication needs PostgreSQL (users, audit) and Redis (revocations, login counts).
const { storage, auth: authConfig } = plan.config;
const sql = storage.databaseUrl ? postgres(storage.databaseUrl, { max: 4, onnotice: () => {} }) : null;
const redis = storage.redisUrl ? new Redis(storage.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : null;
redis?.on('error', () => {}); // requests fail closed and say so; the client reconnects by itself
const jwtSecret = authConfig.jwtSecret ?? randomBytes(32).toString('hex');
const authService = sql && redis ? new AuthService(sql, redis, { ...DEFAULT_AUTH, ...authConfig, jwtSecret }) : null;
const kiteConfig = plan.config.kite;
const kiteSessions =
  redis && kiteConfig.apiKey && kiteConfig.apiSecret
    ? new KiteSessions({ apiKey: kiteConfig.apiKey, apiSecret: kiteConfig.apiSecret, restUrl: kiteConfig.restUrl, loginUrl: kiteConfig.loginUrl, redisPrefix: authConfig.redisPrefix }, redis)
    : null;
const records = sql ? new TradingRecords(sqlDatabase(sql), plan.config.broker.name) : null;
// questions for the broker client in the risk thread: one reply each, or a timeout
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
let nextRequest = 1;
const ask = (query: BrokerQuery) =>
  new Promise<unknown>((resolve, reject) => {
    const requestId = nextRequest++;
    const timer = setTimeout(() => {
      pending.delete(requestId);
      reject(new Error('no answer within 10 s'));
    }, 10_000);
    pending.set(requestId, { resolve, reject, timer });
    kit.send({ type: 'broker-query', requestId, query });
  });
const api = new ControlApi(view, authService, (a) => kit.send({ type: 'control-request', ...a }), log, kiteSessions, records, ask);

const apiSlots = { ok: status.slot('api.ok'), client: status.slot('api.clientErrors'), server: status.slot('api.serverErrors') };
function answer(res: uWS.HttpResponse, r: ApiResponse): void {
  status.add(r.status >= 500 ? apiSlots.server : r.status >= 400 ? apiSlots.client : apiSlots.ok, 1);
  res.cork(() => {
    res.writeStatus(STATUS[r.status] ?? String(r.status));
    for (const [k, v] of Object.entries(r.headers ?? {})) res.writeHeader(k, v);
    res.writeHeader('Cache-Control', 'no-store');
    if (r.body === undefined) res.end();
    else res.writeHeader('Content-Type', 'application/json').end(JSON.stringify(r.body));
  });
}
const STATUS: Record<number, string> = {
  200: '200 OK', 202: '202 Accepted', 204: '204 No Content', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found',
  405: '405 Method Not Allowed', 409: '409 Conflict', 413: '413 Payload Too Large', 429: '429 Too Many Requests', 500: '500 Internal Server Error', 503: '503 Service Unavailable',
};

/** The API routes: read what uWS only lends during the call, then the body, then answer (unless the client left). */
function apiRoute(res: uWS.HttpResponse, req: uWS.HttpRequest): void {
  const method = req.getMethod().toUpperCase();
  const path = req.getUrl();
  const query = req.getQuery() ?? '';
  const authorization = req.getHeader('authorization');
  const length = Number(req.getHeader('content-length') || 0);
  const chunked = req.getHeader('transfer-encoding') !== '';
  const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const run = (body: unknown) =>
    void api.handle({ method, path, authorization, ip, query, body }).then((r) => {
      if (!aborted) answer(res, r);
    });
  // uWS calls onData only when there is a body
  if (length === 0 && !chunked) return run(undefined);
  const max = authConfig.maxBodyBytes;
  if (length > max) return answer(res, { status: 413, body: { error: 'payload_too_large', message: `bodies are limited to ${max} bytes` } });
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  res.onData((chunk, last) => {
    if (refused) return;
    size += chunk.byteLength;
    if (size > max) {
      refused = true;
      return answer(res, { status: 413, body: { error: 'payload_too_large', message: `bodies are limited to ${max} bytes` } });
    }
    chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory
    if (!last) return;
    const text = Buffer.concat(chunks).toString();
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        return answer(res, { status: 400, body: { error: 'malformed_json', message: 'the body is not valid JSON' } });
      }
    }
    run(body);
  });
}

/**
 * What does not stop trading but an operator must know: Redis down leaves the engine trading on the broker
 * token it holds, while logins, token checks and the daily broker login fail closed.
 */
function warnings(): string[] {
  const out: string[] = [];
  if (redis && redis.status !== 'ready') {
    out.push(`redis: unreachable (${redis.status}): logins, token checks and the broker login are refused until it is back; trading goes on with the broker token in use`);
  }
  return out;
}

function json(res: uWS.HttpResponse, status: string, body: unknown): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('Content-Type', 'application/json').writeHeader('Cache-Control', 'no-store').end(JSON.stringify(body));
  });
}

const app = uWS
  .App()
  .get('/health/live', (res) => {
    const stuck = view.stuckThreads();
    json(res, stuck.length ? '503 Service Unavailable' : '200 OK', { live: stuck.length === 0, stuck });
  })
  .get('/health/ready', (res) => {
    const reasons = view.notReadyReasons();
    json(res, reasons.length ? '503 Service Unavailable' : '200 OK', { ready: reasons.length === 0, reasons, warnings: warnings() });
  })
  .get('/health/workers', (res) => json(res, '200 OK', { workers: view.workers() }))
  .get('/health/providers', (res) => json(res, '200 OK', { providers: view.providers() }))
  .get('/health/risk', (res) => json(res, '200 OK', view.risk()))
  .get('/health/broker', (res) => {
    const b = view.broker();
    json(res, b.authenticated ? '200 OK' : '503 Service Unavailable', b);
  })
  .get('/health/db', (res) => {
    const db = view.db();
    json(res, db.state === 'FAILING' ? '503 Service Unavailable' : '200 OK', db);
  })
  .get('/metrics', (res) => {
    const text = metrics.render();
    res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8').end(text));
  })
  .get('/openapi.json', (res) => json(res, '200 OK', OPENAPI))
  .get('/docs', (res) => {
    const html = docsPage();
    res.cork(() => res.writeStatus('200 OK').writeHeader('Content-Type', 'text/html; charset=utf-8').end(html));
  })
  .any('/auth/*', apiRoute)
  .any('/admin/*', apiRoute)
  .any('/control/*', apiRoute)
  .any('/broker/*', apiRoute)
  .any('/positions', apiRoute)
  .any('/orders', apiRoute)
  .any('/pnl', apiRoute)
  .any('/*', (res, req) => json(res, '404 Not Found', { error: 'not_found', message: `no route ${req.getMethod().toUpperCase()} ${req.getUrl()}` }))
  .listen(plan.config.http.host, plan.config.http.port, (token) => {
    if (!token) {
      log.fatal({ host: plan.config.http.host, port: plan.config.http.port }, 'HTTP server cannot listen (port in use?)');
      process.exit(1);
    }
    kit.send({ type: 'listening', service: 'http', port: uWS.us_socket_local_port(token) });
  });

kit.onControl((m) => {
  if (m.type === 'reply') {
    const p = pending.get(m.requestId);
    if (!p) return;
    pending.delete(m.requestId);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.body);
    else p.reject(new Error(String(m.body)));
    return;
  }
  if (m.type !== 'stop' && m.type !== 'drain') return;
  clearInterval(beat);
  closeApp(app);
  redis?.disconnect();
  void (sql ? sql.end({ timeout: 1 }) : Promise.resolve()).finally(() => process.exit(0));
});
kit.send({ type: 'started' });
