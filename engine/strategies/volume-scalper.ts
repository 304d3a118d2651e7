import { z } from 'zod';
import { emptySignal, Side, SignalSide, TickKind, type Signal, type Tick } from '../../native-free-ringbuffer/index.js';
import { BarBuilder, emptyBar } from '../analytics/bars.js';
import { emptyFootprint, Footprint, OrderFlowDetector, OrderFlowEvent, VolumeProfile, WhaleDetector, type ValueArea } from '../analytics/order-flow.js';
import { sessionOf, type InstrumentInfo } from '../instruments/registry.js';
import { popcount } from '../bits.js';
import type { Strategy, StrategyContext, StrategyFactory } from './strategy.js';

/**
 * Institutional Volume Scalper: follows large, aggressive order flow.
 *
 * Per instrument it keeps the aggressor delta (short-window and cumulative),
 * whale prints (notional at or above the threshold, USD; INR instruments use
 * the threshold times `usdInr`), a rolling volume profile (POC, value area), a
 * footprint per bar (divergence, absorption, exhaustion, stacked imbalances)
 * and microstructure (spread, book imbalance, trade intensity).
 *
 * Entry: a recent whale on one side, price crossing the POC that way, and
 * short-window delta agreeing makes a signal; bar-level order-flow events,
 * stacked imbalances and a book leaning the same way add strength; a wide
 * spread or thin activity vetoes it. Stop beyond the value-area edge behind
 * the entry, target at the far edge (at least `minRewardRisk` times the risk).
 * Reasons travel as a bit set (VS_REASON_*), never strings.
 */
export const VS_REASON = {
  WHALE_BUY: 1 << 0,
  WHALE_SELL: 1 << 1,
  POC_CROSS_UP: 1 << 2,
  POC_CROSS_DOWN: 1 << 3,
  DELTA_RISING: 1 << 4,
  DELTA_FALLING: 1 << 5,
  BULLISH_FLOW: 1 << 6, // absorption of sellers, bullish divergence, sell exhaustion
  BEARISH_FLOW: 1 << 7,
  STACKED_BUY_IMBALANCE: 1 << 8,
  STACKED_SELL_IMBALANCE: 1 << 9,
  BOOK_BID_HEAVY: 1 << 10,
  BOOK_ASK_HEAVY: 1 << 11,
} as const;

/** Levels of value-area work a trade does (2-4 ns a level, measured: at most ~0.5 us a trade). */
const VA_LEVELS_PER_TRADE = 128;

const params = z
  .object({
    /** Whale threshold in USD notional (converted for INR instruments). */
    whaleUsd: z.number().positive().default(50_000),
    /** Per-symbol whale thresholds (in the instrument's quote currency), overriding the default. */
    whaleOverrides: z.record(z.string(), z.number().positive()).default({}),
    usdInr: z.number().positive().default(83),
    /** A whale counts for this many trades after it printed. */
    whaleMemoryTrades: z.number().int().min(1).default(50),
    /** Trades in the rolling volume profile. */
    profileTrades: z.number().int().min(50).default(2000),
    /** Profile bin: the tick-size multiple nearest this many basis points of price (never below one tick). */
    profileBinBps: z.number().positive().default(1),
    /** Trades in the short delta window. */
    deltaTrades: z.number().int().min(5).default(50),
    /** Footprint bar length. */
    barSeconds: z.number().int().min(1).default(60),
    /** Vetoes: spread wider than this (bps of mid), or fewer trades a second than this. */
    maxSpreadBps: z.number().positive().default(25),
    minTradesPerSecond: z.number().min(0).default(0.2),
    /** Book imbalance (bid - ask) / (bid + ask) beyond this leans a side. */
    bookImbalance: z.number().min(0).max(1).default(0.3),
    minRewardRisk: z.number().positive().default(1.5),
    /** No second signal on an instrument within this many ms (exchange time). */
    cooldownMs: z.number().int().min(0).default(5000),
  })
  .strict();
export type VolumeScalperParams = z.infer<typeof params>;

/** Per-instrument state, made on the instrument's first tick (not per tick). */
class InstrumentFlow {
  readonly profile: VolumeProfile;
  readonly footprint: Footprint;
  readonly detector = new OrderFlowDetector();
  readonly bars: BarBuilder;
  readonly whales: WhaleDetector;
  readonly area: ValueArea = { poc: NaN, vah: NaN, val: NaN, coverage: 0 };
  readonly closed = emptyBar();
  readonly fp = emptyFootprint();
  readonly deltas: Float64Array;
  deltaHead = 0;
  shortDelta = 0;
  cumulativeDelta = 0;
  lastPrice = NaN;
  tradesSinceWhaleBuy = Infinity;
  tradesSinceWhaleSell = Infinity;
  /** Bar-level events of the last closed bar (OrderFlowEvent bits) and its imbalance stacks. */
  barEvents = 0;
  buyStack = 0;
  sellStack = 0;
  /** Trades per second, smoothed. */
  intensity = 0;
  lastTradeMs = NaN;
  lastSignalMs = -Infinity;
  trades = 0;

  constructor(info: InstrumentInfo | undefined, firstPrice: number, p: VolumeScalperParams) {
    const tick = info && info.tickSize > 0 ? info.tickSize : 10 ** Math.floor(Math.log10(firstPrice) - 3);
    // the exchange tick is far too fine for a profile of BTC (0.01 on 60,000): bin at ~1 bp, in whole ticks
    const bin = tick * Math.max(1, Math.round((firstPrice * p.profileBinBps * 1e-4) / tick));
    this.profile = new VolumeProfile(bin, p.profileTrades);
    this.footprint = new Footprint(bin);
    this.bars = new BarBuilder(sessionOf(info), p.barSeconds);
    const override = info ? p.whaleOverrides[info.symbol] : undefined;
    this.whales = new WhaleDetector(override ?? (info?.quoteAsset === 'INR' ? p.whaleUsd * p.usdInr : p.whaleUsd));
    this.deltas = new Float64Array(p.deltaTrades);
  }
}

export class VolumeScalper implements Strategy {
  private readonly signal: Signal = emptySignal();
  private flows: (InstrumentFlow | undefined)[];
  private p: VolumeScalperParams;
  /** Trades its volume profiles left out (a price beyond a profile's ladder), over the strategy's life. */
  private ignored = 0;

  constructor(p: VolumeScalperParams, private readonly ctx: StrategyContext) {
    this.p = p;
    this.signal.strategyId = ctx.strategyId;
    this.flows = new Array(ctx.instruments.length + 1);
  }

  onTick(t: Tick): Signal | null {
    if (t.kind !== TickKind.Trade || !(t.qty > 0)) return null;
    let f = this.flows[t.instrumentId];
    if (!f) f = this.flows[t.instrumentId] = new InstrumentFlow(this.ctx.instruments[t.instrumentId - 1], t.price, this.p);
    const nowMs = t.exchangeTs === t.exchangeTs ? this.ctx.toEpochMs(t.exchangeTs) : this.ctx.toEpochMs(t.recvTs);
    const p = this.p;

    // order flow: delta over the last deltaTrades trades, cumulative delta
    const signed = t.side === Side.Buy ? t.qty : t.side === Side.Sell ? -t.qty : 0;
    f.shortDelta += signed - f.deltas[f.deltaHead];
    f.deltas[f.deltaHead] = signed;
    f.deltaHead = (f.deltaHead + 1) % f.deltas.length;
    f.cumulativeDelta += signed;
    f.trades++;

    // whales
    const whale = f.whales.onTrade(t.price, t.qty, t.side);
    f.tradesSinceWhaleBuy = whale === 1 ? 0 : f.tradesSinceWhaleBuy + 1;
    f.tradesSinceWhaleSell = whale === 2 ? 0 : f.tradesSinceWhaleSell + 1;

    // trade intensity (trades a second, smoothed over ~20 trades)
    if (f.lastTradeMs === f.lastTradeMs) {
      const dt = Math.max(1, nowMs - f.lastTradeMs) / 1000;
      f.intensity += 0.05 * (1 / dt - f.intensity);
    }
    f.lastTradeMs = nowMs;

    // footprint and bar-level events
    if (f.bars.onTrade(nowMs, t.price, t.qty, t.side, f.closed)) {
      f.footprint.closeBar(f.fp);
      f.barEvents = f.detector.onBar(f.fp, f.closed.open, f.closed.close);
      f.buyStack = f.fp.maxBuyStack;
      f.sellStack = f.fp.maxSellStack;
    }
    f.footprint.add(t.price, t.qty, t.side);

    // the POC and value area: a fresh computation every 16 trades, done VA_LEVELS_PER_TRADE levels a
    // trade (the traded range can be hundreds of levels; a whole scan on one tick was the tail of its cost)
    const prevPrice = f.lastPrice;
    f.lastPrice = t.price;
    if (f.profile.valueAreaPending) f.profile.advanceValueArea(VA_LEVELS_PER_TRADE, f.area);
    else if (f.profile.trades >= 100 && (f.trades & 15) === 0) {
      f.profile.beginValueArea(0.7);
      f.profile.advanceValueArea(VA_LEVELS_PER_TRADE, f.area);
    }
    const refused = f.profile.refused;
    f.profile.add(t.price, t.qty, t.side);
    this.ignored += f.profile.refused - refused;
    const area = f.area;
    if (area.poc !== area.poc || prevPrice !== prevPrice || nowMs - f.lastSignalMs < p.cooldownMs) return null;

    // microstructure vetoes
    const mid = (t.bid + t.ask) / 2;
    if (mid === mid && ((t.ask - t.bid) / mid) * 1e4 > p.maxSpreadBps) return null;
    if (f.trades > 20 && f.intensity < p.minTradesPerSecond) return null;
    const book = t.bidQty === t.bidQty && t.askQty === t.askQty && t.bidQty + t.askQty > 0 ? (t.bidQty - t.askQty) / (t.bidQty + t.askQty) : 0;

    const poc = area.poc;
    const crossUp = prevPrice <= poc && t.price > poc;
    const crossDown = prevPrice >= poc && t.price < poc;
    const whaleBuy = f.tradesSinceWhaleBuy < p.whaleMemoryTrades;
    const whaleSell = f.tradesSinceWhaleSell < p.whaleMemoryTrades;
    let side = 0;
    if (whaleBuy && crossUp && f.shortDelta > 0) side = SignalSide.Long;
    else if (whaleSell && crossDown && f.shortDelta < 0) side = SignalSide.Short;
    if (side === 0) return null;

    const long = side === SignalSide.Long;
    let reasons = long ? VS_REASON.WHALE_BUY | VS_REASON.POC_CROSS_UP | VS_REASON.DELTA_RISING : VS_REASON.WHALE_SELL | VS_REASON.POC_CROSS_DOWN | VS_REASON.DELTA_FALLING;
    let strength = 0.5;
    const bullish = OrderFlowEvent.BullishAbsorption | OrderFlowEvent.BullishDivergence | OrderFlowEvent.SellExhaustion;
    const bearish = OrderFlowEvent.BearishAbsorption | OrderFlowEvent.BearishDivergence | OrderFlowEvent.BuyExhaustion;
    if (f.barEvents & (long ? bullish : bearish)) {
      reasons |= long ? VS_REASON.BULLISH_FLOW : VS_REASON.BEARISH_FLOW;
      strength += 0.15;
    }
    if ((long ? f.buyStack : f.sellStack) >= 3) {
      reasons |= long ? VS_REASON.STACKED_BUY_IMBALANCE : VS_REASON.STACKED_SELL_IMBALANCE;
      strength += 0.15;
    }
    if (long ? book > p.bookImbalance : book < -p.bookImbalance) {
      reasons |= long ? VS_REASON.BOOK_BID_HEAVY : VS_REASON.BOOK_ASK_HEAVY;
      strength += 0.1;
    }
    // a bar-level event against the trade weakens it
    if (f.barEvents & (long ? bearish : bullish)) strength -= 0.2;

    // stop beyond the value-area edge behind the entry; target at least minRewardRisk times the risk
    const tickSize = f.profile.ladder.tickSize;
    const stop = long ? Math.min(area.val, t.price - tickSize) - tickSize : Math.max(area.vah, t.price + tickSize) + tickSize;
    const risk = Math.abs(t.price - stop);
    const edge = long ? area.vah : area.val;
    const target = long ? Math.max(edge, t.price + p.minRewardRisk * risk) : Math.min(edge, t.price - p.minRewardRisk * risk);

    const s = this.signal;
    s.instrumentId = t.instrumentId;
    s.side = side;
    s.price = t.price;
    s.stop = stop;
    s.target = target;
    s.strength = Math.max(0, Math.min(1, strength));
    s.confidence = Math.min(1, 0.4 + 0.1 * popcount(reasons) + 0.2 * area.coverage);
    s.reasons = reasons;
    f.lastSignalMs = nowMs;
    return s;
  }

  setParams(p: unknown): void {
    this.p = params.parse(p);
    this.flows = new Array(this.ctx.instruments.length + 1); // windows and thresholds changed: start afresh
  }

  ignoredTrades(): number {
    return this.ignored;
  }
}


export const volumeScalper: StrategyFactory<VolumeScalperParams> = {
  name: 'volume-scalper',
  description: 'Institutional Volume Scalper: whale prints through the POC with the delta behind them',
  params,
  create: (p, ctx) => new VolumeScalper(p, ctx),
};
