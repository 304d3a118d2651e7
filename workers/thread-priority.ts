import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { Config } from '../engine/config/schema.js';
import { isTickConsumer } from '../engine/plan.js';

/**
 * Scheduling of this thread. On Linux every worker thread is a task of its own, with its own nice value and
 * scheduling policy, so each thread sets its own at start (a restarted thread sets it again).
 */

/** This thread's Linux task id; null off Linux. */
function taskId(): number | null {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

/** This thread's nice value; null off Linux. */
export function niceOfThisThread(): number | null {
  const tid = taskId();
  return tid === null ? null : getPriority(tid);
}

/** Gives this thread a nice value (higher yields more). Returns why not, or null when done. */
export function niceThisThread(nice: number): string | null {
  const tid = taskId();
  if (tid === null) return 'not Linux: no per-thread priority';
  try {
    setPriority(tid, nice);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The helper threads' nice value: 10, as the store thread's. They still get a core whenever one is idle. */
export const HELPER_THREAD_NICE = 10;

/**
 * Gives every other thread of this process a nice value of at least `nice`; the engine's main thread calls it
 * before it starts any worker. What runs then, besides the main thread, is V8's platform pool (every isolate's
 * concurrent marking, parallel scavenges and background compilation) and libuv's. Threads created later
 * inherit the main thread's nice value, so the workers keep theirs. Why: a platform thread runs tasks of up to
 * ~12 ms, and a tick thread that wakes on the same core waits behind it, where the other core runs the other
 * tick threads in turn (perf sched, soak configuration, after warm-up: the volume scalper queued 15.9 ms behind
 * one). Niced, it gives the core up to a waking tick thread. Returns how many threads it niced, and why not
 * where it could not.
 */
export function niceOtherThreads(nice: number): { niced: number; refused: string | null } {
  const self = taskId();
  if (self === null) return { niced: 0, refused: 'not Linux: no per-thread priority' };
  let niced = 0;
  let refused: string | null = null;
  for (const entry of readdirSync('/proc/self/task')) {
    const tid = Number(entry);
    if (tid === self) continue;
    try {
      if (getPriority(tid) >= nice) continue; // already yields as much (the model-fit threads run at 19)
      setPriority(tid, nice);
      niced++;
    } catch (e) {
      refused ??= (e as Error).message; // a thread that has exited meanwhile, or no permission
    }
  }
  return { niced, refused };
}

/**
 * Puts this thread on SCHED_FIFO at `priority`, through util-linux `chrt` (the engine has no native code and
 * Node has no call for it). Returns why not, or null when done: it needs CAP_SYS_NICE, or an RLIMIT_RTPRIO of
 * at least `priority` (`ulimit -r`, `docker run --ulimit rtprio=N`).
 */
export function realtimeThisThread(priority: number): string | null {
  const tid = taskId();
  if (tid === null) return 'not Linux: no real-time scheduling';
  const r = spawnSync('chrt', ['--fifo', '--pid', String(priority), String(tid)], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return `chrt: ${r.error.message}`;
  if (r.status !== 0) return (r.stderr || `chrt exited with ${r.status}`).trim();
  return null;
}

/**
 * The real-time priority of a thread under `scheduling.realtime` (null: the normal scheduler). Only the
 * threads a tick crosses: ingest, each strategy, risk. The producer is one above its consumers: a batch of ticks
 * reaches every ring before a consumer it wakes can take the core from it, and its ~1 ms pumps stay short. The
 * consumers (each strategy, and risk, which reads the strategies' signals and the ticks) share one priority:
 * none preempts another mid-batch. Measured on the 2-core machine against the first layout (each stage one above
 * the stage that feeds it): ingest-to-strategy p50 ~180 -> ~80 us, the volume scalper's tick-to-signal p99
 * ~850 -> ~330 us (scratch runs); signal-to-order showed no gain in full bench runs. Never in a deterministic replay, which runs every thread
 * flat out and would leave the others 5% of the machine.
 */
export function realtimePriority(config: Pick<Config, 'scheduling' | 'deterministic'>, thread: string): number | null {
  const s = config.scheduling;
  if (!s.realtime || config.deterministic) return null;
  if (thread === 'ingest') return s.priority + 1;
  if (isTickConsumer(thread)) return s.priority;
  return null;
}
