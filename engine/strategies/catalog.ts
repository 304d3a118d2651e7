import type { StrategyFactory } from './strategy.js';
import { latencyProbe } from './latency-probe.js';
import { volumeScalper } from './volume-scalper.js';
import { regimeDetector } from './regime-detector.js';

/** The approved strategies: only these can be named in config. */
export const STRATEGY_CATALOG: Readonly<Record<string, StrategyFactory<any>>> = {
  [latencyProbe.name]: latencyProbe,
  [volumeScalper.name]: volumeScalper,
  [regimeDetector.name]: regimeDetector,
};

export function strategyFactory(name: string): StrategyFactory<any> {
  const f = STRATEGY_CATALOG[name];
  if (!f) throw new Error(`unknown strategy '${name}': approved strategies are ${Object.keys(STRATEGY_CATALOG).join(', ')}`);
  return f;
}
