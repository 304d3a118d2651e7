#!/usr/bin/env -S node --use-largepages=silent
/**
 * `tickring`: the command line and the main thread. `tickring start` (the
 * default) runs the engine until SIGTERM/SIGINT.
 */
import { loadConfig } from '../engine/config/load.js';
import { createLogger } from '../engine/log.js';
import { startEngine } from './engine-runner.js';
import { collectWhenGrown } from './main-heap.js';
import { HELPER_THREAD_NICE, niceOtherThreads } from './thread-priority.js';
import { codeOnHugePagesBytes } from './code-pages.js';
import path from 'node:path';
import { openStorage, createUserFromCli } from './storage-cli.js';
import { embeddedDatabase, postgresDatabase } from '../engine/persistence/database.js';
import { migrate } from '../engine/persistence/migrate.js';
import { runCommand, UsageError } from './command-line.js';

const USAGE = `usage: tickring <command>

commands:
  start     run the engine (default): simulated feed, publishers on the ingest WebSocket
  migrate   bring the schema up to date: DATABASE_URL's, or the embedded database's
  user create --username NAME [--admin | --role admin|operator|viewer]
            add a user; the password is read from stdin
  record F  run the engine and capture every normalised tick to file F (replay it with feeds.replay)
  backtest F [--out DIR] [--speed max|realtime|N]
            the strategies, orchestrator, risk and paper broker over a replay of F (a capture or a
            Binance CSV), deterministic; writes rows, report.json and report.html to DIR
  simulate --out F [--hours 24] [--rate 4] [--seed 42]
            the simulated market written to a capture at once (for backtests)
  bench     latency and throughput benchmarks (--quick, --only SUITE[,SUITE])
  help      this text

configuration: environment variables TICKRING_HTTP_PORT, TICKRING_HTTP_HOST,
TICKRING_INGEST_PORT, TICKRING_INGEST_HOST, TICKRING_LOG_LEVEL, and an optional
JSON file named by TICKRING_CONFIG (see README.md).`;

async function start(capturePath?: string): Promise<null> {
  const config = loadConfig();
  if (capturePath) config.capture.path = capturePath;
  const log = createLogger(config.log.level, 'main');
  if (config.storage.databaseUrl) {
    try {
      const storage = await openStorage(config);
      const applied = await storage.migrate();
      if (applied.length) log.info({ applied }, 'database migrated');
      if ((await storage.userCount()) === 0) log.warn('no users yet: create the first admin with `tickring user create --admin --username NAME` (the password is read from stdin)');
      await storage.close();
    } catch (e) {
      log.fatal({ err: (e as Error).message }, 'cannot prepare the database');
      process.exit(1);
    }
  } else {
    log.warn('DATABASE_URL is not set: the control API and logins are unavailable (health and metrics work)');
  }
  // before any worker exists: only V8's and libuv's pools are niced, never a thread a tick crosses
  const helpers = niceOtherThreads(HELPER_THREAD_NICE);
  if (helpers.refused) log.warn({ niced: helpers.niced, reason: helpers.refused }, 'could not nice every helper thread');
  let engine;
  try {
    engine = await startEngine(config, log);
  } catch (e) {
    log.fatal({ err: e }, 'engine failed to start');
    process.exit(1);
  }
  const httpHost = config.http.host === '0.0.0.0' ? 'localhost' : config.http.host;
  const code = codeOnHugePagesBytes();
  const ingestHost = config.ingest.host === '0.0.0.0' ? 'localhost' : config.ingest.host;
  log.info(
    {
      httpPort: engine.ports.http,
      ingestPort: engine.ports.ingest,
      health: `http://${httpHost}:${engine.ports.http}/health/ready`,
      metrics: `http://${httpHost}:${engine.ports.http}/metrics`,
      ingest: engine.ports.ingest === null ? null : `ws://${ingestHost}:${engine.ports.ingest}/`,
      threads: engine.plan.threads,
      feeds: engine.plan.feeds,
      codeOnHugePagesMiB: code === null ? null : Math.round(code / 2 ** 20),
    },
    'tickring started',
  );
  if (code === 0 && !process.execArgv.some((a) => a.startsWith('--use-largepages'))) {
    log.warn('node\'s code is in file pages the kernel may reclaim and read back from disk in the middle of trading: start node with --use-largepages=silent (npm start, the tickring command and the image do)');
  }
  // the engine process's own heap (the main thread supervises and relays model fits): see collectWhenGrown
  const mainHeap = collectWhenGrown(60_000, 2 * 2 ** 20, (freed) => log.debug({ freedBytes: freed }, 'main thread heap collected'));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const t0 = Date.now();
    log.info({ signal }, 'shutting down: draining rings');
    mainHeap.stop();
    const clean = await engine.stop();
    log.info({ clean, ms: Date.now() - t0 }, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return null; // the engine runs until a signal
}

/** The command's exit code, or null while the engine runs. */
async function dispatch(command: string): Promise<number | null> {
  switch (command) {
    case 'start':
      return start();
    case 'record':
      if (!process.argv[3]) throw new UsageError('record needs a file: tickring record FILE');
      return start(process.argv[3]);
    case 'migrate': {
      // DATABASE_URL's server, or the embedded database under the data directory (as `start` would use)
      const { storage } = loadConfig();
      const db = storage.databaseUrl ? postgresDatabase(storage.databaseUrl) : await embeddedDatabase(path.join(storage.dataDir, 'pgdata'));
      const applied = await migrate(db);
      process.stdout.write(`${db.kind === 'embedded' ? `embedded database in ${storage.dataDir}: ` : ''}${applied.length ? `applied migrations ${applied.join(', ')}` : 'schema is up to date'}\n`);
      await db.close();
      return 0;
    }
    case 'user':
      return createUserFromCli(loadConfig(), process.argv.slice(3));
    case 'backtest':
      return (await import('./backtest-cli.js')).runBacktest(process.argv.slice(3));
    case 'simulate':
      return (await import('./backtest-cli.js')).runSimulate(process.argv.slice(3));
    case 'bench':
      return (await import('../bench/run.js')).benchCli(process.argv.slice(3));
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

// a mistake in the command line or the configuration: the message, exit code 2 (runCommand)
const code = await runCommand('tickring', USAGE, () => dispatch(process.argv[2] ?? 'start'));
if (code !== null) process.exit(code);
