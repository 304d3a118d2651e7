import type { Tick } from '../native-free-ringbuffer/index.js';
import { emptyTick } from '../native-free-ringbuffer/index.js';
import type { Clock } from '../engine/clock.js';
import type { Logger } from '../engine/log.js';
import type { EnginePlan } from '../engine/plan.js';
import type { InstrumentRegistry } from '../engine/instruments/registry.js';
import type { FeedAdapter, FeedContext } from '../engine/feeds/feed.js';
import { BINANCE_DEFAULTS, BinanceFeed } from '../engine/feeds/binance/binance-feed.js';
import { KITE_DEFAULTS, KiteFeed } from '../engine/feeds/kite/kite-feed.js';
import { TrueDataFeed } from '../engine/feeds/truedata/truedata-feed.js';
import { ReplayFeed } from '../engine/feeds/replay/replay-feed.js';

/** Provider ids written into every tick (u16): which feed it came from. */
export const PROVIDER_IDS = { simulator: 1, publishers: 2, binance: 3, 'binance-futures': 4, kite: 5, truedata: 6, replay: 7 } as const;

/** The exchange and vendor feeds the config enables, ready to start on the ingest thread. */
export function createFeeds(plan: EnginePlan, registry: InstrumentRegistry, clock: Clock, log: Logger, sink: (t: Tick) => void, commit: () => void, room: () => number): FeedAdapter[] {
  const ctx = (providerId: number): FeedContext => ({ registry, clock, providerId, tick: emptyTick(), sink, commit, room, log });
  const retries = (maxRetries: number | undefined) => maxRetries ?? Infinity;
  const { binance: b, kite: k, truedata: td, replay: r } = plan.config.feeds;
  const feeds: FeedAdapter[] = [];
  if (b.enabled) {
    const d = BINANCE_DEFAULTS[b.market];
    feeds.push(
      new BinanceFeed(
        { ...d, market: b.market, wsUrl: b.wsUrl ?? d.wsUrl, restUrl: b.restUrl ?? d.restUrl, symbols: b.symbols, streams: b.streams, staleMs: b.staleMs, backoff: { ...b.backoff, maxRetries: retries(b.backoff.maxRetries) } },
        ctx(b.market === 'spot' ? PROVIDER_IDS.binance : PROVIDER_IDS['binance-futures']),
      ),
    );
  }
  if (k.enabled) {
    feeds.push(
      new KiteFeed(
        { ...KITE_DEFAULTS, url: k.url ?? KITE_DEFAULTS.url, apiKey: plan.config.kite.apiKey ?? '', accessToken: plan.config.kite.accessToken ?? '', symbols: k.symbols, mode: k.mode, staleMs: k.staleMs, backoff: { ...k.backoff, maxRetries: retries(k.backoff.maxRetries) } },
        ctx(PROVIDER_IDS.kite),
      ),
    );
  }
  if (td.enabled) {
    feeds.push(
      new TrueDataFeed(
        { url: td.url, user: td.user ?? '', password: td.password ?? '', symbols: td.symbols, staleMs: td.staleMs, backoff: { ...td.backoff, maxRetries: retries(td.backoff.maxRetries) } },
        ctx(PROVIDER_IDS.truedata),
      ),
    );
  }
  if (r.enabled && r.file) feeds.push(new ReplayFeed({ file: r.file, format: r.format, speed: r.speed, symbol: r.symbol }, ctx(PROVIDER_IDS.replay)));
  return feeds;
}
