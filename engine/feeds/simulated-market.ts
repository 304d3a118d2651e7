import { Side, TickKind, TICK_FLAG_SIMULATED, type Tick } from '../../native-free-ringbuffer/index.js';
import { Random } from '../random.js';

/**
 * A seeded, reproducible simulated market: the default feed. Per instrument,
 * the price follows a random walk whose volatility switches between four
 * regimes (calm, normal, volatile, extreme) as a Markov chain; trade sizes are
 * heavy-tailed (Pareto) with occasional whale prints; a bid/ask quote with a
 * volatility-dependent spread brackets every trade, and the aggressor side
 * follows the move. The same seed and instruments give the same ticks.
 */
export const REGIME_SIGMA = [0.00004, 0.0001, 0.0003, 0.0012] as const;
/** Probability per tick of leaving the current regime. */
const REGIME_SWITCH = 0.0005;
const WHALE_PROBABILITY = 0.002;
const SIZE_TAIL = 1.6;

export const START_PRICE: Record<string, number> = { BTCUSDT: 60000, ETHUSDT: 3000, SOLUSDT: 150, BNBUSDT: 550 };

export interface SimulatedInstrument {
  id: number;
  symbol: string;
}

export class SimulatedMarket {
  private readonly rng: Random;
  private readonly ids: Int32Array;
  private readonly price: Float64Array;
  private readonly regime: Uint8Array;
  private readonly baseSize: Float64Array;
  private readonly tickSize: Float64Array;
  private readonly lotSize: Float64Array;
  private seq = 0;

  constructor(instruments: readonly SimulatedInstrument[], seed: number) {
    if (instruments.length === 0) throw new Error('the simulated market needs at least one instrument');
    this.rng = new Random(seed);
    const n = instruments.length;
    this.ids = Int32Array.from(instruments, (i) => i.id);
    this.price = Float64Array.from(instruments, (i) => START_PRICE[i.symbol] ?? 100);
    this.regime = new Uint8Array(n).fill(1);
    this.baseSize = Float64Array.from(this.price, (p) => 2000 / p); // ~$2k notional per typical trade
    this.tickSize = Float64Array.from(this.price, (p) => (p >= 1000 ? 0.1 : p >= 10 ? 0.01 : 0.0001));
    this.lotSize = Float64Array.from(this.baseSize, (b) => 10 ** (Math.floor(Math.log10(b)) - 3));
  }

  /** Regime (0..3) of the i-th instrument, for tests and diagnostics. */
  regimeOf(index: number): number {
    return this.regime[index];
  }

  /** Fills `t` with the next tick at time `nowNs` (ns since the clock anchor). Allocation-free. */
  next(t: Tick, nowNs: number): Tick {
    const rng = this.rng;
    const i = Math.floor(rng.next() * this.ids.length);
    let r = this.regime[i];
    if (rng.next() < REGIME_SWITCH) {
      r = r === 0 ? 1 : r === 3 ? 2 : rng.next() < 0.5 ? r - 1 : r + 1;
      this.regime[i] = r;
    }
    const sigma = REGIME_SIGMA[r];
    const ret = sigma * rng.normal();
    const tick = this.tickSize[i];
    const mid = Math.max(tick, this.price[i] * Math.exp(ret));
    this.price[i] = mid;
    const halfSpread = Math.max(tick, Math.round((mid * (0.00002 + sigma)) / tick) * tick) / 2;
    const side = ret > 0 ? Side.Buy : ret < 0 ? Side.Sell : rng.next() < 0.5 ? Side.Buy : Side.Sell;
    const bid = Math.round((mid - halfSpread) / tick) * tick;
    const ask = Math.max(bid + tick, Math.round((mid + halfSpread) / tick) * tick);
    let qty = this.baseSize[i] * rng.pareto(SIZE_TAIL);
    if (rng.next() < WHALE_PROBABILITY) qty *= 50 + 150 * rng.next();
    t.instrumentId = this.ids[i];
    t.exchangeTs = nowNs;
    t.recvTs = nowNs;
    t.price = side === Side.Buy ? ask : bid;
    t.qty = this.lots(i, qty);
    t.bid = bid;
    t.ask = ask;
    t.bidQty = this.lots(i, this.baseSize[i] * rng.pareto(SIZE_TAIL) * 5);
    t.askQty = this.lots(i, this.baseSize[i] * rng.pareto(SIZE_TAIL) * 5);
    t.feedSeq = ++this.seq;
    t.side = side;
    t.kind = TickKind.Trade;
    t.flags = TICK_FLAG_SIMULATED;
    return t;
  }

  private lots(i: number, qty: number): number {
    const lot = this.lotSize[i];
    return Math.max(1, Math.round(qty / lot)) * lot;
  }
}
