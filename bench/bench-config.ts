import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../engine/config/load.js';
import type { Config } from '../engine/config/schema.js';

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
  return loadConfig({ TICKRING_HTTP_PORT: '0', TICKRING_LOG_LEVEL: 'warn', TICKRING_DATA_DIR: dataDir, ...env }, '');
}
