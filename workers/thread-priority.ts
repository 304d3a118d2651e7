import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
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

/**
 * Names this thread's Linux task after the engine thread it runs (`risk`, a strategy by its id; cut to the
 * kernel's 15 characters), so top -H, ps and perf tell the threads apart; every worker is `node` otherwise.
 * Off Linux, nothing.
 */
export function nameThisThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name.slice(0, 15));
  } catch {
    // not Linux: the name is cosmetic
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

/** Linux's sched_setattr system call number, per architecture (no libc wrapper: called through perl's syscall). */
const SCHED_SETATTR: Partial<Record<NodeJS.Architecture, number>> = { x64: 314, arm64: 274 };

/** This thread's scheduler slice in ns (`se.slice` in /proc; Linux 6.6+ with scheduler debug info), or null. */
export function sliceOfThisThread(): number | null {
  try {
    const m = /^se\.slice\s*:\s*(\d+)/m.exec(readFileSync('/proc/thread-self/sched', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Asks the normal scheduler for a shorter slice for this thread: `sched_setattr` with SCHED_OTHER and
 * `sched_runtime` (Linux 6.12+, EEVDF custom slices; no privilege needed; the kernel clamps it to 0.1-100 ms).
 * A task's virtual deadline is its slice ahead, so a waking thread with a short slice has the earliest deadline
 * and takes the core from the thread running there at once, where with the default slice (1.4 ms on this
 * 2-core machine) it may wait for that thread's slice to run out. Node has no call for it and the engine no
 * native code: perl's `syscall` (perl-base is part of every Debian image) makes the call. Keeps the thread's
 * nice value. Returns why not, or null when done and read back.
 */
export function sliceThisThread(ns: number): string | null {
  const tid = taskId();
  const nr = SCHED_SETATTR[process.arch];
  if (tid === null || nr === undefined) return `no sched_setattr here (${process.platform}/${process.arch})`;
  // struct sched_attr (56 bytes): size, policy 0 (SCHED_OTHER), flags, nice, rt priority, runtime (the slice), ...
  const script = 'my ($nr, $tid, $nice, $ns) = @ARGV; my $a = pack("LLQlLQQQLL", 56, 0, 0, $nice, 0, $ns, 0, 0, 0, 0); syscall($nr + 0, $tid + 0, $a, 0) == 0 or die "sched_setattr: $!\n";';
  const r = spawnSync('perl', ['-e', script, String(nr), String(tid), String(getPriority(tid)), String(ns)], { encoding: 'utf8', timeout: 5000 });
  if (r.error) return `perl: ${r.error.message}`;
  if (r.status !== 0) return (r.stderr || `perl exited with ${r.status}`).trim();
  const got = sliceOfThisThread();
  // kernels before 6.12 take the call and ignore the runtime of a SCHED_OTHER task
  if (got !== null && got !== ns) return `the kernel kept a ${got} ns slice (custom slices need Linux 6.12+)`;
  return null;
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

/** The threads a tick crosses: ingest, each strategy, risk. */
const onTickPath = (thread: string) => thread === 'ingest' || isTickConsumer(thread);

/**
 * The slice in ns a thread asks the normal scheduler for (null: the kernel's): the threads a tick crosses, when
 * `scheduling.sliceUs` is set, as it is by default. Measured on the 2-core machine, desk strategies at 10k
 * ticks/s, 45-s windows, 3 runs each alternating: tick-to-signal p99 969 / 780 / 760 us with 100-us slices
 * against 1,266 / 1,167 / 1,200 us with the kernel's 1.4 ms.
 */
export function slicePlan(config: Pick<Config, 'scheduling'>, thread: string): number | null {
  const us = config.scheduling.sliceUs;
  return us > 0 && onTickPath(thread) ? us * 1000 : null;
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
  if (!onTickPath(thread)) return null;
  return thread === 'ingest' ? s.priority + 1 : s.priority;
}
