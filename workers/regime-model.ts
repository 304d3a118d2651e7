import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../engine/config/schema.js';
import type { Logger } from '../engine/log.js';
import { MODEL_VERSION, RegimeClassifier } from '../engine/analytics/regime-classifier.js';
import type { ModelPool } from './model-pool.js';
import { strategyFactory } from '../engine/strategies/catalog.js';

/**
 * The regime detector's ML classifier, for the main thread to hand to the
 * strategy threads: read from the data directory, or trained once in the
 * model pool on the built-in data set (seeded: every training gives the same
 * trees) and kept there.
 */
/** The strategies (by id) whose parameters ask for the regime classifier. */
export function regimeClassifierUsers(config: Config): string[] {
  return config.strategies.filter((s) => strategyFactory(s.name).models?.(s.params)?.includes('regimeClassifier')).map((s) => s.id ?? s.name);
}

export function wantsRegimeClassifier(config: Config): boolean {
  return regimeClassifierUsers(config).length > 0;
}

const modelFile = (config: Config) => path.join(config.storage.dataDir, 'models', `regime-classifier-v${MODEL_VERSION}.msgpack`);

/** The stored model, or null when there is none (or it cannot be read: then it is trained again). */
export function storedRegimeClassifier(config: Config, log: Logger): SharedArrayBuffer | null {
  const file = modelFile(config);
  if (!existsSync(file)) return null;
  try {
    const bytes = readFileSync(file);
    RegimeClassifier.deserialize(bytes);
    return shared(bytes);
  } catch (e) {
    log.warn({ file, err: (e as Error).message }, 'the stored regime classifier cannot be read: training a new one');
    return null;
  }
}

export async function trainRegimeClassifier(config: Config, log: Logger, pool: ModelPool): Promise<SharedArrayBuffer> {
  const file = modelFile(config);
  log.info({ file }, 'training the regime classifier (once per data directory, a few seconds)');
  const { result, ms } = await pool.trainRegimeClassifier();
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, result);
  renameSync(tmp, file); // whole or not at all, also when two engines share the directory
  log.info({ file, ms: Math.round(ms), bytes: result.length }, 'regime classifier trained');
  return shared(result);
}

/** Every strategy thread reads the same bytes; none gets a copy. */
function shared(bytes: Uint8Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes.length);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}
