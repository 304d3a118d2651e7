import type { Logger } from '../engine/log.js';

/**
 * Refits that failed in a row, per model (a strategy's model kind of one instrument): the first failure is logged,
 * the rest only counted (tickring_strategy_fits_failed_total), until the model fits again, which is logged with how
 * many failed before it. A series that cannot be fitted (a flat market) fails at every refit, several times a
 * second per instrument on short bars, and a line each would bury the log.
 */
export class FitFailures {
  private readonly failing = new Map<string, number>();
  constructor(private readonly log: Logger) {}

  failed(model: string, fields: Record<string, unknown>, err: Error): void {
    const failures = (this.failing.get(model) ?? 0) + 1;
    this.failing.set(model, failures);
    if (failures === 1) {
      this.log.warn({ ...fields, err: err.message }, 'model fit failed; the strategy keeps its current model (until this model fits again, its failures are counted in tickring_strategy_fits_failed_total, not logged)');
    }
  }

  fitted(model: string, fields: Record<string, unknown>): void {
    const failures = this.failing.get(model);
    if (failures === undefined) return;
    this.failing.delete(model);
    this.log.info({ ...fields, failures }, 'model fitted again after failed refits');
  }
}
