import { Redis } from 'ioredis';
import type { Logger } from '../engine/log.js';
import type { EnginePlan } from '../engine/plan.js';
import type { Broker, BrokerEvent } from '../engine/brokers/broker.js';
import { PaperBroker } from '../engine/brokers/paper/paper-broker.js';
import { VenueBroker, type Reconciliation, type VenueApi } from '../engine/brokers/venue-broker.js';
import { KiteVenue } from '../engine/brokers/kite/kite-venue.js';
import { KiteSessions, KiteTokenRecovery } from '../engine/brokers/kite/kite-session.js';
import { BinanceVenue } from '../engine/brokers/binance/binance-venue.js';
import { BrokerKind } from '../engine/status/status-region.js';
import type { BrokerQuery } from './thread-kit.js';
import type { InstrumentInfo } from '../engine/instruments/registry.js';
import { isFinal } from '../engine/orders/order.js';

/** The paper broker's books, shaped like a venue's answer. */
function paperAnswer(q: BrokerQuery, b: Broker, instruments: readonly InstrumentInfo[]): unknown {
  const pf = b.portfolio;
  if (q === 'margins') return { cash: pf.cash, equity: pf.equity(), grossExposure: pf.grossExposure(), available: pf.equity() - pf.grossExposure() };
  if (q === 'positions') {
    return instruments
      .map((i, k) => ({ instrumentId: k + 1, symbol: i.symbol, qty: pf.position(k + 1), avgPrice: pf.averagePrice(k + 1) }))
      .filter((p) => p.qty !== 0);
  }
  return b.orders().filter((o) => !isFinal(o.state));
}

/**
 * The singleton broker client of the process, as the risk thread owns it:
 * paper, Kite or Binance from config. For a venue it also runs the start-up
 * credential check and reconciliation (retried until they succeed), and the
 * polling of open orders.
 */
export interface BrokerClient {
  kind: BrokerKind;
  /** Builds the broker (Execution calls this with its event listener). */
  make(onEvent: (e: BrokerEvent) => void): Broker;
  authenticated(): boolean;
  /** A new access token from the daily login (Kite). */
  setToken(token: string): void;
  /** Credential check, reconciliation, then polling; `onReconciled` gets what the venue had. */
  start(onReconciled: (r: Reconciliation) => void): void;
  /** Problems so far, and the latest. */
  problems(): { count: number; last: { at: number; message: string } | null };
  reconciled: 0 | 1 | -1;
  /** What the venue says now (margins, positions, today's orders of ours); paper answers from its own books. */
  query(q: BrokerQuery, paper: Broker): Promise<unknown>;
  /** One poll of the venue's open orders (at shutdown, to record what finished). */
  settle(): Promise<void>;
  close(): void;
}

export function brokerClient(plan: EnginePlan, log: Logger): BrokerClient {
  const { broker: cfg, kite } = plan.config;
  const instruments = plan.instruments;
  if (cfg.name === 'paper') {
    return {
      kind: BrokerKind.Paper, reconciled: 1,
      make: (onEvent) => new PaperBroker(instruments.length, plan.config.paper, onEvent),
      authenticated: () => true, setToken: () => {}, start: () => {}, problems: () => ({ count: 0, last: null }), settle: async () => {}, close: () => {},
      query: async (q, b) => paperAnswer(q, b, instruments),
    };
  }
  let redis: Redis | null = null;
  let tokens: KiteTokenRecovery | null = null;
  let venue: VenueApi;
  if (cfg.name === 'kite') {
    const brokerUserId = cfg.users[cfg.user];
    if (plan.config.storage.redisUrl) {
      redis = new Redis(plan.config.storage.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      redis.on('error', () => {}); // a token recovery that cannot read Redis says so
    }
    const sessions = redis
      ? new KiteSessions({ apiKey: kite.apiKey!, apiSecret: kite.apiSecret ?? '', restUrl: kite.restUrl, loginUrl: kite.loginUrl, redisPrefix: plan.config.auth.redisPrefix }, redis)
      : { get: async () => null }; // one process: the daily login hands the token over through the control plane
    tokens = new KiteTokenRecovery(sessions, { apiKey: kite.apiKey!, restUrl: kite.restUrl, brokerUserId }, kite.accessToken ?? null);
    venue = new KiteVenue({ apiKey: kite.apiKey!, restUrl: kite.restUrl, product: cfg.kiteProduct, timeoutMs: cfg.timeoutMs }, instruments, tokens);
  } else {
    const b = cfg.binance;
    venue = new BinanceVenue({ apiKey: b.apiKey!, apiSecret: b.apiSecret!, restUrl: b.restUrl, recvWindowMs: b.recvWindowMs, timeoutMs: cfg.timeoutMs }, instruments);
  }
  let broker: VenueBroker | null = null;
  let poll: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;
  let reconciledListener: (r: Reconciliation) => void = () => {};
  // this engine's client order ids: run id (12) + incarnation (2) + sequence (1-6), base 36
  const ours = (id: string) => /^[0-9a-z]{15,20}$/.test(id);
  /** Credential check, then reconciliation, then polling; retried with backoff until it works. */
  const attempt = async (n: number): Promise<void> => {
    try {
      await venue.checkAuth();
      const r = await broker!.reconcile(ours);
      client.reconciled = 1;
      reconciledListener(r);
      poll = setInterval(() => void broker!.poll(), cfg.pollMs);
    } catch (e) {
      client.reconciled = -1;
      const wait = Math.min(30_000, 1000 * 2 ** Math.min(n, 5));
      log.error({ err: (e as Error).message, retryInMs: wait }, `${venue.name}: credential check or reconciliation failed; entries wait for it`);
      retry = setTimeout(() => void attempt(n + 1), wait);
    }
  };
  const client: BrokerClient = {
    kind: cfg.name === 'kite' ? BrokerKind.Kite : BrokerKind.Binance,
    reconciled: 0,
    make(onEvent) {
      broker = new VenueBroker(venue, instruments.length, {
        startingCash: cfg.startingCash, pollMs: cfg.pollMs, lookupAttempts: 3, lookupDelayMs: 300, maxSends: 3,
      }, onEvent);
      return broker;
    },
    authenticated: () => venue.authenticated,
    setToken(token) {
      tokens?.set(token);
      if (venue instanceof KiteVenue) venue.setAccessToken(token);
      // waiting to retry the credential check: with a new token, try now
      if (client.reconciled === -1 && retry) {
        clearTimeout(retry);
        retry = null;
        void attempt(0);
      }
    },
    start(onReconciled) {
      reconciledListener = onReconciled;
      void attempt(0);
    },
    problems: () => ({ count: broker?.problemCount ?? 0, last: broker?.problems.at(-1) ?? null }),
    settle: async () => broker?.poll(),
    query: async (q) => (q === 'margins' ? venue.margins() : q === 'positions' ? venue.positions() : venue.allOrders()),
    close() {
      if (poll) clearInterval(poll);
      if (retry) clearTimeout(retry);
      redis?.disconnect();
    },
  };
  return client;
}
