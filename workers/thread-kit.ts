import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { Clock } from '../engine/clock.js';
import { createLogger, type Logger } from '../engine/log.js';
import type { EnginePlan } from '../engine/plan.js';
import { StatusRegion } from '../engine/status/status-region.js';
import { watchCollections } from './gc-watch.js';
import { nameThisThread, niceOfThisThread, realtimePriority, realtimeThisThread, sliceOfThisThread, slicePlan, sliceThisThread } from './thread-priority.js';
import type { ControlAction, RiskLimitsChange } from '../api/control-api.js';
import type { FitKind } from '../engine/strategies/strategy.js';

/** What every thread receives at spawn. */
export interface ThreadData {
  plan: EnginePlan;
  thread: string;
  /** 0 for the first start, then 1, 2, ... after restarts. */
  incarnation: number;
}

/** What the broker client can be asked from outside the risk thread. */
export type BrokerQuery = 'margins' | 'positions' | 'orders';

/** Control-plane messages from the main thread (rare; structured clone is fine). */
export type ControlMessage =
  | { type: 'stop' } // stop producing / serving and exit
  | { type: 'drain' } // read until the input rings are empty, then exit
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'params'; params: unknown }
  /** A new broker access token (the daily login): the Kite ticker reconnects with it. */
  | { type: 'broker-token'; broker: 'kite'; accessToken: string }
  /** Subscribe or unsubscribe symbols on a running feed (ingest thread). */
  | { type: 'subscribe' | 'unsubscribe'; feed: string; symbols: string[] }
  /** Risk thread: the kill switch, its reset, the circuit breaker's reset (who asked is recorded). */
  | { type: 'kill-switch' | 'kill-reset' | 'circuit-reset'; by: string }
  /** Risk thread: cancel or modify an order at the broker (an operator asked). */
  | { type: 'order-cancel'; clientOrderId: string; by: string }
  /** Risk thread: new limits an admin set (validated by the API). */
  | { type: 'risk-limits'; limits: RiskLimitsChange; by: string }
  | { type: 'order-modify'; clientOrderId: string; qty?: number; limitPrice?: number; by: string }
  /** Risk thread: a question for the broker client (the HTTP thread waits for the reply). */
  | { type: 'broker-query'; requestId: number; query: BrokerQuery; from: string }
  /** HTTP thread: the answer to a question it asked. */
  | { type: 'reply'; requestId: number; ok: boolean; body: unknown }
  /** A model the strategy asked for, fitted by the main thread's pool. */
  | { type: 'model'; kind: FitKind; instrumentId: number; fit: unknown }
  /** A trained model for the strategies that arrived after the thread started (serialised, shared). */
  | { type: 'models'; regimeClassifier: SharedArrayBuffer };

/** Messages a thread sends to the main thread. */
export type ThreadEvent =
  | { type: 'listening'; service: 'ingest' | 'http'; port: number }
  | { type: 'started' }
  /** The HTTP thread asks the main thread to act (after authorising it). */
  | ({ type: 'control-request' } & ControlAction)
  /** The HTTP thread asks the broker client something (answered with a reply). */
  | { type: 'broker-query'; requestId: number; query: BrokerQuery }
  /** The answer to a question, for the thread that asked. */
  | { type: 'reply'; to: string; requestId: number; ok: boolean; body: unknown }
  /** A strategy asks for a model fit (the main thread's model pool does it). */
  | { type: 'fit-request'; kind: FitKind; instrumentId: number; x: Float64Array }
  /** A feed with an end (a replay) has played everything. */
  | { type: 'feed-finished'; feed: string; ticks: number };

export interface ThreadKit {
  data: ThreadData;
  plan: EnginePlan;
  clock: Clock;
  status: StatusRegion;
  log: Logger;
  /** Whether this thread runs on SCHED_FIFO (scheduling.realtime, granted). */
  realtime: boolean;
  /** Writes this thread's heartbeat. */
  beat(): void;
  /** Reports a time the thread's consumer loop was away from its rings (ms); true when it was a pause (over 10 ms). */
  stall(ms: number): boolean;
  onControl(handler: (m: ControlMessage) => void): void;
  send(event: ThreadEvent): void;
}

export function threadKit(): ThreadKit {
  if (!parentPort) throw new Error('this file is a worker thread entry; the engine starts it');
  const port = parentPort;
  const data = workerData as ThreadData;
  const { plan } = data;
  nameThisThread(data.thread.replace('strategy:', ''));
  const clock = new Clock(plan.anchor);
  const status = new StatusRegion(plan.status.buffer, plan.status.layout);
  const log = createLogger(plan.config.log.level, data.thread);
  const heartbeat = status.slot(`thread.${data.thread}.heartbeat`);
  // pauses over this are counted: a 10 ms pause on a strategy thread is one the desk would notice
  const PAUSE_MS = 10;
  const slots = (max: string, over: string) => ({ max: status.slot(`thread.${data.thread}.${max}`), over: status.slot(`thread.${data.thread}.${over}`) });
  const gcSlots = slots('gcPauseMaxMs', 'gcPausesOver10ms');
  const stallSlots = slots('stallMaxMs', 'stallsOver10ms');
  const pause = (s: { max: number; over: number }, ms: number) => {
    if (ms > status.get(s.max)) status.set(s.max, ms);
    if (ms > PAUSE_MS) status.add(s.over, 1);
    return ms > PAUSE_MS;
  };
  const liveSlot = status.slot(`thread.${data.thread}.heapLiveBytes`);
  watchCollections((ms) => pause(gcSlots, ms), (bytes) => status.set(liveSlot, bytes)); // for the life of the thread
  // this thread's heap (its young generation too) and nice value, once a second (a few microseconds; never per tick)
  const sampledSlots = ['heapUsedBytes', 'heapTotalBytes', 'externalBytes', 'nice', 'youngBytes'].map((f) => status.slot(`thread.${data.thread}.${f}`));
  const sample = () => {
    const h = getHeapStatistics();
    status.set(sampledSlots[0], h.used_heap_size);
    status.set(sampledSlots[1], h.total_heap_size);
    status.set(sampledSlots[2], h.external_memory);
    status.set(sampledSlots[3], niceOfThisThread() ?? 0);
    let young = 0;
    for (const s of getHeapSpaceStatistics()) if (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') young += s.space_size;
    status.set(sampledSlots[4], young);
  };
  sample();
  setInterval(sample, 1000).unref();
  const kit: ThreadKit = {
    data,
    plan,
    clock,
    status,
    log,
    realtime: false,
    beat: () => status.set(heartbeat, clock.now()),
    stall: (ms) => pause(stallSlots, ms),
    onControl: (handler) => port.on('message', handler),
    send: (event) => port.postMessage(event),
  };
  const rt = realtimePriority(plan.config, data.thread);
  if (rt !== null) {
    const refused = realtimeThisThread(rt);
    status.set(status.slot(`thread.${data.thread}.realtimePriority`), refused ? 0 : rt);
    kit.realtime = !refused;
    if (refused) log.warn({ priority: rt, reason: refused }, 'real-time scheduling refused: this thread runs on the normal scheduler (grant CAP_SYS_NICE or an rtprio limit)');
    else log.info({ priority: rt }, 'real-time scheduling (SCHED_FIFO)');
  }
  const slice = kit.realtime ? null : slicePlan(plan.config, data.thread);
  if (slice !== null) {
    const refused = sliceThisThread(slice);
    if (refused) log.warn({ sliceNs: slice, reason: refused }, 'short scheduler slice refused: this thread runs with the kernel default');
  }
  status.set(status.slot(`thread.${data.thread}.sliceNs`), sliceOfThisThread() ?? 0);
  kit.beat();
  return kit;
}
