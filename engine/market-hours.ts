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

export function isMarketOpen(calendar: MarketCalendar, epochMs: number): boolean {
  if (calendar === 'crypto') return true;
  const local = epochMs + IST_OFFSET_MS;
  const day = Math.floor(local / DAY_MS);
  const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday: 0 = Sunday
  if (weekday === 0 || weekday === 6) return false;
  const t = local - day * DAY_MS;
  return t >= OPEN_MS && t < CLOSE_MS;
}
