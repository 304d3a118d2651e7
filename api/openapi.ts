/**
 * The OpenAPI 3.1 description of the HTTP thread's routes. A test calls every
 * route listed here and checks the answer against what is documented, so the
 * document stays true.
 */
const reasons = { type: 'array', items: { type: 'string' } };
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });

const brokerHealth = {
  type: 'object',
  required: ['broker', 'authenticated', 'reconciliation', 'reconciledOrders', 'reconciledPositions', 'openOrders', 'problems', 'lastProblemAt', 'entriesRefusedWhileNotReady'],
  properties: {
    broker: { enum: ['paper', 'kite', 'binance'] },
    authenticated: { type: 'boolean' },
    reconciliation: { enum: ['pending', 'done', 'failed'] },
    reconciledOrders: { type: 'integer', minimum: 0 },
    reconciledPositions: { type: 'integer', minimum: 0 },
    openOrders: { type: 'integer', minimum: 0 },
    problems: { type: 'integer', minimum: 0 },
    lastProblemAt: { type: ['string', 'null'], description: 'ISO 8601' },
    entriesRefusedWhileNotReady: { type: 'integer', minimum: 0 },
  },
} as const;
const provider = {
  type: 'object',
  required: ['name', 'status', 'available', 'stale', 'subscriptionExpired', 'messages', 'ticks', 'errors', 'reconnects', 'gaps', 'lastMessageAgeMs'],
  properties: {
    name: { type: 'string' },
    status: { enum: ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'UNAVAILABLE'] },
    available: { type: 'boolean' },
    stale: { type: 'boolean' },
    subscriptionExpired: { type: 'boolean' },
    messages: { type: 'number' },
    ticks: { type: 'number' },
    errors: { type: 'number' },
    reconnects: { type: 'number' },
    gaps: { type: 'number' },
    skewMs: { type: 'number' },
    connections: { type: 'number' },
    lastMessageAgeMs: { type: ['number', 'null'] },
  },
};

const warnings = reasons;

const worker = {
  type: 'object',
  required: ['name', 'state', 'heartbeatAgeMs', 'restarts', 'lagging', 'lagMs', 'rings'],
  properties: {
    name: { type: 'string' },
    state: { enum: ['Starting', 'Running', 'Restarting', 'Failed', 'Stopped'] },
    heartbeatAgeMs: { type: 'number' },
    restarts: { type: 'number' },
    /** An input ring at least half full: it reads slower than it is fed. */
    lagging: { type: 'boolean' },
    /** A strategy with ticks waiting: how old the last tick it finished is. */
    lagMs: { type: 'number' },
    rings: {
      type: 'array',
      items: { type: 'object', required: ['name', 'fill', 'capacity', 'dropped', 'gaps'], properties: { name: { type: 'string' }, fill: { type: 'number' }, capacity: { type: 'number' }, dropped: { type: 'number' }, gaps: { type: 'number' } } },
    },
  },
};

const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
};
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      json(errorBody, ({ 400: 'malformed JSON or wrong field types', 401: 'no valid token, or wrong credentials', 403: 'the role is not enough', 404: 'no such strategy or feed', 502: 'Kite refused the request token, or the broker did not answer', 413: 'body too large', 429: 'too many login attempts (Retry-After)', 503: 'PostgreSQL or Redis unavailable: logins and control fail closed' } as Record<number, string>)[c]),
    ]),
  );
const session = {
  type: 'object',
  required: ['accessToken', 'refreshToken', 'tokenType', 'expiresIn', 'role'],
  properties: { accessToken: { type: 'string' }, refreshToken: { type: 'string' }, tokenType: { const: 'Bearer' }, expiresIn: { type: 'number' }, role: { enum: ['admin', 'operator', 'viewer'] } },
};
const bearer = [{ bearer: [] }];

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'tickring',
    version: '0.1.0',
    description: 'Health, metrics and control of the tickring trading engine. Health, metrics and these documents need no token; every other route but login and refresh needs a bearer token and a role (viewer < operator < admin).',
  },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
  paths: {
    '/health/live': {
      get: {
        summary: 'Liveness: no running thread has stopped beating',
        responses: {
          '200': json({ type: 'object', required: ['live', 'stuck'], properties: { live: { const: true }, stuck: { type: 'array', maxItems: 0 } } }, 'alive'),
          '503': json({ type: 'object', required: ['live', 'stuck'], properties: { live: { const: false }, stuck: { type: 'array', items: { type: 'string' } } } }, 'a thread is stuck'),
        },
      },
    },
    '/health/ready': {
      get: {
        summary: 'Readiness: every thread beats and at least one usable data feed',
        responses: {
          '200': json({ type: 'object', required: ['ready', 'reasons', 'warnings'], properties: { ready: { const: true }, reasons: { type: 'array', maxItems: 0 }, warnings } }, 'ready to trade (warnings: what does not stop trading, e.g. Redis down)'),
          '503': json({ type: 'object', required: ['ready', 'reasons', 'warnings'], properties: { ready: { const: false }, reasons, warnings } }, 'not ready, with the reasons'),
        },
      },
    },
    '/health/workers': {
      get: { summary: 'Every thread: state, heartbeat age, restarts, its input rings', responses: { '200': json({ type: 'object', required: ['workers'], properties: { workers: { type: 'array', items: worker } } }, 'threads') } },
    },
    '/health/providers': {
      get: { summary: 'Every data feed: status, freshness, counters', responses: { '200': json({ type: 'object', required: ['providers'], properties: { providers: { type: 'array', items: provider } } }, 'feeds') } },
    },
    '/health/risk': {
      get: {
        summary: 'Circuit breaker, kill switch, equity, open positions, entry counters and the configured risk limits',
        responses: {
          '200': json({
            type: 'object',
            required: ['circuit', 'killSwitch', 'equity', 'cash', 'realisedPnl', 'openPositions', 'riskLevel', 'counters', 'limits'],
            properties: {
              circuit: { enum: ['CLOSED', 'OPEN', 'HALF_OPEN'] },
              riskLevel: { enum: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'], description: 'of the last entry assessed' },
              killSwitch: { type: 'boolean' },
              equity: { type: 'number' },
              cash: { type: 'number' },
              realisedPnl: { type: 'number' },
              openPositions: { type: 'integer', minimum: 0 },
              counters: {
                type: 'object',
                required: ['orders', 'fills', 'rejects', 'refusedByCircuit', 'refusedByBroker', 'refusedByRiskLevel', 'refusedByOptionRules', 'refusedByStorage', 'unsized', 'trips'],
                additionalProperties: { type: 'integer', minimum: 0 },
              },
              limits: {
                type: 'object',
                required: ['riskPerTradePct', 'maxLeverage', 'circuit'],
                properties: { riskPerTradePct: { type: 'number' }, maxLeverage: { type: 'number' }, circuit: { type: 'object', required: ['dailyLossPct', 'drawdownPct', 'maxOpenPositions'] } },
              },
            },
          }, 'risk state'),
        },
      },
    },
    '/health/broker': {
      get: {
        summary: 'The broker client: which, authenticated, start-up reconciliation, open orders, problems (503 while not authenticated)',
        responses: {
          '200': json(brokerHealth, 'broker state'),
          '503': json(brokerHealth, 'not authenticated'),
        },
      },
    },
    '/health/db': {
      get: {
        summary: 'Persistence: database state, write-behind queue, journal (503 when neither the database nor the journal can take rows)',
        responses: {
          '200': json({
            type: 'object',
            required: ['state', 'backend', 'queuedRows', 'rowsWritten', 'batches', 'writeFailures', 'journal', 'backlogRows', 'signalsNotRecorded', 'lastWriteAt', 'lastErrorAt'],
            properties: {
              state: { enum: ['STARTING', 'WRITING', 'SPILLING', 'FAILING'] },
              backend: { enum: ['none', 'postgres', 'embedded', 'file'] },
              queuedRows: { type: 'integer', minimum: 0 },
              rowsWritten: { type: 'integer', minimum: 0 },
              batches: { type: 'integer', minimum: 0 },
              writeFailures: { type: 'integer', minimum: 0 },
              journal: {
                type: 'object',
                required: ['bytes', 'batchesSpilled', 'rowsReplayed', 'tornRecords'],
                additionalProperties: { type: 'integer', minimum: 0 },
              },
              backlogRows: { type: 'integer', minimum: 0 },
              signalsNotRecorded: { type: 'integer', minimum: 0 },
              lastWriteAt: { type: ['string', 'null'], description: 'ISO 8601' },
              lastErrorAt: { type: ['string', 'null'], description: 'ISO 8601' },
            },
          }, 'persistence state'),
          '503': { description: 'the database is unreachable and the journal cannot be written' },
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus text exposition (hop-latency histograms, counters, gauges)',
        responses: { '200': { description: 'metrics', content: { 'text/plain': { schema: { type: 'string' } } } } },
      },
    },
    '/auth/login': {
      post: {
        summary: 'Log in: a short-lived JWT and a refresh token (at most 10 attempts per 15 minutes per address)',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } } } } },
        responses: { '200': json(session, 'logged in'), ...errors(400, 401, 413, 429, 503) },
      },
    },
    '/auth/refresh': {
      post: {
        summary: 'Trade a refresh token for a new session (the old refresh token is spent)',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['refreshToken'], properties: { refreshToken: { type: 'string' } } } } } },
        responses: { '200': json(session, 'a new session'), ...errors(400, 401, 413, 503) },
      },
    },
    '/auth/logout': {
      post: { summary: 'Revoke this token (and a refresh token, if given)', security: bearer, responses: { '204': { description: 'logged out' }, ...errors(400, 401, 503) } },
    },
    '/auth/me': {
      get: { summary: 'Who the token belongs to', security: bearer, responses: { '200': json({ type: 'object', required: ['username', 'role'] }, 'the user'), ...errors(401, 503) } },
    },
    '/admin/users/{username}/revoke': {
      post: {
        summary: 'Admin: refuse every token of a user issued until now',
        security: bearer,
        parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' }, example: 'ops' }],
        responses: { '200': json({ type: 'object', required: ['user', 'revokedRefreshTokens'] }, 'revoked'), ...errors(401, 403, 503) },
      },
    },
    '/broker/margins': {
      get: { summary: 'Margins and funds as the broker reports them now (viewer); paper: cash, equity, exposure', security: bearer, responses: { '200': json({ type: 'object', required: ['broker', 'margins'] }, 'margins'), ...errors(401, 502, 503) } },
    },
    '/broker/positions': {
      get: { summary: "Positions as the broker reports them now (viewer), beside /positions (what the engine stored)", security: bearer, responses: { '200': json({ type: 'object', required: ['broker', 'positions'] }, 'positions'), ...errors(401, 502, 503) } },
    },
    '/broker/orders': {
      get: { summary: "Today's orders of this engine at the broker that are still open (viewer)", security: bearer, responses: { '200': json({ type: 'object', required: ['broker', 'orders'] }, 'orders'), ...errors(401, 502, 503) } },
    },
    '/control/risk/limits': {
      put: {
        summary: 'Admin: change risk limits at run time (riskPerTradePct, maxLeverage, circuit.{dailyLossPct, drawdownPct, maxOpenPositions, brokerErrors, cooldownMs}); /health/risk shows them',
        security: bearer,
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: { '202': json({ type: 'object', required: ['action', 'limits'] }, 'sent to the risk thread'), ...errors(400, 401, 403, 503) },
      },
    },
    '/control/orders/{id}/cancel': {
      post: {
        summary: 'Operator: cancel an order at the broker (by client order id); the outcome shows in /orders',
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'mhx3k2ab1f0000abc' }],
        responses: { '202': json({ type: 'object', required: ['clientOrderId', 'action'] }, 'sent to the risk thread'), ...errors(401, 403, 503) },
      },
    },
    '/control/orders/{id}': {
      put: {
        summary: "Operator: change a resting order's quantity and/or limit price (JSON { qty?, limitPrice? })",
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'mhx3k2ab1f0000abc' }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { qty: { type: 'number' }, limitPrice: { type: 'number' } } } } } },
        responses: { '202': json({ type: 'object', required: ['clientOrderId', 'action'] }, 'sent to the risk thread'), ...errors(400, 401, 403, 503) },
      },
    },
    '/positions': {
      get: {
        summary: 'Open positions at the broker as stored (viewer); ?all=true includes flat ones',
        security: bearer,
        parameters: [{ name: 'all', in: 'query', required: false, schema: { enum: ['true', 'false'] } }],
        responses: { '200': json({ type: 'object', required: ['broker', 'positions'], properties: { positions: { type: 'array', items: { type: 'object', required: ['exchange', 'symbol', 'qty', 'avgPrice', 'realisedPnl', 'updatedAt'] } } } }, 'positions'), ...errors(400, 401, 503) },
      },
    },
    '/orders': {
      get: {
        summary: 'Orders, newest first (viewer): ?state=open|final|all, ?limit=1..1000, ?symbol=',
        security: bearer,
        parameters: [
          { name: 'state', in: 'query', required: false, schema: { enum: ['open', 'final', 'all'] } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          { name: 'symbol', in: 'query', required: false, schema: { type: 'string' } },
        ],
        responses: { '200': json({ type: 'object', required: ['broker', 'orders'], properties: { orders: { type: 'array', items: { type: 'object', required: ['clientOrderId', 'state', 'qty', 'filledQty', 'createdAt'] } } } }, 'orders'), ...errors(400, 401, 503) },
      },
    },
    '/pnl': {
      get: {
        summary: 'P&L (viewer): live equity and realised P&L, and the stored daily P&L of the last ?days=1..366',
        security: bearer,
        parameters: [{ name: 'days', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 366 } }],
        responses: { '200': json({ type: 'object', required: ['broker', 'live', 'days'] }, 'P&L'), ...errors(400, 401, 503) },
      },
    },
    '/control/strategies': {
      get: { summary: 'Strategies: paused, ticks, signals (viewer)', security: bearer, responses: { '200': json({ type: 'object', required: ['strategies'] }, 'strategies'), ...errors(401, 503) } },
    },
    '/control/strategies/{id}/pause': {
      post: {
        summary: 'Operator: pause a strategy (it keeps its state, emits no signals)',
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'latency-probe' }],
        responses: { '202': json({ type: 'object', required: ['strategy', 'action'] }, 'accepted'), ...errors(401, 403, 404, 503) },
      },
    },
    '/control/strategies/{id}/resume': {
      post: {
        summary: 'Operator: resume a strategy',
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'latency-probe' }],
        responses: { '202': json({ type: 'object', required: ['strategy', 'action'] }, 'accepted'), ...errors(401, 403, 404, 503) },
      },
    },
    '/control/strategies/{id}/params': {
      put: {
        summary: "Operator: change a strategy's parameters at run time (validated by the strategy's own schema)",
        security: bearer,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, example: 'latency-probe' }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
        responses: { '202': json({ type: 'object', required: ['strategy', 'params'] }, 'accepted'), ...errors(400, 401, 403, 404, 503) },
      },
    },
    '/control/feeds/{feed}/subscribe': {
      post: {
        summary: 'Operator: subscribe symbols on a running feed',
        security: bearer,
        parameters: [{ name: 'feed', in: 'path', required: true, schema: { type: 'string' }, example: 'binance' }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['symbols'], properties: { symbols: { type: 'array', items: { type: 'string' } } } } } } },
        responses: { '202': json({ type: 'object', required: ['feed', 'action', 'symbols'] }, 'accepted'), ...errors(400, 401, 403, 404, 503) },
      },
    },
    '/control/feeds/{feed}/unsubscribe': {
      post: {
        summary: 'Operator: unsubscribe symbols on a running feed',
        security: bearer,
        parameters: [{ name: 'feed', in: 'path', required: true, schema: { type: 'string' }, example: 'binance' }],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['symbols'], properties: { symbols: { type: 'array', items: { type: 'string' } } } } } } },
        responses: { '202': json({ type: 'object', required: ['feed', 'action', 'symbols'] }, 'accepted'), ...errors(400, 401, 403, 404, 503) },
      },
    },
    '/control/kill-switch': {
      post: { summary: 'Operator: cancel every open order, flatten every position, refuse entries until reset', security: bearer, responses: { '202': json({ type: 'object', required: ['action'] }, 'accepted'), ...errors(401, 403, 503) } },
    },
    '/control/kill-switch/reset': {
      post: { summary: 'Admin: allow entries again after the kill switch', security: bearer, responses: { '202': json({ type: 'object', required: ['action'] }, 'accepted'), ...errors(401, 403, 503) } },
    },
    '/control/circuit/reset': {
      post: { summary: 'Admin: close the circuit breaker now (recorded as a trip of its own)', security: bearer, responses: { '202': json({ type: 'object', required: ['action'] }, 'accepted'), ...errors(401, 403, 503) } },
    },
    '/broker/kite/login-url': {
      get: {
        summary: "Operator: Zerodha's login URL for today's session (carries a one-time state)",
        security: bearer,
        responses: { '200': json({ type: 'object', required: ['url'], properties: { url: { type: 'string' } } }, 'the URL to open'), ...errors(401, 403, 503) },
      },
    },
    '/broker/kite/callback': {
      get: {
        summary: 'Where Kite redirects after login (request_token, status, state): exchanges the token; no bearer token (the state stands in)',
        responses: { '200': json({ type: 'object', required: ['broker', 'userId'] }, 'logged in: Redis, the broker and the Kite Ticker have the new token'), ...errors(400, 502, 503) },
      },
    },
    '/broker/kite/session': {
      post: {
        summary: 'Operator: submit a request token by hand',
        security: bearer,
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['requestToken'], properties: { requestToken: { type: 'string' } } } } } },
        responses: { '200': json({ type: 'object', required: ['broker', 'userId'] }, 'logged in'), ...errors(400, 401, 403, 502, 503) },
      },
    },
    '/openapi.json': {
      get: { summary: 'This document', responses: { '200': json({ type: 'object', required: ['openapi', 'paths'] }, 'the OpenAPI document') } },
    },
    '/docs': {
      get: { summary: 'A readable page of this document (no external assets)', responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } },
    },
  },
} as const;

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The docs page: rendered here from the document, with inline styles only. */
export function docsPage(): string {
  const rows = Object.entries(OPENAPI.paths)
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const o = op as { summary: string; responses: Record<string, { description: string }> };
        const responses = Object.entries(o.responses).map(([code, r]) => `<code>${code}</code> ${escape(r.description)}`).join('<br>');
        return `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(o.summary)}</td><td>${responses}</td></tr>`;
      }),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tickring API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}code{background:#f4f4f4;padding:0 .2rem}</style></head>
<body><h1>${escape(OPENAPI.info.title)} API ${escape(OPENAPI.info.version)}</h1><p>${escape(OPENAPI.info.description)}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${OPENAPI.openapi}).</p>
<table><thead><tr><th>method</th><th>path</th><th>what</th><th>answers</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
