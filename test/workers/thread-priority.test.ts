import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config/load.js';
import { realtimePriority, slicePlan } from '../../workers/thread-priority.js';
import { compiled } from '../helpers/compiled.js';

describe('thread scheduling', () => {
  it('real-time priorities: the producer of ticks above its consumers, only along the path of a tick', () => {
    const on = loadConfig({ TICKRING_REALTIME: 'true' });
    expect(['ingest', 'strategy:volume-scalper', 'strategy:regime-detector', 'risk', 'store', 'http'].map((t) => realtimePriority(on, t))).toEqual([11, 10, 10, 10, null, null]);
    expect(realtimePriority(loadConfig({}), 'risk')).toBeNull();
    // a deterministic replay runs every thread flat out: never real-time
    expect(realtimePriority({ ...on, deterministic: true }, 'risk')).toBeNull();
  });

  it('short scheduler slices: 100 us by default for the threads a tick crosses, none for the others, none when set to 0', () => {
    const threads = ['ingest', 'strategy:volume-scalper', 'strategy:regime-detector', 'risk', 'store', 'http', 'main'];
    expect(threads.map((t) => slicePlan(loadConfig({}), t))).toEqual([100_000, 100_000, 100_000, 100_000, null, null, null]);
    const off = loadConfig({});
    off.scheduling.sliceUs = 0;
    expect(threads.map((t) => slicePlan(off, t)).every((s) => s === null)).toBe(true);
  });

  it('gives this thread a short slice without privilege, keeping its nice value; the kernel shows it in /proc', () => {
    // as nobody, with no capability: custom slices need none
    const script = `
      const os = require('node:os');
      const tid = () => Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
      import(${JSON.stringify(compiled('workers/thread-priority.js'))}).then((m) => {
        os.setPriority(tid(), 3);
        const before = m.sliceOfThisThread();
        const refused = m.sliceThisThread(250000);
        console.log(JSON.stringify({ before, refused, after: m.sliceOfThisThread(), nice: os.getPriority(tid()) }));
      });`;
    const r = spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', '--inh-caps', '-all', '--bounding-set', '-all', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const [major, minor] = (spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.match(/^(\d+)\.(\d+)/) ?? []).slice(1).map(Number);
    if (major > 6 || (major === 6 && minor >= 12)) {
      expect(out.refused).toBeNull();
      expect(out.before).not.toBe(250_000);
      expect(out.after).toBe(250_000); // as the kernel shows it in /proc/thread-self/sched
    } else {
      expect(out.refused).toMatch(/custom slices need Linux 6\.12/);
    }
    expect(out.nice).toBe(3);
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
