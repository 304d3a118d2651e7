import { Side, TickKind, TICK_FLAG_SIMULATED, type Tick } from '../../native-free-ringbuffer/index.js';
import { START_PRICE, type SimulatedInstrument } from './simulated-market.js';

/**
 * A scripted market that makes the desk strategies signal at a known rate,
 * for measuring tick-to-signal through them (the random simulator rarely
 * makes them act). Instruments take turns, one trade each. Per instrument,
 * every `cycleTrades` trades:
 *
 * - small trades, buys and sells in turn, at a centre price (the volume
 *   profile's point of control), quoted one step (2 bps) either side;
 * - at 40% of the cycle a whale buy one step below the centre, then trades one step above
 *   for a while: whale, POC cross up and rising delta, the volume scalper's LONG;
 * - at 80% the mirror image: its SHORT;
 * - every `shockCycles`-th cycle is a shock's instead: the price stands 2%
 *   higher for its first `shockTrades` trades (longer than a 50 ms bar of the
 *   regime detector at the bench's rates): a bar return of many GARCH sigmas,
 *   its black-swan FLAT (and on the way back another, unless the sigma the jump
 *   raised covers it). Rare (every 64th cycle
 *   by default): shocks every few bars would be the volatility GARCH expects.
 *
 * So the scalper signals twice in each other cycle per instrument when its
 * cooldown allows; the detector on each shock once it has its first 30 bars.
 * Deterministic: no randomness at all.
 */
export interface ScriptOptions {
  cycleTrades: number;
  shockCycles: number;
  shockTrades: number;
  /** Whale print notional, USD (the scalper's default threshold is 50,000). */
  whaleUsd: number;
}

export const DEFAULT_SCRIPT: ScriptOptions = { cycleTrades: 250, shockCycles: 64, shockTrades: 200, whaleUsd: 75_000 };

/**
 * Trades after a whale's cross stay one tick off the centre this long (the scalper's whale memory is
 * 50 trades): one cross, one signal. The rest of the cycle trades at the centre, so it is the POC.
 */
const HOLD = 50;

export class ScriptedMarket {
  private readonly ids: Int32Array;
  private readonly centre: Float64Array;
  private readonly step: Float64Array;
  private readonly baseQty: Float64Array;
  /** Trades so far per instrument. */
  private readonly count: Float64Array;
  /** Whose turn it is. */
  private turn = 0;
  private seq = 0;

  constructor(instruments: readonly SimulatedInstrument[], private readonly o: ScriptOptions = DEFAULT_SCRIPT) {
    if (instruments.length === 0) throw new Error('the scripted market needs at least one instrument');
    if (!(o.cycleTrades >= 4 * HOLD) || !(o.shockCycles >= 2) || !(o.shockTrades >= 1) || o.shockTrades >= o.cycleTrades) throw new Error('script: cycleTrades >= 200, shockCycles >= 2, 1 <= shockTrades < cycleTrades');
    this.ids = Int32Array.from(instruments, (i) => i.id);
    this.centre = Float64Array.from(instruments, (i) => START_PRICE[i.symbol] ?? 100);
    // one step is 2 bps in whole ticks: wider than the scalper's 1-bp profile bins, so a step crosses the POC's bin
    this.step = Float64Array.from(this.centre, (p) => {
      const tick = p >= 1000 ? 0.1 : p >= 10 ? 0.01 : 0.0001;
      return Math.max(tick, Math.round((p * 2e-4) / tick) * tick);
    });
    this.baseQty = Float64Array.from(this.centre, (p) => 1000 / p); // ~$1k a trade
    this.count = new Float64Array(instruments.length);
  }

  /** Fills `t` with the next scripted trade at time `nowNs` (ns since the clock anchor). Allocation-free. */
  next(t: Tick, nowNs: number): Tick {
    const i = this.turn;
    this.turn = (i + 1) % this.ids.length;
    const n = this.count[i]++;
    const { cycleTrades, shockCycles, shockTrades, whaleUsd } = this.o;
    const k = n % cycleTrades;
    const tick = this.step[i];
    // every shockCycles-th cycle is a shock's: the centre stands 2% higher for its first shockTrades trades, no whales
    const shockCycle = n >= cycleTrades * shockCycles && Math.floor(n / cycleTrades) % shockCycles === 0;
    const shocked = shockCycle && k < shockTrades;
    const centre = shocked ? Math.round((this.centre[i] * 1.02) / tick) * tick : this.centre[i];
    const up = Math.round(0.4 * cycleTrades);
    const down = Math.round(0.8 * cycleTrades);
    let price = centre;
    let qty = this.baseQty[i];
    let side = k % 2 === 0 ? Side.Buy : Side.Sell;
    if (!shockCycle && (k === up || k === down)) {
      // the whale, one step below the centre for a buy (so the next trade crosses the POC from below, wherever
      // in its bin the POC's price sits), above for a sell; the centre keeps the most volume all the same
      qty = whaleUsd / centre;
      side = k === up ? Side.Buy : Side.Sell;
      price = centre + (side === Side.Buy ? -tick : tick);
    } else if (!shockCycle && k > up && k <= up + HOLD) {
      price = centre + tick; // crosses the POC once (from the whale's print), then stays above it
      if (k === up + 1) side = Side.Buy;
    } else if (!shockCycle && k > down && k <= down + HOLD) {
      price = centre - tick;
      if (k === down + 1) side = Side.Sell;
    }
    t.instrumentId = this.ids[i];
    t.exchangeTs = nowNs;
    t.recvTs = nowNs;
    t.price = price;
    t.qty = qty;
    t.bid = centre - tick;
    t.ask = centre + tick;
    t.bidQty = t.askQty = 10 * this.baseQty[i];
    t.feedSeq = ++this.seq;
    t.side = side;
    t.kind = TickKind.Trade;
    t.flags = TICK_FLAG_SIMULATED;
    return t;
  }
}
