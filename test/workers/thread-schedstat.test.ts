import { describe, expect, it } from 'vitest';
import { ThreadSchedStat } from '../../workers/thread-schedstat.js';

describe("a thread's time on a core and waiting for one (/proc/thread-self/schedstat)", () => {
  it('counts 30 ms of work as time on a core, and 30 ms asleep as neither', () => {
    const s = new ThreadSchedStat();
    s.read();
    const run0 = s.runNs;
    const wait0 = s.waitNs;
    const t0 = performance.now();
    for (const end = t0 + 30; performance.now() < end; );
    const busyNs = (performance.now() - t0) * 1e6;
    s.read();
    const run1 = s.runNs;
    const wait1 = s.waitNs;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
    s.read();
    // the busy loop: on a core for most of it; not more than it lasted (a VM's host may take some: neither), give
    // or take the kernel's accounting, which brings a running thread's total up to date at its scheduler ticks
    expect(run1 - run0).toBeGreaterThan(15e6);
    expect(run1 - run0 + (wait1 - wait0)).toBeLessThanOrEqual(busyNs + 5e6);
    expect(s.runNs - run1).toBeLessThan(5e6); // asleep: not on a core
    expect(s.waitNs).toBeGreaterThanOrEqual(wait1);
  });
});
