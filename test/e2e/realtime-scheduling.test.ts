import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { enginesPerTest } from '../helpers/engine-process.js';

/** Whether this machine lets us put a process on SCHED_FIFO at all (root, CAP_SYS_NICE or an rtprio limit). */
function realtimePermitted(): boolean {
  const child = spawn('sleep', ['5']);
  const ok = spawnSync('chrt', ['--fifo', '--pid', '12', String(child.pid)]).status === 0;
  child.kill();
  return ok;
}

/** Name, nice value, scheduling policy (1: SCHED_FIFO), real-time priority and slice of every task of a process, from /proc. */
function tasks(pid: number): { name: string; nice: number; policy: number; rtPriority: number; sliceNs: number }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const slice = /^se\.slice\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'));
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    return { name, nice: Number(f[16]), rtPriority: Number(f[37]), policy: Number(f[38]), sliceNs: slice ? Number(slice[1]) : 0 };
  });
}

const startEngine = enginesPerTest();

describe('scheduling', () => {
  it("on the normal scheduler: the threads a tick crosses at nice 0, the store thread and the helper threads (V8's and libuv's pools) at 10", async () => {
    const e = await startEngine({ strategies: [{ name: 'latency-probe', params: { every: 10 } }] });
    await e.waitFor('signals at the risk thread', async () => (await e.metric('tickring_risk_signals_total')) >= 5);
    const nice = (thread: string) => e.metric('tickring_thread_nice', { thread });
    // a strategy thread once ran at 19: it imported the model pool's task module, which niced whoever loaded it
    await e.waitFor('each thread sampled its nice value', async () => (await nice('store')) === 10);
    expect([await nice('ingest'), await nice('strategy:latency-probe'), await nice('risk'), await nice('http'), await nice('store')]).toEqual([0, 0, 0, 0, 10]);
    // each engine thread's task is named after it (top -H, ps and perf show which is which), at its own nice value
    const named = Object.fromEntries(tasks(e.child.pid!).map((t) => [t.name, t.nice]));
    expect(['ingest', 'latency-probe', 'risk', 'http', 'store'].map((n) => named[n])).toEqual([0, 0, 0, 0, 10]);
    // the main thread and the 5 workers above at 0 and 10; every other task is a helper, niced before the workers started
    const byNice = tasks(e.child.pid!).reduce<Record<number, number>>((n, t) => ({ ...n, [t.nice]: (n[t.nice] ?? 0) + 1 }), {});
    expect(byNice[0]).toBe(5); // main, ingest, strategy, risk, http
    expect(byNice[10]).toBeGreaterThanOrEqual(1 + 4); // the store thread and at least V8's platform pool
    expect(Object.keys(byNice).map(Number).every((n) => [0, 10, 19].includes(n))).toBe(true);
    // the three threads a tick crosses ask for 100-us slices (Linux 6.12+), so a woken one takes a core at once
    const slice = (thread: string) => e.metric('tickring_thread_slice_seconds', { thread });
    const [major, minor] = /^(\d+)\.(\d+)/.exec(release())!.slice(1).map(Number);
    if (major > 6 || (major === 6 && minor >= 12)) {
      expect([await slice('ingest'), await slice('strategy:latency-probe'), await slice('risk')]).toEqual([100e-6, 100e-6, 100e-6]);
      for (const thread of ['store', 'http']) expect(await slice(thread)).toBeGreaterThan(100e-6);
      expect(tasks(e.child.pid!).filter((t) => t.sliceNs === 100_000).map((t) => t.name).sort()).toEqual(['ingest', 'latency-probe', 'risk']);
    }
  });

  it('scheduling.realtime puts ingest, the strategy and risk on SCHED_FIFO, ingest above its consumers; the rest stay on the normal scheduler', async () => {
    const e = await startEngine({ scheduling: { realtime: true, priority: 20 }, strategies: [{ name: 'latency-probe', params: { every: 10 } }] });
    await e.waitFor('ready', async () => (await e.get('/health/ready')).status === 200);
    await e.waitFor('signals at the risk thread', async () => (await e.metric('tickring_risk_signals_total')) >= 5);
    const priority = (thread: string) => e.metric('tickring_thread_realtime_priority', { thread });
    const fifo = tasks(e.child.pid!).filter((t) => t.policy === 1);
    if (realtimePermitted()) {
      expect([await priority('ingest'), await priority('strategy:latency-probe'), await priority('risk')]).toEqual([21, 20, 20]);
      expect(fifo.map((t) => `${t.name} ${t.rtPriority}`).sort()).toEqual(['ingest 21', 'latency-probe 20', 'risk 20']);
    } else {
      // refused: said once per thread, and every thread runs on
      expect(e.logs.filter((l) => /real-time scheduling refused/.test(l.msg)).map((l) => l.thread).sort()).toEqual(['ingest', 'risk', 'strategy:latency-probe']);
      expect(await priority('risk')).toBe(0);
      expect(fifo).toEqual([]);
    }
    for (const thread of ['store', 'http']) expect(await priority(thread)).toBe(0);
  });
});
