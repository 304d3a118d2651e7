import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
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
