import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/load.js';
import { realtimePriority } from '../../workers/thread-priority.js';
import { compiled } from '../helpers/compiled.js';

describe('thread scheduling', () => {
  it('real-time priorities: the producer of ticks above its consumers, only along the path of a tick', () => {
    const on = loadConfig({ TICKRING_REALTIME: 'true' });
    expect(['ingest', 'strategy:volume-scalper', 'strategy:regime-detector', 'risk', 'store', 'http'].map((t) => realtimePriority(on, t))).toEqual([11, 10, 10, 10, null, null]);
    expect(realtimePriority(loadConfig({}), 'risk')).toBeNull();
    // a deterministic replay runs every thread flat out: never real-time
    expect(realtimePriority({ ...on, deterministic: true }, 'risk')).toBeNull();
  });

  it("nices the process's helper threads, not the calling thread nor the workers it starts after", () => {
    // in a process of its own, as the engine's main thread does it before any worker exists
    const script = `
      const { readdirSync, readFileSync } = require('node:fs');
      const { Worker } = require('node:worker_threads');
      const niceOf = (tid) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
      import(${JSON.stringify(compiled('workers/thread-priority.js'))}).then((m) => {
        const { niced, refused } = m.niceOtherThreads(10);
        const others = readdirSync('/proc/self/task').filter((t) => Number(t) !== process.pid).map(niceOf);
        const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16])", { eval: true });
        w.once('message', (worker) => { console.log(JSON.stringify({ niced, refused, others, main: niceOf(process.pid), worker: Number(worker) })); process.exit(0); });
      });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.refused).toBeNull();
    expect(out.niced).toBeGreaterThanOrEqual(4); // at least V8's platform pool (4 threads by default)
    expect(out.others.every((n: number) => n >= 10)).toBe(true);
    expect(out.main).toBe(0);
    expect(out.worker).toBe(0); // created by the main thread after: inherits its nice value
  });

  it('without the privilege, says why (and the thread keeps its normal scheduling)', () => {
    // root without CAP_SYS_NICE, as in a container that does not grant it
    const script = `import(${JSON.stringify(compiled('workers/thread-priority.js'))}).then((m) => { console.log(JSON.stringify({ refused: m.realtimeThisThread(5), policy: require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[38] })); })`;
    const r = spawnSync('setpriv', ['--bounding-set', '-sys_nice', '--inh-caps', '-sys_nice', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.refused).toMatch(/Operation not permitted/);
    expect(out.policy).toBe('0'); // SCHED_OTHER
  });
});
