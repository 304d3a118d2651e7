/**
 * When a market is open, for staleness checks: crypto always; NSE Monday to
 * Friday 09:15-15:30 IST. Exchange holidays are not modelled: on a holiday an
 * Indian feed may be reported stale during session hours.
 */
const IST_OFFSET_MS = 5.5 * 3_600_000;
const DAY_MS = 86_400_000;
const OPEN_MS = (9 * 60 + 15) * 60_000;
const CLOSE_MS = (15 * 60 + 30) * 60_000;

export type MarketCalendar = 'crypto' | 'nse';

/** Days since 1970-01-01 in India (the IST calendar date as a number). */
export const istDay = (epochMs: number): number => Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);

/** Minutes since midnight IST. */
export const istMinuteOfDay = (epochMs: number): number => Math.floor(((epochMs + IST_OFFSET_MS) % DAY_MS) / 60_000);

/** 'HH:MM' to minutes since midnight. */
export function minuteOfDay(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`expected a time of day as HH:MM, got '${hhmm}'`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export const NSE_OPEN_MINUTE = OPEN_MS / 60_000;
export const NSE_CLOSE_MINUTE = CLOSE_MS / 60_000;

export function isMarketOpen(calendar: MarketCalendar, epochMs: number): boolean {
  if (calendar === 'crypto') return true;
  const day = istDay(epochMs);
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday: 0 = Sunday
  if (weekday === 0 || weekday === 6) return false;
  const t = istMinuteOfDay(epochMs) * 60_000 + ((epochMs + IST_OFFSET_MS) % 60_000);
  return t >= OPEN_MS && t < CLOSE_MS;
}
