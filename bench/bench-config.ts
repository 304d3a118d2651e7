import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../engine/config/load.js';
import type { Config } from '../engine/config/schema.js';
import { createLogger } from '../engine/log.js';
import { StoreState } from '../engine/status/status-region.js';
import { startEngine, type RunningEngine } from '../workers/engine-runner.js';
import { ModelPool } from '../workers/model-pool.js';
import { HELPER_THREAD_NICE, niceOtherThreads } from '../workers/thread-priority.js';
import { storedRegimeClassifier, trainRegimeClassifier, wantsRegimeClassifier } from '../workers/regime-model.js';

let dataDir: string | null = null;

/**
 * The engine's defaults as `npm start` has them (embedded storage included),
 * on free ports, quiet, with its data directory in a temporary folder of this
 * bench run (removed at exit) so benches never touch ./var.
 */
export function benchConfig(env: Record<string, string> = {}): Config {
  if (!dataDir) {
    const dir = mkdtempSync(path.join(tmpdir(), 'tickring-bench-'));
    dataDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  // DATABASE_URL, when set, benches the engine on that PostgreSQL server instead of the embedded one
  const storage = process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {};
  return loadConfig({ TICKRING_HTTP_PORT: '0', TICKRING_LOG_LEVEL: 'warn', TICKRING_DATA_DIR: dataDir, ...storage, ...env }, '');
}

/**
 * Starts the engine and waits until its storage is up (embedded PostgreSQL
 * takes a few seconds of CPU to start), with its trained models in place:
 * benches measure the engine running, not booting.
 */
export async function startBenchEngine(config: Config): Promise<RunningEngine> {
  const log = createLogger('warn', 'bench');
  // the regime classifier is trained once per data directory: before the engine, not in its measured window
  if (wantsRegimeClassifier(config) && !storedRegimeClassifier(config, log)) {
    const pool = new ModelPool(1);
    await trainRegimeClassifier(config, log, pool).finally(() => pool.close());
  }
  niceOtherThreads(HELPER_THREAD_NICE); // as the engine process does before its workers (workers/main.ts)
  const engine = await startEngine(config, log);
  const state = engine.status.slot('store.state');
  for (const deadline = Date.now() + 60_000; engine.status.get(state) !== StoreState.Writing; ) {
    if (Date.now() > deadline) {
      await engine.stop();
      throw new Error('the engine storage did not come up within 60 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return engine;
}
