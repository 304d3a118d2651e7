import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { emptyTick, Side, SignalSide, TickKind, type Signal, type Tick } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry, parseBinanceExchangeInfo, type InstrumentInfo } from '../../engine/instruments/registry.js';
import { VS_REASON, volumeScalper } from '../../engine/strategies/volume-scalper.js';
import { BinanceNormalizer } from '../../engine/feeds/binance/binance-normalizer.js';
import { sharedData } from '../helpers/shared-data.js';

const clock = new Clock(createClockAnchor());
const usd: InstrumentInfo = { symbol: 'BTCUSDT', exchange: 'BINANCE', segment: 'SPOT', tickSize: 0.01, lotSize: 0.001, expiry: NaN, strike: 0, optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: 'USDT', minNotional: 0 };
const inr: InstrumentInfo = { ...usd, symbol: 'NSE:RELIANCE', exchange: 'NSE', segment: 'NSE', quoteAsset: 'INR', tickSize: 0.05 };

function scalper(instruments: InstrumentInfo[] = [usd], params: Record<string, unknown> = {}) {
  return volumeScalper.create(volumeScalper.params.parse(params), { strategyId: 2, instruments, toEpochMs: (ns) => clock.toEpochMs(ns) });
}

/** A trade tick at a time in ms from a fixed start (NSE session hours, so NSE bars form too). */
const START = Date.parse('2024-03-01T05:00:00Z'); // 10:30 IST
function trade(price: number, qty: number, side: number, ms: number, instrumentId = 1, spread = 0.02): Tick {
  return { ...emptyTick(), instrumentId, kind: TickKind.Trade, price, qty, side, exchangeTs: clock.fromEpochMs(START + ms), recvTs: clock.fromEpochMs(START + ms), bid: price - spread / 2, ask: price + spread / 2, bidQty: 5, askQty: 5 };
}

/** 400 balanced trades around 100 (POC 100.00), then a drift below it. */
function build(s: ReturnType<typeof scalper>, instrumentId = 1, base = 100, step = 0.01): number {
  let ms = 0;
  for (let i = 0; i < 400; i++) {
    const offset = [0, 0, 0, 1, -1, 0, 2, -2][i % 8] * step;
    expect(s.onTick(trade(base + offset, 1, i % 2 ? Side.Buy : Side.Sell, (ms += 100), instrumentId))).toBeNull();
  }
  return ms;
}

function collect(s: ReturnType<typeof scalper>, ticks: Tick[]): Signal[] {
  const out: Signal[] = [];
  for (const t of ticks) {
    const sig = s.onTick(t);
    if (sig) out.push({ ...sig });
  }
  return out;
}

describe('Institutional Volume Scalper', () => {
  it('whale buying through the POC with rising delta gives LONG, with its reasons, stop below and target above', () => {
    const s = scalper();
    let ms = build(s);
    const signals = collect(s, [trade(99.97, 1, Side.Sell, (ms += 100)), trade(99.98, 2, Side.Buy, (ms += 100)), trade(100.01, 600, Side.Buy, (ms += 100))]);
    expect(signals).toHaveLength(1);
    const sig = signals[0];
    expect(sig).toMatchObject({ side: SignalSide.Long, instrumentId: 1, price: 100.01, strategyId: 2 });
    expect(sig.reasons & (VS_REASON.WHALE_BUY | VS_REASON.POC_CROSS_UP | VS_REASON.DELTA_RISING)).toBe(VS_REASON.WHALE_BUY | VS_REASON.POC_CROSS_UP | VS_REASON.DELTA_RISING);
    expect(sig.stop).toBeLessThan(100);
    expect(sig.target - sig.price).toBeGreaterThanOrEqual(1.5 * (sig.price - sig.stop) - 1e-9);
    expect(sig.strength).toBeGreaterThan(0);
    expect(sig.confidence).toBeGreaterThan(0.5);
  });

  it('whale selling through the POC with falling delta gives SHORT', () => {
    const s = scalper();
    let ms = build(s);
    const signals = collect(s, [trade(100.03, 1, Side.Buy, (ms += 100)), trade(100.02, 2, Side.Sell, (ms += 100)), trade(99.99, 600, Side.Sell, (ms += 100))]);
    expect(signals.map((x) => [x.side, x.reasons & VS_REASON.WHALE_SELL])).toEqual([[SignalSide.Short, VS_REASON.WHALE_SELL]]);
    expect(signals[0].stop).toBeGreaterThan(100);
    expect(signals[0].target).toBeLessThan(signals[0].price);
  });

  it('the same cross without a whale, or against the delta, gives nothing', () => {
    const s = scalper();
    let ms = build(s);
    expect(collect(s, [trade(99.97, 1, Side.Sell, (ms += 100)), trade(100.01, 5, Side.Buy, (ms += 100))])).toEqual([]);
    const t = scalper();
    ms = build(t);
    // a whale buy earlier, then heavy selling drives the delta down before the cross
    const seq = [trade(99.97, 600, Side.Buy, (ms += 100)), ...Array.from({ length: 10 }, () => trade(99.96, 80, Side.Sell, (ms += 100))), trade(100.01, 1, Side.Buy, (ms += 100))];
    expect(collect(t, seq)).toEqual([]);
  });

  it('INR instruments: the whale threshold is converted (50k USD x 83 = 4.15M INR)', () => {
    const s = scalper([inr]);
    let ms = build(s, 1, 2500, 0.05);
    // 1,000 shares at 2,500.05 = 2.5M INR: not a whale
    expect(collect(s, [trade(2499.9, 1, Side.Sell, (ms += 100)), trade(2500.05, 1000, Side.Buy, (ms += 100))])).toEqual([]);
    const t = scalper([inr]);
    ms = build(t, 1, 2500, 0.05);
    // 2,000 shares = 5M INR: a whale
    expect(collect(t, [trade(2499.9, 1, Side.Sell, (ms += 100)), trade(2500.05, 2000, Side.Buy, (ms += 100))]).map((x) => x.side)).toEqual([SignalSide.Long]);
  });

  it('a wide spread vetoes the entry', () => {
    const s = scalper();
    let ms = build(s);
    const wide = trade(100.01, 600, Side.Buy, (ms += 100), 1, 1.0); // 100 bps
    expect(collect(s, [trade(99.97, 1, Side.Sell, (ms += 100)), wide])).toEqual([]);
  });

  it('runs over the recorded Binance futures stream without error', () => {
    const reg = new InstrumentRegistry(parseBinanceExchangeInfo(JSON.parse(readFileSync(sharedData('binance-recorded/exchangeInfo.futures.json'), 'utf8')), 'BINANCE_FUTURES'));
    const instruments = Array.from({ length: reg.size }, (_, i) => reg.info(i + 1)!);
    const s = scalper(instruments, { whaleUsd: 1000 });
    const n = new BinanceNormalizer(reg, clock, 'futures', 1, emptyTick());
    let trades = 0;
    for (const line of readFileSync(sharedData('binance-recorded/BINANCE_FUTURES.ws.1.0'), 'utf8').split('\n').slice(1)) {
      if (!line) continue;
      n.onMessage(line.slice(line.indexOf(': ') + 2), (t) => {
        if (t.kind === TickKind.Trade) trades++;
        expect(() => s.onTick(t)).not.toThrow();
      });
    }
    expect(trades).toBeGreaterThan(50);
  });

  it('a trade its volume profile cannot hold is counted, and the count outlives a parameter change', () => {
    const s = scalper(); // 1-bp bins of 100: the 4,096-level ladder reaches about 41 either way
    let ms = build(s);
    expect(s.ignoredTrades!()).toBe(0);
    s.onTick(trade(150, 1, Side.Buy, (ms += 100)));
    expect(s.ignoredTrades!()).toBe(1);
    s.setParams({ whaleUsd: 60_000 });
    ms = build(s);
    s.onTick(trade(50, 1, Side.Sell, (ms += 100)));
    s.onTick(trade(100.01, 1, Side.Sell, (ms += 100)));
    expect(s.ignoredTrades!()).toBe(2);
  });

  it('parameters are validated, and a change takes effect', () => {
    expect(volumeScalper.params.safeParse({ whaleUsd: -1 }).success).toBe(false);
    expect(volumeScalper.params.safeParse({ nope: 1 }).success).toBe(false);
    const s = scalper();
    s.setParams({ whaleUsd: 1_000_000 });
    let ms = build(s);
    expect(collect(s, [trade(99.97, 1, Side.Sell, (ms += 100)), trade(100.01, 600, Side.Buy, (ms += 100))])).toEqual([]); // 60k is no whale now
  });
});
