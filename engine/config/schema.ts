import { z } from 'zod';
import { WAIT_STRATEGIES } from '../../native-free-ringbuffer/index.js';
import { STRATEGY_CATALOG } from '../strategies/catalog.js';

const port = z.number().int().min(0).max(65535);
const powerOfTwo = (min: number, max: number) =>
  z.number().int().min(min).max(max).refine((n) => (n & (n - 1)) === 0, { message: 'must be a power of two' });

export const strategyConfig = z
  .object({
    /** Which approved strategy to run. */
    name: z.enum(Object.keys(STRATEGY_CATALOG) as [string, ...string[]]),
    /** Instance name (thread, metrics label); defaults to `name`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'lowercase letters, digits and dashes, at most 32').optional(),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const backoffConfig = z
  .object({
    initialMs: z.number().int().min(0).default(250),
    maxMs: z.number().int().min(0).default(30_000),
    multiplier: z.number().min(1).default(2),
    jitter: z.number().min(0).max(1).default(0.2),
    /** Retries per outage before the feed is UNAVAILABLE; omit to retry for ever. */
    maxRetries: z.number().int().min(0).optional(),
  })
  .strict();

const BINANCE_FEED_DEFAULT = {
  enabled: false, market: 'spot' as const, symbols: [] as string[], streams: ['aggTrade', 'bookTicker', 'depth'] as ('aggTrade' | 'trade' | 'bookTicker' | 'depth')[],
  staleMs: 60_000, backoff: { initialMs: 250, maxMs: 30_000, multiplier: 2, jitter: 0.2 },
};

const KITE_FEED_DEFAULT = {
  enabled: false, symbols: [] as string[], mode: 'full' as const, staleMs: 30_000, backoff: { initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 },
};

const kiteFeedConfig = z
  .object({
    enabled: z.boolean().default(false),
    /** Registry symbols (EXCHANGE:TRADINGSYMBOL) with Kite tokens: load instrumentFiles.kite. */
    symbols: z.array(z.string()).default([]),
    mode: z.enum(['ltp', 'quote', 'full']).default('full'),
    /** Defaults to wss://ws.kite.trade. */
    url: z.string().url().optional(),
    staleMs: z.number().int().min(0).default(30_000),
    backoff: backoffConfig.default({ initialMs: 500, maxMs: 30_000, multiplier: 2, jitter: 0.2 }),
  })
  .strict();

const TRUEDATA_FEED_DEFAULT = {
  enabled: false, url: 'wss://push.truedata.in:8082', symbols: [] as string[], staleMs: 15_000, backoff: { initialMs: 1000, maxMs: 30_000, multiplier: 2, jitter: 0.2, maxRetries: 5 },
};

const trueDataFeedConfig = z
  .object({
    enabled: z.boolean().default(false),
    /** wss://push.truedata.in:<your port> */
    url: z.string().url().default('wss://push.truedata.in:8082'),
    /** TrueData symbols, e.g. RELIANCE, NIFTY-I (the registry knows them as NSE:<symbol> or as configured instruments). */
    symbols: z.array(z.string()).default([]),
    /** From TICKRING_TRUEDATA_USER and TICKRING_TRUEDATA_PASSWORD. */
    user: z.string().optional(),
    password: z.string().optional(),
    staleMs: z.number().int().min(0).default(15_000),
    backoff: backoffConfig.default({ initialMs: 1000, maxMs: 30_000, multiplier: 2, jitter: 0.2, maxRetries: 5 }),
  })
  .strict();

const replayFeedConfig = z
  .object({
    enabled: z.boolean().default(false),
    file: z.string().optional(),
    format: z.enum(['capture', 'binance-aggtrades-csv', 'binance-stream']).optional(),
    /** 'realtime', 'max' (as fast as possible), or a multiple of real time. */
    speed: z.union([z.enum(['realtime', 'max']), z.number().positive()]).default('realtime'),
    /** For aggTrades CSV files (they carry no symbol); defaults to the file name's prefix. */
    symbol: z.string().optional(),
  })
  .strict();

const binanceFeedConfig = z
  .object({
    enabled: z.boolean().default(false),
    market: z.enum(['spot', 'futures']).default('spot'),
    symbols: z.array(z.string().regex(/^[A-Z0-9]{2,30}$/, 'Binance symbols are upper-case, e.g. BTCUSDT')).default([]),
    streams: z.array(z.enum(['aggTrade', 'trade', 'bookTicker', 'depth'])).min(1).default(['aggTrade', 'bookTicker', 'depth']),
    /** Defaults to Binance's own endpoints for the market. */
    wsUrl: z.string().url().optional(),
    restUrl: z.string().url().optional(),
    /** A connection silent this long is dropped and reconnected. */
    staleMs: z.number().int().min(0).default(60_000),
    backoff: backoffConfig.default({ initialMs: 250, maxMs: 30_000, multiplier: 2, jitter: 0.2 }),
  })
  .strict();

/** Lower bounds of MEDIUM, HIGH and CRITICAL, increasing. */
const thresholds = z
  .tuple([z.number().min(0), z.number().min(0), z.number().min(0)])
  .refine(([m, h, c]) => m <= h && h <= c, 'thresholds must be increasing: [medium, high, critical]');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (IST)');

export const configSchema = z
  .object({
    http: z.object({ host: z.string().default('0.0.0.0'), port: port.default(8080) }).strict().default({ host: '0.0.0.0', port: 8080 }),
    ingest: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: port.default(9001),
        /** Largest publisher frame accepted; larger frames close the connection (WebSocket 1009). */
        maxPayloadBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        /** A feed with no message for this long is not counted as connected. */
        staleAfterMs: z.number().int().min(100).default(5000),
        /** Exchange timestamps further than this in the future are rejected. */
        maxFutureMs: z.number().int().min(0).default(5000),
      })
      .strict()
      .default({ host: '0.0.0.0', port: 9001, maxPayloadBytes: 1024 * 1024, staleAfterMs: 5000, maxFutureMs: 5000 }),
    /** Symbols the engine knows; ticks for anything else are rejected. */
    instruments: z.array(z.string().regex(/^[A-Za-z0-9._:-]{1,40}$/)).min(1).default(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT']),
    feeds: z
      .object({
        simulator: z
          .object({
            enabled: z.boolean().default(true),
            ticksPerSecond: z.number().min(1).max(2_000_000).default(1000),
            seed: z.number().int().default(42),
            /**
             * 'random': the seeded regime-switching market. 'signals': a scripted market that makes the desk
             * strategies signal at a known rate (whale prints through the POC, price shocks): for benches.
             */
            script: z.enum(['random', 'signals']).default('random'),
          })
          .strict()
          .default({ enabled: true, ticksPerSecond: 1000, seed: 42, script: 'random' }),
        publishers: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
        binance: binanceFeedConfig.default(BINANCE_FEED_DEFAULT),
        kite: kiteFeedConfig.default(KITE_FEED_DEFAULT),
        truedata: trueDataFeedConfig.default(TRUEDATA_FEED_DEFAULT),
        replay: replayFeedConfig.default({ enabled: false, speed: 'realtime' }),
      })
      .strict()
      .default({
        simulator: { enabled: true, ticksPerSecond: 1000, seed: 42, script: 'random' }, publishers: { enabled: true }, binance: BINANCE_FEED_DEFAULT, kite: KITE_FEED_DEFAULT,
        truedata: TRUEDATA_FEED_DEFAULT, replay: { enabled: false, speed: 'realtime' },
      }),
    /** The paper broker (the default broker): fills against the live ticks. */
    paper: z
      .object({
        startingCash: z.number().positive().default(100_000),
        latencyMs: z.number().min(0).default(0),
        slippageBps: z.number().min(0).default(1),
        takerFeeBps: z.number().min(0).default(10),
        makerFeeBps: z.number().min(0).default(2),
      })
      .strict()
      .default({ startingCash: 100_000, latencyMs: 0, slippageBps: 1, takerFeeBps: 10, makerFeeBps: 2 }),
    /**
     * The broker client the risk thread owns (TICKRING_BROKER): paper (default), kite (Zerodha through
     * kiteconnect, with the `kite` credentials) or binance (spot, signed REST).
     */
    broker: z
      .object({
        name: z.enum(['paper', 'kite', 'binance']).default('paper'),
        /** Which internal user the engine trades for; `users` maps it to the broker's user id. */
        user: z.string().min(1).default('PAPER_TRADER_001'),
        /** Internal user id -> broker user id (e.g. PAPER_TRADER_001 -> QSW899 at Zerodha). */
        users: z.record(z.string(), z.string().min(1)).default({}),
        /** How often open orders at the venue are polled for state and executions. */
        pollMs: z.number().int().min(50).max(60_000).default(500),
        /** A venue request with no answer after this counts as unanswered (looked up before any resend). */
        timeoutMs: z.number().int().min(100).max(60_000).default(7000),
        /** Starting cash the engine assumes for a venue account until reconciliation reads the balance. */
        startingCash: z.number().positive().default(100_000),
        /** Kite product for orders: MIS (intraday), NRML (carry-forward F&O), CNC (delivery). */
        kiteProduct: z.enum(['MIS', 'NRML', 'CNC']).default('MIS'),
        binance: z
          .object({
            /** TICKRING_BINANCE_API_KEY */
            apiKey: z.string().optional(),
            /** TICKRING_BINANCE_API_SECRET */
            apiSecret: z.string().optional(),
            restUrl: z.string().url().default('https://api.binance.com'),
            recvWindowMs: z.number().int().min(1).max(60_000).default(5000),
          })
          .strict()
          .default({ restUrl: 'https://api.binance.com', recvWindowMs: 5000 }),
      })
      .strict()
      .default({
        name: 'paper', user: 'PAPER_TRADER_001', users: {}, pollMs: 500, timeoutMs: 7000, startingCash: 100_000, kiteProduct: 'MIS',
        binance: { restUrl: 'https://api.binance.com', recvWindowMs: 5000 },
      }),
    risk: z
      .object({
        /** Equity risked per entry between entry and stop, before regime and circuit multipliers. */
        riskPerTradePct: z.number().positive().max(10).default(0.5),
        /** Notional of one entry at most equity x this; a tight stop must not size a position many times the account. */
        maxLeverage: z.number().positive().max(20).default(1),
        /** The position-opening RiskLevel: lower bounds of MEDIUM, HIGH and CRITICAL per factor, and the size factor at LOW, MEDIUM, HIGH. */
        levels: z
          .object({
            exposure: thresholds.default([0.5, 0.8, 1]),
            concentration: thresholds.default([0.25, 0.5, 0.8]),
            drawdownPct: thresholds.default([1, 2.5, 4]),
            sizeFactors: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)]).default([1, 0.75, 0.5]),
          })
          .strict()
          .default({ exposure: [0.5, 0.8, 1], concentration: [0.25, 0.5, 0.8], drawdownPct: [1, 2.5, 4], sizeFactors: [1, 0.75, 0.5] }),
        /** Options (CE, PE, CALL, PUT in the instrument registry): entered only in NSE hours, before the cut-off (IST). */
        options: z
          .object({
            cutoff: hhmm.default('15:00'),
            expiryDay: z
              .object({ allowEntries: z.boolean().default(true), cutoff: hhmm.default('13:30'), sizeFactor: z.number().min(0).max(1).default(0.5) })
              .strict()
              .default({ allowEntries: true, cutoff: '13:30', sizeFactor: 0.5 }),
          })
          .strict()
          .default({ cutoff: '15:00', expiryDay: { allowEntries: true, cutoff: '13:30', sizeFactor: 0.5 } }),
        circuit: z
          .object({
            dailyLossPct: z.number().positive().default(5),
            drawdownPct: z.number().positive().default(2),
            drawdownWindowMs: z.number().int().positive().default(15 * 60_000),
            maxOpenPositions: z.number().int().min(1).default(10),
            brokerErrors: z.number().int().min(1).default(5),
            brokerErrorWindowMs: z.number().int().positive().default(60_000),
            cooldownMs: z.number().int().min(0).default(5 * 60_000),
            probeSizeFraction: z.number().positive().max(1).default(0.25),
            probesToClose: z.number().int().min(1).default(3),
          })
          .strict()
          .default({ dailyLossPct: 5, drawdownPct: 2, drawdownWindowMs: 15 * 60_000, maxOpenPositions: 10, brokerErrors: 5, brokerErrorWindowMs: 60_000, cooldownMs: 5 * 60_000, probeSizeFraction: 0.25, probesToClose: 3 }),
      })
      .strict()
      .default({
        riskPerTradePct: 0.5,
        maxLeverage: 1,
        levels: { exposure: [0.5, 0.8, 1], concentration: [0.25, 0.5, 0.8], drawdownPct: [1, 2.5, 4], sizeFactors: [1, 0.75, 0.5] },
        options: { cutoff: '15:00', expiryDay: { allowEntries: true, cutoff: '13:30', sizeFactor: 0.5 } },
        circuit: { dailyLossPct: 5, drawdownPct: 2, drawdownWindowMs: 15 * 60_000, maxOpenPositions: 10, brokerErrors: 5, brokerErrorWindowMs: 60_000, cooldownMs: 5 * 60_000, probeSizeFraction: 0.25, probesToClose: 3 },
      }),
    /** Zerodha Kite Connect, shared by the Kite Ticker feed and the daily login. */
    kite: z
      .object({
        /** TICKRING_KITE_API_KEY */
        apiKey: z.string().optional(),
        /** TICKRING_KITE_API_SECRET: for the daily login's token exchange */
        apiSecret: z.string().optional(),
        /** TICKRING_KITE_ACCESS_TOKEN at start; the daily login replaces it at run time */
        accessToken: z.string().optional(),
        restUrl: z.string().url().default('https://api.kite.trade'),
        loginUrl: z.string().url().default('https://kite.zerodha.com/connect/login'),
      })
      .strict()
      .default({ restUrl: 'https://api.kite.trade', loginUrl: 'https://kite.zerodha.com/connect/login' }),
    /**
     * PostgreSQL and Redis (DATABASE_URL, REDIS_URL). Authentication and the control API need both.
     * Without DATABASE_URL the engine stores orders, fills and the rest in embedded PostgreSQL
     * (PGlite) under `dataDir`; the write-behind journal lives there too.
     */
    storage: z
      .object({
        databaseUrl: z.string().optional(),
        redisUrl: z.string().optional(),
        /** TICKRING_DATA_DIR: embedded database and journal */
        dataDir: z.string().min(1).default('./var'),
        /** Rows per database write (and per journal record). */
        batchRows: z.number().int().min(1).max(100_000).default(2000),
        /**
         * A partial batch is written after at most this long. Each write is a transaction; fewer, larger
         * ones leave the CPU to the trading threads (20 ms cost the order path's tail on two cores).
         */
        flushMs: z.number().int().min(1).max(10_000).default(250),
        /** While the database is away: how often to try replaying the journal. */
        retryMs: z.number().int().min(10).max(60_000).default(1000),
        /** A write that takes longer counts as failed and its batch goes to the journal. */
        writeTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
        /** Record every signal the risk thread receives (orders, fills and risk events are always recorded). */
        recordSignals: z.boolean().default(true),
        /**
         * Instead of a database: every row as one JSON line, in the order the risk thread recorded
         * them, to this file (backtests; nothing is written to PostgreSQL).
         */
        rowsFile: z.string().min(1).optional(),
        /**
         * While rows cannot reach the database (they go to the journal): 'continue' trading, or
         * 'halt-entries' (no new positions; exits, stops and the kill switch still work) until it is back.
         */
        outagePolicy: z.enum(['continue', 'halt-entries']).default('continue'),
      })
      .strict()
      .default({ dataDir: './var', batchRows: 2000, flushMs: 250, retryMs: 1000, writeTimeoutMs: 5000, recordSignals: true, outagePolicy: 'continue' }),
    auth: z
      .object({
        /** TICKRING_JWT_SECRET; without it tokens are signed with a per-process secret and do not survive a restart. */
        jwtSecret: z.string().min(32, 'at least 32 characters').optional(),
        accessTtlSec: z.number().int().min(30).max(86_400).default(900),
        refreshTtlSec: z.number().int().min(60).default(7 * 86_400),
        loginLimit: z.number().int().min(1).default(10),
        loginWindowSec: z.number().int().min(1).default(900),
        /** Largest request body the HTTP API takes (413 beyond). */
        maxBodyBytes: z.number().int().min(256).default(64 * 1024),
        /** Prefix of the Redis keys (several engines or environments on one Redis). */
        redisPrefix: z.string().min(1).default('tickring:'),
      })
      .strict()
      .default({ accessTtlSec: 900, refreshTtlSec: 7 * 86_400, loginLimit: 10, loginWindowSec: 900, maxBodyBytes: 64 * 1024, redisPrefix: 'tickring:' }),
    /**
     * Replays and backtests: every thread orders its work by the ticks themselves, not by when it
     * gets to them, so one input gives the same signals, orders and fills on every run and at any
     * replay speed. Times are the ticks' own (exchange) times; the risk thread applies a tick only
     * after every strategy has processed the ticks before it, and handles their signals first; model
     * fits run in the strategy thread at the bar that asks for them; client order ids start with
     * `replay` instead of a run id. Only with the replay feed: a stalled strategy would hold up the
     * risk thread on a live feed.
     */
    deterministic: z.boolean().default(false),
    /** Capture every normalised tick to this file (`tickring record FILE` sets it). */
    capture: z.object({ path: z.string().optional() }).strict().default({}),
    /** Instrument files to load into the registry (Kite instruments CSV, Binance exchangeInfo JSON). */
    instrumentFiles: z
      .object({ kite: z.string().optional(), binanceSpot: z.string().optional(), binanceFutures: z.string().optional() })
      .strict()
      .default({}),
    rings: z
      .object({
        tickCapacity: powerOfTwo(16, 1 << 24).default(1 << 16),
        signalCapacity: powerOfTwo(16, 1 << 24).default(1 << 14),
        /** Records from the risk thread to the store thread (512 bytes each). */
        storeCapacity: powerOfTwo(16, 1 << 20).default(1 << 14),
        waitStrategy: z.enum(WAIT_STRATEGIES as [string, ...string[]]).default('spin-then-park'),
        spinIterations: z.number().int().min(0).max(10_000_000).default(5000),
      })
      .strict()
      .default({ tickCapacity: 1 << 16, signalCapacity: 1 << 14, storeCapacity: 1 << 14, waitStrategy: 'spin-then-park', spinIterations: 5000 }),
    /**
     * Real-time scheduling (Linux SCHED_FIFO) of the threads a tick crosses: ingest, strategies, risk. On a
     * machine with as few cores as hot threads, the normal scheduler lets a woken thread wait for a core for up
     * to milliseconds; a real-time thread takes it at once. Needs CAP_SYS_NICE or an RLIMIT_RTPRIO of at least
     * `priority` + 1; refused, the thread logs why and runs on the normal scheduler. Off by default.
     */
    scheduling: z
      .object({
        realtime: z.boolean().default(false),
        /** The real-time priority (1-97) of each strategy and of the risk thread; ingest, their producer, runs one above. */
        priority: z.number().int().min(1).max(97).default(10),
        /**
         * On the normal scheduler, the slice in microseconds the threads a tick crosses ask for (Linux 6.12+): a
         * short one lets a woken thread take a core at once instead of waiting out the running thread's
         * (workers/thread-priority.ts). 0: the kernel's default.
         */
        sliceUs: z
          .number()
          .int()
          .refine((us) => us === 0 || (us >= 100 && us <= 100_000), 'expected 0 (the kernel default) or 100-100000 (the range Linux takes)')
          .default(100),
        /**
         * Hold a 0-us CPU wake-up latency request (Linux PM QoS, /dev/cpu_dma_latency) while the engine runs:
         * idle CPUs poll instead of halting, so a woken thread starts at once (workers/cpu-idle-poll.ts). Costs
         * the idle cores' power; needs write access to the device (root). Refused, the engine logs why and runs on.
         */
        idlePoll: z.boolean().default(false),
      })
      .strict()
      .default({ realtime: false, priority: 10, sliceUs: 100, idlePoll: false }),
    /** The strategies the desk runs by default; `latency-probe` (a diagnostic that signals on every Nth tick) is for benches and tests. */
    strategies: z.array(strategyConfig).min(1).default([{ name: 'volume-scalper', params: {} }, { name: 'regime-detector', params: {} }]),
    supervisor: z
      .object({
        restartInitialMs: z.number().int().min(1).default(100),
        restartMaxMs: z.number().int().min(1).default(5000),
        /** More crashes than this within `windowMs` and the thread stays down. */
        maxRestarts: z.number().int().min(0).default(5),
        windowMs: z.number().int().min(1).default(60_000),
        /** SIGTERM/SIGINT: drain the rings and exit within this. */
        shutdownTimeoutMs: z.number().int().min(100).max(60_000).default(4500),
      })
      .strict()
      .default({ restartInitialMs: 100, restartMaxMs: 5000, maxRestarts: 5, windowMs: 60_000, shutdownTimeoutMs: 4500 }),
    health: z
      .object({ heartbeatTimeoutMs: z.number().int().min(100).default(2000) })
      .strict()
      .default({ heartbeatTimeoutMs: 2000 }),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type StrategyConfig = z.infer<typeof strategyConfig>;
