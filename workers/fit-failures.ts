import type { Logger } from '../engine/log.js';
import type { StatusRegion } from '../engine/status/status-region.js';
import type { FitKind } from '../engine/strategies/strategy.js';

/**
 * Refits that failed, per model (a strategy's model kind of one instrument): each is counted
 * (tickring_strategy_fits_failed_total); the first of a run is logged, the rest only counted until the model fits
 * again, which is logged with how many failed before it. A series that cannot be fitted (a flat market) fails at
 * every refit, several times a second per instrument on short bars, and a line each would bury the log. One policy
 * for the model pool's fits (main thread) and a deterministic replay's inline ones (strategy thread).
 */
export class FitFailures {
  private readonly failing = new Map<string, number>();
  constructor(
    private readonly log: Logger,
    private readonly status: StatusRegion,
  ) {}

  failed(strategy: string, kind: FitKind, instrumentId: number, err: Error): void {
    this.status.add(this.status.slot(`strategy.${strategy}.${kind}FitsFailed`), 1);
    const model = `${strategy} ${kind} ${instrumentId}`;
    const failures = (this.failing.get(model) ?? 0) + 1;
    this.failing.set(model, failures);
    if (failures === 1) {
      this.log.warn({ strategy, kind, instrumentId, err: err.message }, 'model fit failed; the strategy keeps its current model (until this model fits again, its failures are counted in tickring_strategy_fits_failed_total, not logged)');
    }
  }

  fitted(strategy: string, kind: FitKind, instrumentId: number): void {
    const model = `${strategy} ${kind} ${instrumentId}`;
    const failures = this.failing.get(model);
    if (failures === undefined) return;
    this.failing.delete(model);
    this.log.info({ strategy, kind, instrumentId, failures }, 'model fitted again after failed refits');
  }
}
