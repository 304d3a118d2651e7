import { Side } from '../../native-free-ringbuffer/index.js';
import { PriceLadder } from './price-ladder.js';

/**
 * Order flow: where volume traded, who was aggressive, and what that says.
 * Updates are O(1) and allocation-free; summaries (POC, value area, footprint
 * statistics) are computed on demand over the traded range.
 */

// ------------------------------------------------------------- volume profile
const enum VaPhase {
  Idle,
  Scan,
  Expand,
}

export interface ValueArea {
  poc: number;
  vah: number;
  val: number;
  /** Volume inside the value area over total volume. */
  coverage: number;
}

/**
 * Volume by price over all trades, or a rolling window of the last
 * `windowTrades` trades. Value area by the standard expansion: start at the
 * point of control (the level with most volume; ties go to the level nearest
 * the middle of the range), then repeatedly add whichever pair of levels -
 * the two above or the two below the area - holds more volume (above wins a
 * tie), until the area holds `share` (70%) of the volume.
 */
export class VolumeProfile {
  readonly ladder: PriceLadder;
  private readonly windowPrice: Float64Array;
  private readonly windowQty: Float64Array;
  private readonly windowSide: Uint8Array;
  private windowHead = 0;
  private windowCount = 0;
  private allTrades = 0;
  totalVolume = 0;
  /** Trades left out because their price would stretch the profile beyond its ladder's capacity (counted, never silent). */
  refused = 0;

  constructor(tickSize: number, readonly windowTrades = 0, capacity = 4096) {
    this.ladder = new PriceLadder(tickSize, capacity);
    this.windowPrice = new Float64Array(windowTrades);
    this.windowQty = new Float64Array(windowTrades);
    this.windowSide = new Uint8Array(windowTrades);
  }

  add(price: number, qty: number, side: number): void {
    if (!(qty > 0)) return; // only volume makes a level: a zero or NaN quantity would count as a trade on it
    const i = this.ladder.add(price, qty, side);
    if (i < 0) {
      this.refused++;
      return;
    }
    this.totalVolume += qty;
    this.allTrades++;
    const n = this.windowTrades;
    if (n === 0) return;
    if (this.windowCount === n) {
      // evict the oldest trade (by price: ladder indexes move when it recentres)
      const old = this.windowHead;
      this.ladder.removeAt(this.ladder.index(this.windowPrice[old]), this.windowQty[old], this.windowSide[old]);
      this.totalVolume -= this.windowQty[old];
    } else this.windowCount++;
    this.windowPrice[this.windowHead] = price;
    this.windowQty[this.windowHead] = qty;
    this.windowSide[this.windowHead] = side;
    this.windowHead = (this.windowHead + 1) % n;
  }

  /** Trades in the profile (in the window, when it is rolling). */
  get trades(): number {
    return this.windowTrades > 0 ? this.windowCount : this.allTrades;
  }

  /** Point of control and value area holding `share` of the volume, computed now; NaNs when empty. */
  valueArea(share = 0.7, out: ValueArea = { poc: NaN, vah: NaN, val: NaN, coverage: 0 }): ValueArea {
    this.beginValueArea(share);
    this.advanceValueArea(Infinity, out);
    return out;
  }

  // The value-area computation, resumable: its work grows with the traded range (hundreds of
  // levels when price runs), so a hot path does it a bounded number of levels at a time
  private vaPhase = VaPhase.Idle;
  private vaMoves = 0;
  private vaLo = 0;
  private vaHi = -1;
  private vaMid = 0;
  private vaI = 0;
  private vaTotal = 0;
  private vaBest = -1;
  private vaPoc = 0;
  private vaShare = 0.7;
  private vaUp = 0;
  private vaDown = 0;
  private vaInside = 0;

  /** Starts computing the value area of the profile as it is now; `advanceValueArea` carries it out. */
  beginValueArea(share = 0.7): void {
    const { ladder } = this;
    this.vaShare = share;
    this.vaMoves = ladder.moves;
    this.vaLo = ladder.lo;
    this.vaHi = ladder.hi;
    this.vaMid = (ladder.lo + ladder.hi) / 2;
    this.vaI = ladder.lo;
    this.vaTotal = 0;
    this.vaBest = -1;
    this.vaPoc = ladder.lo;
    this.vaPhase = VaPhase.Scan;
  }

  /** True while a computation begun by `beginValueArea` has work left. */
  get valueAreaPending(): boolean {
    return this.vaPhase !== VaPhase.Idle;
  }

  /**
   * Does up to about `budget` levels of the pending computation; when it finishes, writes `out` and
   * returns true. Trades added meanwhile count where the computation has not read yet (the result is
   * of the profile some time between begin and finish); if the ladder moves its levels, it restarts.
   */
  advanceValueArea(budget: number, out: ValueArea): boolean {
    if (this.vaPhase === VaPhase.Idle) return false;
    const { ladder } = this;
    if (ladder.moves !== this.vaMoves) this.beginValueArea(this.vaShare);
    const v = ladder.total;
    const lo = this.vaLo;
    const hi = this.vaHi;
    if (lo > hi) {
      out.poc = out.vah = out.val = NaN;
      out.coverage = 0;
      this.vaPhase = VaPhase.Idle;
      return true;
    }
    let left = budget;
    if (this.vaPhase === VaPhase.Scan) {
      // the level with most volume; ties go to the level nearest the middle of the range
      const mid = this.vaMid;
      const end = Math.min(hi, this.vaI + left - 1);
      let total = this.vaTotal;
      let best = this.vaBest;
      let poc = this.vaPoc;
      for (let i = this.vaI; i <= end; i++) {
        const x = v[i];
        total += x;
        if (x > best || (x === best && Math.abs(i - mid) < Math.abs(poc - mid))) {
          best = x;
          poc = i;
        }
      }
      left -= end - this.vaI + 1;
      this.vaI = end + 1;
      this.vaTotal = total;
      this.vaBest = best;
      this.vaPoc = poc;
      if (this.vaI <= hi) return false;
      this.vaPhase = VaPhase.Expand;
      this.vaUp = this.vaDown = poc;
      this.vaInside = best;
    }
    // add whichever pair of levels, the two above or the two below the area, holds more volume
    const want = this.vaShare * this.vaTotal;
    let up = this.vaUp;
    let down = this.vaDown;
    let inside = this.vaInside;
    let done = false;
    for (;;) {
      const upRoom = hi - up;
      const downRoom = down - lo;
      if (inside >= want || (upRoom === 0 && downRoom === 0)) {
        done = true;
        break;
      }
      if (left <= 0) break;
      const above = upRoom >= 2 ? v[up + 1] + v[up + 2] : upRoom === 1 ? v[up + 1] : 0;
      const below = downRoom >= 2 ? v[down - 1] + v[down - 2] : downRoom === 1 ? v[down - 1] : 0;
      if (upRoom > 0 && (downRoom === 0 || above >= below)) {
        inside += above;
        up += upRoom >= 2 ? 2 : 1;
      } else {
        inside += below;
        down -= downRoom >= 2 ? 2 : 1;
      }
      left -= 2;
    }
    this.vaUp = up;
    this.vaDown = down;
    this.vaInside = inside;
    if (!done) return false;
    out.poc = ladder.priceAt(this.vaPoc);
    out.vah = ladder.priceAt(up);
    out.val = ladder.priceAt(down);
    out.coverage = Math.min(1, inside / this.vaTotal);
    this.vaPhase = VaPhase.Idle;
    return true;
  }

  reset(): void {
    this.ladder.clear();
    this.windowHead = this.windowCount = this.allTrades = 0;
    this.totalVolume = 0;
    this.vaPhase = VaPhase.Idle;
  }
}

// ------------------------------------------------------------------ footprint
export interface FootprintSummary {
  /** Ask (buy aggressor) minus bid (sell aggressor) volume of the bar. */
  delta: number;
  /** Running sum of the bar deltas. */
  cumulativeDelta: number;
  volume: number;
  /** Levels where buyers lifted at least `ratio` times what sellers hit one tick lower. */
  buyImbalances: number;
  sellImbalances: number;
  /** Longest run of consecutive levels with a buy (sell) imbalance. */
  maxBuyStack: number;
  maxSellStack: number;
  /** Price of the bar's highest-volume level. */
  poc: number;
  high: number;
  low: number;
  /** Volume at the bar's highest (lowest) level, over the mean volume per level. */
  volumeAtHighRatio: number;
  volumeAtLowRatio: number;
}

export function emptyFootprint(): FootprintSummary {
  return { delta: 0, cumulativeDelta: 0, volume: 0, buyImbalances: 0, sellImbalances: 0, maxBuyStack: 0, maxSellStack: 0, poc: NaN, high: NaN, low: NaN, volumeAtHighRatio: NaN, volumeAtLowRatio: NaN };
}

/**
 * Footprint of the current bar: bid and ask volume at each price. A diagonal
 * buy imbalance at level p is ask(p) >= ratio * bid(p - 1 tick) (buyers lifting
 * offers against thin bids below); a sell imbalance is bid(p) >= ratio * ask(p + 1 tick).
 * Levels with no opposite volume count when their own volume is at least `minVolume`.
 */
export class Footprint {
  readonly ladder: PriceLadder;
  private cumulative = 0;

  constructor(tickSize: number, readonly ratio = 3, readonly minVolume = 0, capacity = 4096) {
    this.ladder = new PriceLadder(tickSize, capacity);
  }

  add(price: number, qty: number, side: number): void {
    this.ladder.add(price, qty, side);
  }

  /** Summarises the bar into `out` and starts a new one. */
  closeBar(out: FootprintSummary): FootprintSummary {
    const { ladder, ratio, minVolume } = this;
    const { bid, ask, total } = ladder;
    let delta = 0, volume = 0, buyImb = 0, sellImb = 0, maxBuy = 0, maxSell = 0, runBuy = 0, runSell = 0, poc = -1, levels = 0;
    const lo = ladder.lo;
    const hi = ladder.hi;
    for (let i = lo; i <= hi; i++) {
      delta += ask[i] - bid[i];
      volume += total[i];
      if (total[i] > 0) levels++;
      if (poc < 0 || total[i] > total[poc]) poc = i;
      const below = i > lo ? bid[i - 1] : 0;
      const isBuy = ask[i] > 0 && ask[i] >= minVolume && ask[i] >= ratio * below && (below > 0 || i > lo);
      const above = i < hi ? ask[i + 1] : 0;
      const isSell = bid[i] > 0 && bid[i] >= minVolume && bid[i] >= ratio * above && (above > 0 || i < hi);
      if (isBuy) buyImb++;
      if (isSell) sellImb++;
      runBuy = isBuy ? runBuy + 1 : 0;
      runSell = isSell ? runSell + 1 : 0;
      if (runBuy > maxBuy) maxBuy = runBuy;
      if (runSell > maxSell) maxSell = runSell;
    }
    this.cumulative += delta;
    const meanLevel = levels > 0 ? volume / levels : NaN;
    out.delta = delta;
    out.cumulativeDelta = this.cumulative;
    out.volume = volume;
    out.buyImbalances = buyImb;
    out.sellImbalances = sellImb;
    out.maxBuyStack = maxBuy;
    out.maxSellStack = maxSell;
    out.poc = poc >= 0 ? ladder.priceAt(poc) : NaN;
    out.high = lo <= hi ? ladder.priceAt(hi) : NaN;
    out.low = lo <= hi ? ladder.priceAt(lo) : NaN;
    out.volumeAtHighRatio = lo <= hi ? total[hi] / meanLevel : NaN;
    out.volumeAtLowRatio = lo <= hi ? total[lo] / meanLevel : NaN;
    ladder.clear();
    return out;
  }
}

// ---------------------------------------------------------- bar-level signals
export enum OrderFlowEvent {
  None = 0,
  BullishDivergence = 1 << 0,
  BearishDivergence = 1 << 1,
  BullishAbsorption = 1 << 2,
  BearishAbsorption = 1 << 3,
  BuyExhaustion = 1 << 4,
  SellExhaustion = 1 << 5,
}

export interface OrderFlowDetectorOptions {
  /** Bars a new extreme is compared against. */
  lookback: number;
  /** Absorption: bar volume at least this many times the average... */
  absorptionVolume: number;
  /** ...within a range at most this fraction of the average range. */
  absorptionRange: number;
  /** Exhaustion: volume at the new extreme at most this fraction of the bar's mean level volume. */
  exhaustionRatio: number;
}

/**
 * Reads closed bars' footprints:
 * - delta divergence: a new lookback high with cumulative delta below its own
 *   lookback high (bearish), or a new low with cumulative delta above its low (bullish);
 * - absorption: heavy volume in a narrow range; the side that was hit but held
 *   is the absorber (selling absorbed: bullish; buying absorbed: bearish);
 * - exhaustion: a new extreme printed on thin volume at that extreme.
 * Returns a bit set of OrderFlowEvent. Allocation-free.
 */
export class OrderFlowDetector {
  private readonly highs: Float64Array;
  private readonly lows: Float64Array;
  private readonly cvd: Float64Array;
  private readonly volumes: Float64Array;
  private readonly ranges: Float64Array;
  private count = 0;
  private head = 0;

  constructor(readonly options: OrderFlowDetectorOptions = { lookback: 10, absorptionVolume: 2, absorptionRange: 0.5, exhaustionRatio: 0.25 }) {
    const n = options.lookback;
    this.highs = new Float64Array(n);
    this.lows = new Float64Array(n);
    this.cvd = new Float64Array(n);
    this.volumes = new Float64Array(n);
    this.ranges = new Float64Array(n);
  }

  onBar(f: FootprintSummary, open: number, close: number): number {
    const n = this.options.lookback;
    let events = OrderFlowEvent.None;
    if (this.count === n) {
      let maxHigh = -Infinity, minLow = Infinity, maxCvd = -Infinity, minCvd = Infinity, vol = 0, range = 0;
      for (let i = 0; i < n; i++) {
        if (this.highs[i] > maxHigh) maxHigh = this.highs[i];
        if (this.lows[i] < minLow) minLow = this.lows[i];
        if (this.cvd[i] > maxCvd) maxCvd = this.cvd[i];
        if (this.cvd[i] < minCvd) minCvd = this.cvd[i];
        vol += this.volumes[i];
        range += this.ranges[i];
      }
      vol /= n;
      range /= n;
      const newHigh = f.high > maxHigh;
      const newLow = f.low < minLow;
      if (newHigh && f.cumulativeDelta < maxCvd) events |= OrderFlowEvent.BearishDivergence;
      if (newLow && f.cumulativeDelta > minCvd) events |= OrderFlowEvent.BullishDivergence;
      const o = this.options;
      if (f.volume >= o.absorptionVolume * vol && f.high - f.low <= o.absorptionRange * range) {
        if (f.delta < 0 && close >= open) events |= OrderFlowEvent.BullishAbsorption;
        if (f.delta > 0 && close <= open) events |= OrderFlowEvent.BearishAbsorption;
      }
      if (newHigh && f.volumeAtHighRatio <= o.exhaustionRatio) events |= OrderFlowEvent.BuyExhaustion;
      if (newLow && f.volumeAtLowRatio <= o.exhaustionRatio) events |= OrderFlowEvent.SellExhaustion;
    }
    this.highs[this.head] = f.high;
    this.lows[this.head] = f.low;
    this.cvd[this.head] = f.cumulativeDelta;
    this.volumes[this.head] = f.volume;
    this.ranges[this.head] = f.high - f.low;
    this.head = (this.head + 1) % n;
    if (this.count < n) this.count++;
    return events;
  }
}

// --------------------------------------------------------------- whale prints
/** Trades whose notional reaches the threshold (in the instrument's quote currency). */
export class WhaleDetector {
  buyCount = 0;
  sellCount = 0;
  buyNotional = 0;
  sellNotional = 0;

  constructor(public thresholdNotional: number) {}

  /** Returns 1 for a whale buy, 2 for a whale sell, 0 otherwise. */
  onTrade(price: number, qty: number, side: number): number {
    const notional = price * qty;
    if (notional < this.thresholdNotional) return 0;
    if (side === Side.Buy) {
      this.buyCount++;
      this.buyNotional += notional;
      return 1;
    }
    if (side === Side.Sell) {
      this.sellCount++;
      this.sellNotional += notional;
      return 2;
    }
    return 0;
  }
}
