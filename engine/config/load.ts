import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { strategyFactory } from '../strategies/catalog.js';

/**
 * Configuration: environment variables for what ops change per deployment
 * (ports, hosts, log level, the config file's path), an optional JSON file
 * for the rest. Both are validated; errors name the bad key and what is allowed.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables and the config key each one sets. */
export const ENV_KEYS: Readonly<Record<string, { path: string[]; kind: 'port' | 'string' | 'boolean' }>> = {
  TICKRING_HTTP_PORT: { path: ['http', 'port'], kind: 'port' },
  TICKRING_HTTP_HOST: { path: ['http', 'host'], kind: 'string' },
  TICKRING_INGEST_PORT: { path: ['ingest', 'port'], kind: 'port' },
  TICKRING_INGEST_HOST: { path: ['ingest', 'host'], kind: 'string' },
  TICKRING_LOG_LEVEL: { path: ['log', 'level'], kind: 'string' },
  TICKRING_REALTIME: { path: ['scheduling', 'realtime'], kind: 'boolean' },
  TICKRING_IDLE_POLL: { path: ['scheduling', 'idlePoll'], kind: 'boolean' },
  TICKRING_KITE_API_KEY: { path: ['kite', 'apiKey'], kind: 'string' },
  TICKRING_KITE_API_SECRET: { path: ['kite', 'apiSecret'], kind: 'string' },
  TICKRING_KITE_ACCESS_TOKEN: { path: ['kite', 'accessToken'], kind: 'string' },
  TICKRING_TRUEDATA_USER: { path: ['feeds', 'truedata', 'user'], kind: 'string' },
  TICKRING_TRUEDATA_PASSWORD: { path: ['feeds', 'truedata', 'password'], kind: 'string' },
  DATABASE_URL: { path: ['storage', 'databaseUrl'], kind: 'string' },
  REDIS_URL: { path: ['storage', 'redisUrl'], kind: 'string' },
  TICKRING_DATA_DIR: { path: ['storage', 'dataDir'], kind: 'string' },
  TICKRING_BROKER: { path: ['broker', 'name'], kind: 'string' },
  TICKRING_BINANCE_API_KEY: { path: ['broker', 'binance', 'apiKey'], kind: 'string' },
  TICKRING_BINANCE_API_SECRET: { path: ['broker', 'binance', 'apiSecret'], kind: 'string' },
  TICKRING_JWT_SECRET: { path: ['auth', 'jwtSecret'], kind: 'string' },
};

function setPath(target: Record<string, any>, path: string[], value: unknown): void {
  let o = target;
  for (const key of path.slice(0, -1)) {
    if (typeof o[key] !== 'object' || o[key] === null) o[key] = {};
    o = o[key];
  }
  o[path[path.length - 1]] = value;
}

/** One problem: the key, what is wrong, the value given when it is a plain one (a typo shows), and where it came from. */
function describe(issue: z.core.$ZodIssue, source: string): string {
  const key = issue.path.length ? issue.path.map(String).join('.') : '(root)';
  const input = (issue as { input?: unknown }).input;
  const given = typeof input === 'string' || typeof input === 'number' || typeof input === 'boolean' ? `, got ${JSON.stringify(input)}` : '';
  return `${key}: ${issue.message}${given}${source ? ` (${source})` : ''}`;
}

/**
 * `overrides` are set over the file and the environment before validation
 * (a command that needs some keys fixed, e.g. `tickring backtest`), as
 * [dotted path, value] pairs.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file = env.TICKRING_CONFIG, overrides: [string, unknown][] = []): Config {
  const problems: string[] = [];
  let raw: Record<string, any> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError([`TICKRING_CONFIG: cannot read ${file}: ${(e as Error).message}`]);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ConfigError([`${file}: not valid JSON: ${(e as Error).message}`]);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError([`${file}: must hold a JSON object`]);
  }
  for (const [name, { path, kind }] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (kind === 'port') {
      if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
        problems.push(`${name}: expected a port number 0-65535, got '${value}'`);
        continue;
      }
      setPath(raw, path, Number(value));
    } else if (kind === 'boolean') {
      if (value !== 'true' && value !== 'false') {
        problems.push(`${name}: expected true or false, got '${value}'`);
        continue;
      }
      setPath(raw, path, value === 'true');
    } else setPath(raw, path, value);
  }
  for (const [key, value] of overrides) setPath(raw, key.split('.'), value);
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => describe(i, file ?? '')));
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  // zod hands out its default objects themselves: copy, so no caller's change leaks into the next load
  const config = structuredClone(parsed.data);

  // Strategy parameters are validated by each strategy's own schema.
  const ids = new Set<string>();
  config.strategies.forEach((s, i) => {
    s.id ??= s.name;
    if (ids.has(s.id)) problems.push(`strategies[${i}].id: '${s.id}' is used twice; give each instance its own id`);
    ids.add(s.id);
    const p = strategyFactory(s.name).params.safeParse(s.params, { reportInput: true });
    if (!p.success) problems.push(...p.error.issues.map((issue) => `strategies[${i}].params.${describe(issue, file ?? '')}`));
    else s.params = p.data as Record<string, unknown>;
  });
  const kite = config.feeds.kite;
  if (kite.enabled && !config.kite.apiKey) problems.push('kite.apiKey: the Kite feed needs an API key (set TICKRING_KITE_API_KEY)');
  if (kite.enabled && kite.symbols.length > 0 && !config.instrumentFiles.kite) {
    problems.push('instrumentFiles.kite: the Kite feed needs the instruments CSV to map symbols to tokens');
  }
  const broker = config.broker;
  if (broker.name === 'kite' && !config.kite.apiKey) problems.push('kite.apiKey: the kite broker needs an API key (set TICKRING_KITE_API_KEY)');
  if (broker.name === 'kite' && !broker.users[broker.user]) {
    problems.push(`broker.users: the kite broker needs the Zerodha user id of '${broker.user}' (e.g. "users": { "${broker.user}": "QSW899" })`);
  }
  if (broker.name === 'binance' && (!broker.binance.apiKey || !broker.binance.apiSecret)) {
    problems.push('broker.binance.apiKey: the binance broker needs TICKRING_BINANCE_API_KEY and TICKRING_BINANCE_API_SECRET');
  }
  if (config.feeds.replay.enabled && !config.feeds.replay.file) problems.push('feeds.replay.file: a replay needs a file (a capture, a Binance aggTrades CSV or a recorded Binance stream)');
  if (config.deterministic) {
    const live = (['simulator', 'publishers', 'binance', 'kite', 'truedata'] as const).filter((f) => config.feeds[f].enabled);
    if (!config.feeds.replay.enabled || live.length) problems.push(`deterministic: only for the replay feed${live.length ? ` (also enabled: ${live.join(', ')})` : ''}; a live feed would wait on its slowest strategy`);
    if (config.broker.name !== 'paper') problems.push('deterministic: only with the paper broker (a venue answers in its own time)');
  }
  const td = config.feeds.truedata;
  if (td.enabled && (!td.user || !td.password)) problems.push('feeds.truedata.user: the TrueData feed needs TICKRING_TRUEDATA_USER and TICKRING_TRUEDATA_PASSWORD');
  if (config.scheduling.realtime && config.rings.waitStrategy === 'busy-spin') {
    problems.push('scheduling.realtime: not with rings.waitStrategy busy-spin (a real-time thread that never parks never gives its core back)');
  }
  if (config.supervisor.restartMaxMs < config.supervisor.restartInitialMs) {
    problems.push('supervisor.restartMaxMs: must be at least supervisor.restartInitialMs');
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}
