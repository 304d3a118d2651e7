import { setFlagsFromString } from 'node:v8';
import type { Config } from '../engine/config/schema.js';
import type { Logger } from '../engine/log.js';
import { Clock } from '../engine/clock.js';
import { createPlan, HTTP, INGEST, isTickConsumer, RISK, STORE, strategyThread, type EnginePlan } from '../engine/plan.js';
import { StatusRegion } from '../engine/status/status-region.js';
import { SupervisedThread } from './supervised-thread.js';
import { ModelPool } from './model-pool.js';
import { regimeClassifierUsers, storedRegimeClassifier, trainRegimeClassifier, wantsRegimeClassifier } from './regime-model.js';
import type { ThreadEvent } from './thread-kit.js';
import type { FitKind } from '../engine/strategies/strategy.js';
import type { ControlAction } from '../api/control-api.js';
import { holdIdlePoll } from './cpu-idle-poll.js';
import { FitFailures } from './fit-failures.js';

export interface RunningEngine {
  plan: EnginePlan;
  status: StatusRegion;
  ports: { http: number | null; ingest: number | null };
  threads: Map<string, SupervisedThread>;
  /** Resolves with the ticks played when a feed with an end (a replay) has played everything. */
  feedFinished(feed: string): Promise<number>;
  /** Hands a new broker access token to the threads that use it (the daily login). */
  setBrokerToken(broker: 'kite', accessToken: string): void;
  /** Drains the rings and stops every thread; resolves with whether all stopped cleanly in time. */
  stop(): Promise<boolean>;
}

const entry = (file: string) => new URL(`./${file}`, import.meta.url);

/**
 * The young generation of the threads on the tick path (each strategy, risk), in MiB: two 4 MiB semi-spaces
 * and their large-object space. Left to V8, a thread's young generation grows in steps up to 48 MiB (16 MiB
 * semi-spaces on this machine's 24 GiB) as the survivors of its scavenges add up over the minutes, and stays
 * there: in a 30-minute soak the volume scalper went 17 -> 50 MiB committed while what it kept alive stayed
 * at 11 MiB, and the process's RSS grew 18% after warm-up. These threads make little garbage (a clock read is
 * a new heap number on Node 20: the strategy threads read it once a batch and on every eighth tick): at 10k
 * ticks/s 4 MiB is a scavenge every ~20-25 s (`--trace-gc`), of a space that is almost all dead, so it is short.
 */
export const TICK_PATH_YOUNG_GENERATION_MB = 12;
export const resourceLimitsOf = (thread: string) =>
  isTickConsumer(thread) ? { maxYoungGenerationSizeMb: TICK_PATH_YOUNG_GENERATION_MB } : undefined;

/**
 * Starts every thread's young generation at the tick-path threads' cap (semi-spaces of a third of it), so theirs
 * is full size from the start instead of growing from 1 MiB semi-spaces in steps over the first ~12 minutes of
 * trading (V8 may still leave the second semi-space uncommitted in a thread that allocates little) (30-minute soak: the volume scalper's committed heap 11 -> 15 MiB while what it used
 * stayed flat), as a JVM sized with -Xmn for a trading session does not resize its heap during it. A V8 flag,
 * so for each isolate started after the call: the other threads start there too and still grow to V8's own cap.
 */
export function presizeYoungGenerations(): void {
  setFlagsFromString(`--min-semi-space-size=${TICK_PATH_YOUNG_GENERATION_MB / 3}`);
}

/**
 * Turns off V8's memory reducer, for each isolate started after the call (a V8 flag: the whole process). It gives
 * memory back from a heap that looks idle, and a thread that allocates little (the regime detector between
 * bars, the risk thread between orders) looks idle: its watchdog ran a full, memory-reducing collection on
 * both every ~106 s here, with a last pause of 9.7-41.4 ms on the regime detector and 21-27 ms on the risk
 * thread (`--trace-gc`: 'Mark-Compact (reduce) ... GC in old space requested'), some of the strategy threads'
 * pauses over 10 ms in a 30-minute soak (not all: the rest were waits for a core). Their heaps are bounded without it (the young generation capped, the old one
 * holding what lives); V8 still collects whenever a heap needs it, as a trading JVM sized for its session does.
 */
export function disableMemoryReducer(): void {
  setFlagsFromString('--no-memory-reducer');
}

/**
 * Each thread scavenges its young generation on its own thread, without V8's helper threads (a V8 flag: the whole
 * process, every scavenge after the call). The helpers are the platform pool the engine nices (niceOtherThreads),
 * and a scavenge waits for every helper that took a share of it: on two busy cores a niced helper waits for one,
 * and the tick thread waits for the helper. In the soak's configuration (`--trace-gc-nvp`) a strategy thread's
 * scavenge of 16 KB of survivors took 12.2 ms, 9.4 of them waiting for its helper's 9.3; alone, a young generation
 * this small (a few KB to a few hundred KB survive) is scavenged in well under a millisecond. A thread that
 * allocates 40 MB/s, 4 MiB semi-spaces, the other core busy, 40 s (six runs): scavenge p99 0.78-0.90 ms alone
 * against 1.84-3.04 with the helpers; with the other core idle 0.52 against 1.09. The store thread, whose
 * survivors are larger, scavenges a little longer (median 6.2 against 4.7 ms), off the tick path.
 */
export function scavengeWithoutHelpers(): void {
  setFlagsFromString('--no-parallel-scavenge');
}

/**
 * How much bytecode V8's optimiser may inline into one function, in all (V8's default: 920). A call it does not
 * inline passes its floating-point arguments boxed, each a new 16-byte heap number: with the default, the volume
 * scalper's onTick had no budget left for its bar builder and footprint calls and allocated 48-62 bytes a tick
 * (the strategy bench), and its thread scavenged 19 times a minute at 10k ticks/s (`--trace-gc`, the soak's
 * load); with this budget onTick allocates nothing a tick, and the thread (with fewer clock reads) scavenges
 * 2.5 times a minute.
 */
export const INLINED_BYTECODE_BUDGET = 4000;

/** Lets V8 inline up to INLINED_BYTECODE_BUDGET into a function: a V8 flag, so for all code compiled after the call. */
export function widenInlining(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINED_BYTECODE_BUDGET}`);
}

/**
 * The main thread's job: lay out shared memory, spawn and supervise the
 * threads, and shut them down in data-flow order so nothing accepted is lost.
 */
export async function startEngine(config: Config, log: Logger, startTimeoutMs = 10_000): Promise<RunningEngine> {
  const plan = createPlan(config);
  presizeYoungGenerations();
  disableMemoryReducer();
  scavengeWithoutHelpers();
  widenInlining();
  const coreThreads = new Set([INGEST, RISK, STORE, HTTP]);
  const status = new StatusRegion(plan.status.buffer, plan.status.layout);
  // before any thread starts, so their first wake-ups already find polling CPUs; never in a replay (it runs flat out)
  const idlePoll = config.scheduling.idlePoll && !config.deterministic ? holdIdlePoll() : null;
  if (idlePoll?.refused) log.warn({ reason: idlePoll.refused }, 'idle poll refused: idle CPUs halt as usual (give the engine write access to /dev/cpu_dma_latency)');
  else if (idlePoll) log.info('idle poll: idle CPUs poll instead of halting while the engine runs (scheduling.idlePoll)');
  status.set(status.slot('engine.idlePoll'), idlePoll && !idlePoll.refused ? 1 : 0);
  const releaseIdlePoll = () => {
    idlePoll?.release();
    status.set(status.slot('engine.idlePoll'), 0);
  };
  const clock = new Clock(plan.anchor);
  const ports: RunningEngine['ports'] = { http: null, ingest: null };
  const started = new Set<string>();
  const finishedFeeds = new Map<string, number>();
  const feedWaiters: (() => void)[] = [];
  const feedFinished = async (feed: string): Promise<number> => {
    while (!finishedFeeds.has(feed)) await new Promise<void>((r) => feedWaiters.push(r));
    return finishedFeeds.get(feed)!;
  };
  let notify: () => void = () => {};
  /** The latest broker token: a restarted ingest thread gets it again, not the one from config. */
  let kiteToken: string | null = null;
  const onEvent = (thread: string, e: ThreadEvent) => {
    if (e.type === 'listening') ports[e.service] = e.port;
    if (e.type === 'control-request') routeControl(e);
    if (e.type === 'broker-query') threads.get(RISK)?.send({ type: 'broker-query', requestId: e.requestId, query: e.query, from: thread });
    if (e.type === 'reply') threads.get(e.to)?.send({ type: 'reply', requestId: e.requestId, ok: e.ok, body: e.body });
    if (e.type === 'fit-request') void fit(thread, e.kind, e.instrumentId, e.x);
    if (e.type === 'feed-finished') {
      finishedFeeds.set(e.feed, e.ticks);
      for (const w of feedWaiters.splice(0)) w();
    }
    if (e.type === 'started') {
      started.add(thread);
      handOver(thread); // a detector restarted after the classifier was trained gets it again
      if ((thread === INGEST || thread === RISK) && kiteToken !== null) threads.get(thread)!.send({ type: 'broker-token', broker: 'kite', accessToken: kiteToken });
    }
    notify();
  };

  const threads = new Map<string, SupervisedThread>();
  // model fits for the strategies, in a pool made on the first request (one thread: two cores)
  let pool: ModelPool | null = null;
  const models = () => (pool ??= new ModelPool(1));
  const closePool = async () => pool?.close();
  // the regime classifier: stored, or trained once; a deterministic replay waits for it (its regimes must
  // not depend on when it arrives), a live engine starts without it and hands it over when trained
  const detectorThreads = new Set(regimeClassifierUsers(config).map(strategyThread));
  let classifier: SharedArrayBuffer | null = null;
  let trainClassifier = false;
  if (wantsRegimeClassifier(config)) {
    classifier = plan.models.regimeClassifier = storedRegimeClassifier(config, log);
    if (!classifier && config.deterministic) classifier = plan.models.regimeClassifier = await trainRegimeClassifier(config, log, models());
    trainClassifier = !classifier;
  }
  const handOver = (thread: string) => {
    if (classifier && detectorThreads.has(thread) && plan.models.regimeClassifier !== classifier) threads.get(thread)?.send({ type: 'models', regimeClassifier: classifier });
  };
  const fitFailures = new FitFailures(log, status);
  async function fit(thread: string, kind: FitKind, instrumentId: number, x: Float64Array): Promise<void> {
    const strategy = thread.slice(strategyThread('').length);
    try {
      const { result, ms } = await models().refit(kind, x);
      threads.get(thread)?.send({ type: 'model', kind, instrumentId, fit: result });
      log.debug({ thread, kind, instrumentId, ms }, 'model fitted');
      fitFailures.fitted(strategy, kind, instrumentId);
    } catch (e) {
      fitFailures.failed(strategy, kind, instrumentId, e as Error);
    }
  }

  /** Control actions the HTTP thread authorised, to the thread that carries them out. */
  function routeControl(a: ControlAction): void {
    switch (a.action) {
      case 'broker-token':
        return setBrokerToken(a.broker, a.accessToken);
      case 'subscribe':
      case 'unsubscribe':
        return threads.get(INGEST)?.send({ type: a.action, feed: a.feed, symbols: a.symbols });
      case 'params':
        return threads.get(strategyThread(a.strategy))?.send({ type: 'params', params: a.params });
      case 'pause':
      case 'resume':
        return threads.get(strategyThread(a.strategy))?.send({ type: a.action });
      case 'kill-switch':
      case 'kill-reset':
      case 'circuit-reset':
        return threads.get(RISK)?.send({ type: a.action, by: a.by });
      case 'risk-limits':
        return threads.get(RISK)?.send({ type: 'risk-limits', limits: a.limits, by: a.by });
      case 'order-cancel':
        return threads.get(RISK)?.send({ type: 'order-cancel', clientOrderId: a.clientOrderId, by: a.by });
      case 'order-modify':
        return threads.get(RISK)?.send({ type: 'order-modify', clientOrderId: a.clientOrderId, qty: a.qty, limitPrice: a.limitPrice, by: a.by });
    }
  }
  function setBrokerToken(broker: 'kite', accessToken: string): void {
    kiteToken = accessToken;
    threads.get(INGEST)!.send({ type: 'broker-token', broker, accessToken });
    threads.get(RISK)!.send({ type: 'broker-token', broker, accessToken });
  }
  for (const name of plan.threads) {
    const file = name === INGEST ? 'ingest-thread.js' : name === RISK ? 'risk-thread.js' : name === STORE ? 'store-thread.js' : name === HTTP ? 'http-thread.js' : 'strategy-thread.js';
    threads.set(name, new SupervisedThread(name, entry(file), plan, status, log, onEvent, () => clock.now(), resourceLimitsOf(name)));
  }
  // The producer of ticks only once every other thread is up: no tick waits in a ring (or overflows it) for a
  // reader still loading, and an ingest thread on SCHED_FIFO at 100k ticks/s cannot take the cores from
  // threads still starting on the normal scheduler (the risk and HTTP threads once missed the start timeout so).
  for (const name of plan.threads) if (name !== INGEST) threads.get(name)!.start();
  let producing = false;

  const needIngestPort = config.feeds.publishers.enabled;
  const started$ = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`engine did not start within ${startTimeoutMs} ms (started: ${[...started].join(', ') || 'none'})`)),
      startTimeoutMs,
    );
    notify = () => {
      if (!producing && plan.threads.every((t) => t === INGEST || started.has(t))) {
        producing = true;
        threads.get(INGEST)!.start();
      }
      if (started.size === plan.threads.length && ports.http !== null && (!needIngestPort || ports.ingest !== null)) {
        clearTimeout(timer);
        resolve();
      }
    };
    notify();
  });
  try {
    await started$;
  } catch (e) {
    // a start that failed leaves nothing behind: threads, the model pool, a held idle-poll request (a caller that
    // logs the error and carries on, a test, a bench, would keep them all until its process exits)
    notify = () => {};
    await Promise.all([...threads.values()].map((t) => t.stop({ type: 'stop' }, 1000)));
    await closePool();
    releaseIdlePoll();
    throw e;
  }
  notify = () => {};
  // after start-up, not during it: training takes a core for seconds
  if (trainClassifier) {
    void trainRegimeClassifier(config, log, models()).then(
      (m) => {
        classifier = m;
        for (const t of detectorThreads) handOver(t);
      },
      (e) => log.error({ err: (e as Error).message }, 'the regime classifier could not be trained: the detector runs on its HMM and GARCH alone'),
    );
  }

  const stop = async (): Promise<boolean> => {
    const deadline = Date.now() + config.supervisor.shutdownTimeoutMs;
    const left = () => deadline - Date.now();
    status.set(status.slot('engine.shuttingDown'), 1);
    const results: string[] = [];
    // Data-flow order: stop producing, then let each consumer drain its rings.
    results.push(await threads.get(INGEST)!.stop({ type: 'stop' }, left() * 0.3));
    const strategies = plan.threads.filter((t) => !coreThreads.has(t));
    results.push(...(await Promise.all(strategies.map((t) => threads.get(t)!.stop({ type: 'drain' }, left() * 0.4)))));
    results.push(await threads.get(RISK)!.stop({ type: 'drain' }, left() * 0.55));
    // everything the risk thread recorded is on the store ring: write it or journal it
    results.push(await threads.get(STORE)!.stop({ type: 'drain' }, left() * 0.85));
    results.push(await threads.get(HTTP)!.stop({ type: 'stop' }, left()));
    await closePool();
    releaseIdlePoll();
    return results.every((r) => r === 'clean');
  };

  return { plan, status, ports, threads, stop, setBrokerToken, feedFinished };
}
