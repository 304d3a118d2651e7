/**
 * Ingest thread: takes ticks from the feeds (the simulator, and feed
 * publishers over WebSocket) and writes them into one ring per consumer.
 * A full ring never blocks: the ring counts the drop for that consumer only.
 */
import uWS from 'uWebSockets.js';
import { emptyTick, encodeTick, RingWriter, type Tick } from '../native-free-ringbuffer/index.js';
import { SimulatedMarket } from '../engine/feeds/simulated-market.js';
import { ScriptedMarket } from '../engine/feeds/scripted-market.js';
import { PublisherDecoder, REJECT_REASONS } from '../engine/feeds/publisher-protocol.js';
import { InstrumentRegistry } from '../engine/instruments/registry.js';
import { ProviderStatus } from '../engine/status/status-region.js';
import { threadKit } from './thread-kit.js';
import { createFeeds, PROVIDER_IDS } from './feed-factory.js';
import { KiteFeed } from '../engine/feeds/kite/kite-feed.js';
import { CaptureWriter } from '../engine/feeds/replay/capture.js';
import { ReplayFeed } from '../engine/feeds/replay/replay-feed.js';
import { closeApp } from './uws-close.js';

const kit = threadKit();
const { plan, clock, status, log } = kit;
const { config } = plan;
const writers = Object.values(plan.tickRings).map((d) => new RingWriter(d));
const registry = new InstrumentRegistry(plan.instruments);

// `tickring record`: every normalised tick also goes to the capture file
const capture = config.capture.path ? new CaptureWriter(config.capture.path, plan.instruments.map((i) => i.symbol), clock) : null;

/** The last receive time handed over, in a typed array: a module-level number would be a new heap number a write. */
const lastRecvTs = Float64Array.of(-Infinity);
/**
 * When the ticks of the message being handed over began to go out: one clock read a message, not one a tick
 * (on Node 20 each read is a new 16-byte heap number: 160 KB/s of garbage on this thread at 10k ticks/s). A
 * tick's ingest-to-strategy hop starts there: it waits for the ticks before it and the commit, as it would.
 */
let handedAt = NaN;
/** Writes one tick into every consumer's ring (committed by `commitAll`). */
function fanOut(t: Tick): void {
  if (handedAt !== handedAt) handedAt = clock.now();
  t.publishTs = handedAt;
  // receive times strictly increase: they order ticks across threads (deterministic replays)
  if (t.recvTs <= lastRecvTs[0]) t.recvTs = lastRecvTs[0] + 1;
  lastRecvTs[0] = t.recvTs;
  if (capture) capture.add(t);
  for (let i = 0; i < writers.length; i++) {
    const w = writers[i];
    if (w.claim(1) === 1) encodeTick(w, w.slot(0), t);
  }
}
function commitAll(): void {
  for (let i = 0; i < writers.length; i++) writers[i].commit();
  handedAt = NaN;
}
/** Ticks every ring can take now. */
function room(): number {
  let free = Infinity;
  for (let i = 0; i < writers.length; i++) free = Math.min(free, writers[i].free());
  return free;
}

const timers: NodeJS.Timeout[] = [];
timers.push(setInterval(kit.beat, 100));
if (capture) timers.push(setInterval(() => capture.flush(), 1000));

// ------------------------------------------------------------------ simulator
if (config.feeds.simulator.enabled) {
  const simulated = config.instruments.map((symbol) => ({ id: registry.id(symbol), symbol }));
  const sim = config.feeds.simulator.script === 'signals' ? new ScriptedMarket(simulated) : new SimulatedMarket(simulated, config.feeds.simulator.seed);
  const rate = config.feeds.simulator.ticksPerSecond;
  const sTicks = status.slot('feed.simulator.ticks');
  const sMessages = status.slot('feed.simulator.messages');
  const sLast = status.slot('feed.simulator.lastMessageAt');
  status.set(status.slot('feed.simulator.state'), ProviderStatus.Connected);
  const tick = emptyTick();
  const start = performance.now();
  let emitted = 0;
  // Timers fire about once a millisecond; each firing emits the ticks that are
  // due by then, received together as one message of a real feed would be (and
  // with one clock read, not one a tick). After a stall it does not replay more
  // than 50 ms of backlog.
  const pump = () => {
    const due = Math.floor(((performance.now() - start) * rate) / 1000) - emitted;
    const n = Math.min(due, Math.ceil(rate / 20));
    if (n <= 0) return; // nothing due (n is 0 only when due is)
    const now = clock.now();
    for (let i = 0; i < n; i++) {
      sim.next(tick, now);
      tick.providerId = PROVIDER_IDS.simulator;
      fanOut(tick);
    }
    commitAll();
    emitted += due;
    status.add(sTicks, n);
    status.add(sMessages, n);
    status.set(sLast, now);
  };
  timers.push(setInterval(pump, 1));
}

// ------------------------------------------------------------------ publishers
let app: uWS.TemplatedApp | null = null;
const sockets = new Set<uWS.WebSocket<unknown>>();
if (config.feeds.publishers.enabled) {
  const decoder = new PublisherDecoder(registry, clock, config.ingest.maxFutureMs, PROVIDER_IDS.publishers);
  const s = {
    state: status.slot('feed.publishers.state'),
    messages: status.slot('feed.publishers.messages'),
    ticks: status.slot('feed.publishers.ticks'),
    rejected: status.slot('feed.publishers.rejected'),
    connections: status.slot('feed.publishers.connections'),
    last: status.slot('feed.publishers.lastMessageAt'),
  };
  const rejectSlots = REJECT_REASONS.map((r) => status.slot(`ingest.rejected.${r}`));
  const staleNs = config.ingest.staleAfterMs * 1e6;
  const publishRejects = () => {
    let total = 0;
    for (let i = 0; i < rejectSlots.length; i++) {
      status.set(rejectSlots[i], decoder.rejected[i]);
      total += decoder.rejected[i];
    }
    status.set(s.rejected, total);
  };
  const updateState = () => {
    const fresh = clock.now() - status.get(s.last) < staleNs;
    status.set(s.state, sockets.size > 0 && fresh ? ProviderStatus.Connected : ProviderStatus.Disconnected);
  };
  timers.push(setInterval(updateState, 100));
  let loggedAt = 0;

  app = uWS
    .App()
    .ws('/*', {
      compression: uWS.DISABLED,
      maxPayloadLength: config.ingest.maxPayloadBytes,
      maxBackpressure: 1024 * 1024,
      idleTimeout: 120,
      open: (ws) => {
        sockets.add(ws);
        status.set(s.connections, sockets.size);
      },
      message: (ws, message, isBinary) => {
        status.add(s.messages, 1);
        status.set(s.last, clock.now());
        const accepted = decoder.decode(message, isBinary, fanOut);
        if (accepted > 0) {
          commitAll();
          status.add(s.ticks, accepted);
        }
        if (decoder.lastError !== null) {
          publishRejects();
          ws.send(
            JSON.stringify({ type: 'error', reason: decoder.lastError, index: decoder.lastErrorIndex, message: decoder.lastErrorDetail, accepted }),
            false,
          );
          // At most one log line a second, never per tick.
          const now = Date.now();
          if (now - loggedAt > 1000) {
            loggedAt = now;
            log.warn({ reason: decoder.lastError, detail: decoder.lastErrorDetail }, 'rejected publisher input');
          }
        }
        updateState();
      },
      close: (ws, code, message) => {
        sockets.delete(ws);
        status.set(s.connections, sockets.size);
        // uWS v20 closes an oversized frame's connection with 1006 and this reason (1009 in the RFC)
        if (code === 1009 || Buffer.from(message).toString().includes('too big')) {
          decoder.reject('oversized', -1, 'frame larger than ingest.maxPayloadBytes');
          publishRejects();
        }
        updateState();
      },
    })
    .any('/*', (res) => {
      res.writeStatus('426 Upgrade Required').end('tickring ingest: connect with a WebSocket');
    })
    .listen(config.ingest.host, config.ingest.port, (token) => {
      if (!token) {
        log.fatal({ host: config.ingest.host, port: config.ingest.port }, 'ingest WebSocket cannot listen (port in use?)');
        process.exit(1);
      }
      kit.send({ type: 'listening', service: 'ingest', port: uWS.us_socket_local_port(token) });
    });
}

// ------------------------------------------------------------------ exchange and vendor feeds
const adapters = createFeeds(plan, registry, clock, log, fanOut, commitAll, room);
for (const a of adapters) {
  const slot = (k: string) => status.slot(`feed.${a.name}.${k}`);
  const s = {
    state: slot('state'), messages: slot('messages'), ticks: slot('ticks'), rejected: slot('rejected'), reconnects: slot('reconnects'),
    last: slot('lastMessageAt'), gaps: slot('gaps'), skew: slot('skewMs'), expired: slot('subscriptionExpired'), connections: slot('connections'),
  };
  // counters reach the status region ten times a second, never per tick
  const publish = () => {
    const c = a.counters;
    status.set(s.state, a.status());
    status.set(s.messages, c.messages);
    status.set(s.ticks, c.ticks);
    status.set(s.rejected, c.rejected);
    status.set(s.reconnects, c.reconnects);
    status.set(s.gaps, c.gaps);
    status.set(s.skew, c.skewMs);
    status.set(s.expired, c.subscriptionExpired ? 1 : 0);
    if (c.lastMessageAt > 0) status.set(s.last, clock.fromEpochMs(c.lastMessageAt));
  };
  timers.push(setInterval(publish, 100));
  a.start();
  publish();
  if (a instanceof ReplayFeed) {
    void a.finished().then(() => {
      publish();
      kit.send({ type: 'feed-finished', feed: a.name, ticks: a.counters.ticks });
    });
  }
}

kit.onControl((m) => {
  if (m.type === 'subscribe' || m.type === 'unsubscribe') {
    const feed = adapters.find((a) => a.name === m.feed);
    try {
      if (!feed) throw new Error(`feed ${m.feed} takes no subscriptions here`);
      if (m.type === 'subscribe') feed.subscribe(m.symbols);
      else feed.unsubscribe(m.symbols);
      log.info({ feed: m.feed, action: m.type, symbols: m.symbols.length }, 'subscriptions changed');
    } catch (e) {
      log.warn({ feed: m.feed, action: m.type, err: (e as Error).message }, 'subscription change refused');
    }
    return;
  }
  if (m.type === 'broker-token') {
    for (const a of adapters) if (a instanceof KiteFeed) a.setAccessToken(m.accessToken);
    return;
  }
  if (m.type !== 'stop') return;
  for (const t of timers) clearInterval(t);
  for (const a of adapters) a.stop();
  if (capture) {
    capture.close();
    log.info({ file: capture.path, ticks: capture.written }, 'capture written');
  }
  commitAll();
  for (const ws of sockets) ws.end(1001, 'engine shutting down');
  for (const feed of plan.feeds) status.set(status.slot(`feed.${feed}.state`), ProviderStatus.Disconnected);
  // Give the close frames a moment to leave, then close everything uWS holds.
  setTimeout(() => {
    if (app) closeApp(app);
    process.exit(0);
  }, sockets.size > 0 ? 50 : 0);
});
kit.send({ type: 'started' });
