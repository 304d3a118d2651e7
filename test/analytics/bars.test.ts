import { describe, expect, it } from 'vitest';
import { BarBuilder, barBounds, emptyBar, TIMEFRAMES, type Bar } from '../../engine/analytics/bars.js';

const IST = (iso: string) => Date.parse(`${iso}+05:30`);
const UTC = (iso: string) => Date.parse(`${iso}Z`);

function feed(b: BarBuilder, trades: [number, number, number, number][]): Bar[] {
  const out: Bar[] = [];
  const closed = emptyBar();
  for (const [ts, p, q, side] of trades) if (b.onTrade(ts, p, q, side, closed)) out.push({ ...closed });
  return out;
}

describe('bars', () => {
  it('crypto bars align to UTC and close when a trade crosses the boundary', () => {
    const b = new BarBuilder('crypto', TIMEFRAMES.M5);
    const bars = feed(b, [
      [UTC('2024-03-01T10:00:00.000'), 100, 1, 1],
      [UTC('2024-03-01T10:02:00.000'), 103, 2, 2],
      [UTC('2024-03-01T10:04:59.999'), 99, 3, 1],
      [UTC('2024-03-01T10:05:00.000'), 101, 1, 1],
    ]);
    expect(bars).toEqual([{ start: UTC('2024-03-01T10:00:00'), end: UTC('2024-03-01T10:05:00'), open: 100, high: 103, low: 99, close: 99,
      volume: 6, buyVolume: 4, sellVolume: 2, notional: 100 + 206 + 297, trades: 3 }]);
    expect(b.current()).toMatchObject({ start: UTC('2024-03-01T10:05:00'), open: 101 });
  });

  it('a crypto D1 bar is a UTC day', () => {
    const out = new Float64Array(2);
    expect(barBounds('crypto', TIMEFRAMES.D1, UTC('2024-03-01T23:59:59'), out)).toBe(true);
    expect([...out]).toEqual([UTC('2024-03-01T00:00:00'), UTC('2024-03-02T00:00:00')]);
  });

  it('NSE bars start at the 09:15 IST open, the last one ends at 15:30, and D1 is the session', () => {
    const out = new Float64Array(2);
    expect(barBounds('nse', TIMEFRAMES.M15, IST('2024-03-01T09:14:59'), out)).toBe(false);
    expect(barBounds('nse', TIMEFRAMES.M15, IST('2024-03-01T09:15:00'), out)).toBe(true);
    expect([...out]).toEqual([IST('2024-03-01T09:15:00'), IST('2024-03-01T09:30:00')]);
    expect(barBounds('nse', TIMEFRAMES.H1, IST('2024-03-01T15:20:00'), out)).toBe(true);
    expect([...out]).toEqual([IST('2024-03-01T15:15:00'), IST('2024-03-01T15:30:00')]);
    expect(barBounds('nse', TIMEFRAMES.H4, IST('2024-03-01T14:00:00'), out)).toBe(true);
    expect([...out]).toEqual([IST('2024-03-01T13:15:00'), IST('2024-03-01T15:30:00')]);
    expect(barBounds('nse', TIMEFRAMES.D1, IST('2024-03-01T12:00:00'), out)).toBe(true);
    expect([...out]).toEqual([IST('2024-03-01T09:15:00'), IST('2024-03-01T15:30:00')]);
    expect(barBounds('nse', TIMEFRAMES.M1, IST('2024-03-01T15:30:00'), out)).toBe(false);
  });

  it('counts trades outside the NSE session without barring them', () => {
    const b = new BarBuilder('nse', TIMEFRAMES.M1);
    feed(b, [[IST('2024-03-01T08:00:00'), 1, 1, 1], [IST('2024-03-01T16:00:00'), 1, 1, 1]]);
    expect(b.outOfSession).toBe(2);
    expect(b.current()).toBeNull();
  });

  it('a late print adds volume to the current bar without moving its prices', () => {
    const b = new BarBuilder('crypto', TIMEFRAMES.M1);
    feed(b, [[UTC('2024-03-01T10:00:10'), 100, 1, 1], [UTC('2024-03-01T10:01:10'), 101, 1, 1], [UTC('2024-03-01T10:00:50'), 50, 2, 2]]);
    expect(b.current()).toMatchObject({ open: 101, high: 101, low: 101, close: 101, volume: 3 });
    expect(b.late).toBe(1);
  });

  it('a quiet market still closes its bar once the time has passed', () => {
    const b = new BarBuilder('crypto', TIMEFRAMES.M1);
    const closed = emptyBar();
    feed(b, [[UTC('2024-03-01T10:00:10'), 100, 1, 0]]);
    expect(b.closeIfDue(UTC('2024-03-01T10:00:59.999'), closed)).toBe(false);
    expect(b.closeIfDue(UTC('2024-03-01T10:01:00'), closed)).toBe(true);
    expect(closed).toMatchObject({ open: 100, close: 100, trades: 1 });
    expect(b.current()).toBeNull();
  });
});
