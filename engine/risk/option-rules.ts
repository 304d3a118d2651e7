import type { InstrumentInfo } from '../instruments/registry.js';
import { isMarketOpen, istDay, istMinuteOfDay, minuteOfDay } from '../market-hours.js';

/**
 * Entry rules for options. An instrument is an option when the instrument
 * registry says so (its option type is CE, PE, CALL or PUT): never from a
 * guess or an unset variable. Options are entered only while NSE trades
 * (09:15-15:30 IST, Monday to Friday) and not after `cutoff`; on the
 * option's expiry day, entries may be refused, stopped earlier
 * (`expiryDay.cutoff`) and made smaller (`expiryDay.sizeFactor`).
 * Exits are never held back by these rules.
 */
export interface OptionRulesOptions {
  /** No new option positions after this time of day (IST, HH:MM). */
  cutoff: string;
  expiryDay: {
    allowEntries: boolean;
    cutoff: string;
    sizeFactor: number;
  };
}

export const DEFAULT_OPTION_RULES: OptionRulesOptions = { cutoff: '15:00', expiryDay: { allowEntries: true, cutoff: '13:30', sizeFactor: 0.5 } };

export type OptionVerdict = { allowed: true; sizeFactor: number } | { allowed: false; reason: 'outside_nse_hours' | 'after_cutoff' | 'expiry_day' | 'expiry_day_cutoff' | 'expired' };

/** The common verdict (not an option, or an option within its rules), shared: the order path allocates none for it. */
const FULL_SIZE: OptionVerdict = Object.freeze({ allowed: true, sizeFactor: 1 });

export class OptionRules {
  private readonly cutoff: number;
  private readonly expiryCutoff: number;

  constructor(private readonly o: OptionRulesOptions = DEFAULT_OPTION_RULES) {
    this.cutoff = minuteOfDay(o.cutoff);
    this.expiryCutoff = minuteOfDay(o.expiryDay.cutoff);
  }

  static isOption(i: InstrumentInfo | undefined): boolean {
    return i?.optionType != null;
  }

  /** May a new position in `i` be opened at `nowMs`, and at what size factor. */
  entry(i: InstrumentInfo | undefined, nowMs: number): Readonly<OptionVerdict> {
    if (!OptionRules.isOption(i)) return FULL_SIZE;
    if (!isMarketOpen('nse', nowMs)) return { allowed: false, reason: 'outside_nse_hours' };
    const minute = istMinuteOfDay(nowMs);
    if (minute >= this.cutoff) return { allowed: false, reason: 'after_cutoff' };
    if (Number.isFinite(i!.expiry)) {
      const today = istDay(nowMs);
      const expiryDay = istDay(i!.expiry);
      if (today > expiryDay) return { allowed: false, reason: 'expired' };
      if (today === expiryDay) {
        if (!this.o.expiryDay.allowEntries) return { allowed: false, reason: 'expiry_day' };
        if (minute >= this.expiryCutoff) return { allowed: false, reason: 'expiry_day_cutoff' };
        return { allowed: true, sizeFactor: this.o.expiryDay.sizeFactor };
      }
    }
    return FULL_SIZE;
  }
}
