import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compiled, ROOT } from './compiled.js';
import { freshDatabase } from './services.js';

export interface EngineProcess {
  child: ChildProcess;
  httpPort: number;
  ingestPort: number;
  /** Every JSON log line so far. */
  logs: Record<string, any>[];
  stderr: string[];
  /** The database the engine stores into (null: embedded). Dropped after exit when the helper made it. */
  databaseUrl: string | null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  get(route: string): Promise<{ status: number; body: any; text: string }>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts the real engine process (as `npm start` would) on free ports with an
 * optional config file. Its data directory is a fresh temporary one. Storage:
 * `npm start` runs on its default (embedded PostgreSQL); otherwise, unless the
 * test brings its own DATABASE_URL, a throwaway database on the real server
 * (dropped when the engine stops).
 */
export async function startEngineProcess(
  config: Record<string, unknown> = {},
  env: Record<string, string> = {},
  how: 'node' | 'npm start' = 'node',
  command: string[] = ['start'],
): Promise<EngineProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tickring-e2e-'));
  const file = path.join(dir, 'tickring.json');
  // Tests run the latency probe unless they say otherwise: it signals on every Nth tick, so they can count
  // signals; `npm start` keeps the engine's own default (the two desk strategies).
  writeFileSync(file, JSON.stringify(how === 'node' && !('strategies' in config) ? { ...config, strategies: [{ name: 'latency-probe', params: {} }] } : config));
  const db = how === 'node' && !env.DATABASE_URL ? await freshDatabase() : null;
  const storageEnv: Record<string, string> = { TICKRING_DATA_DIR: path.join(dir, 'var'), ...(db ? { DATABASE_URL: db.url } : {}) };
  const [cmd, args] = how === 'node' ? [process.execPath, ['--use-largepages=silent', compiled('workers/main.js'), ...command]] : ['npm', ['start', '--silent']];
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, TICKRING_HTTP_PORT: '0', TICKRING_INGEST_PORT: '0', TICKRING_CONFIG: file, ...storageEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // npm runs the engine as its child: give them a process group to signal together
    detached: how !== 'node',
  });
  const signal = (sig: NodeJS.Signals) => (how === 'node' ? child.kill(sig) : process.kill(-child.pid!, sig));
  const logs: Record<string, any>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined && v !== false) return v as T;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}\nstderr: ${stderr.join('')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  void exited.then(() => db?.drop().catch(() => {}));
  const started = await Promise.race([
    waitFor('the engine to start', async () => logs.find((l) => l.msg === 'tickring started'), 15_000),
    exited.then(({ code }) => {
      throw new Error(`engine exited with ${code} before starting: ${stderr.join('')}`);
    }),
  ]).catch((e) => {
    signal('SIGKILL'); // an engine that did not start must not outlive the test (it would slow every later one)
    throw e;
  });
  const httpPort = started.httpPort as number;
  const get = async (route: string) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}${route}`);
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text };
  };
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const { text } = await get('/metrics');
    return parseMetric(text, name, labels);
  };
  return {
    child, httpPort, ingestPort: started.ingestPort, logs, stderr, exited, get, metric, waitFor, databaseUrl: db?.url ?? env.DATABASE_URL ?? null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGTERM');
        const t = setTimeout(() => signal('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/**
 * `startEngineProcess` for the tests of one file: every engine a test starts is stopped after that test, whatever
 * happened in it (stopping twice is harmless).
 */
export function enginesPerTest(): typeof startEngineProcess {
  const started: EngineProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.stop()));
  });
  return async (...args) => {
    const e = await startEngineProcess(...args);
    started.push(e);
    return e;
  };
}

/** The value of one sample in Prometheus text, matching every given label; NaN when absent. */
export function parseMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) got[k] = v;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return NaN;
}

/**
 * A simulated market the latency probe trades blindly: a signal every `every` ticks with a 20 bps stop,
 * entries of about a tenth of equity (0.02% at risk) so the RiskLevel keeps them flowing, and loss limits
 * off so a strategy with no edge keeps trading. For tests about the order flow, not about P&L.
 */
export function probeTrading(every: number): Record<string, unknown> {
  return {
    feeds: { simulator: { ticksPerSecond: 2000 }, publishers: { enabled: false } },
    strategies: [{ name: 'latency-probe', params: { every, stopBps: 20, conviction: 0.9 } }],
    risk: { riskPerTradePct: 0.02, circuit: { dailyLossPct: 100, drawdownPct: 100 } },
  };
}
