import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compiled } from '../helpers/compiled.js';

/**
 * A worker that made garbage, then allocates little for 112 s, as the regime detector between bars or the
 * risk thread between orders: the full collections it gets after that, as [start ms, duration ms].
 */
const script = (disable: boolean) => `
  const { Worker } = require('node:worker_threads');
  import(${JSON.stringify(compiled('workers/engine-runner.js'))}).then((m) => {
    if (${disable}) m.disableMemoryReducer();
    const w = new Worker(\`
      const { PerformanceObserver, constants } = require('node:perf_hooks');
      let quietFrom = Infinity;
      const majors = [];
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR && e.startTime > quietFrom) majors.push([Math.round(e.startTime), Math.round(e.duration)]);
      }).observe({ entryTypes: ['gc'] });
      let keep = [];
      for (let i = 0; i < 3000000; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 1000000) keep = keep.slice(500000); }
      keep = null;
      quietFrom = performance.now();
      const timer = setInterval(() => {
        new Array(100).fill(0);
        if (performance.now() - quietFrom > 112000) { clearInterval(timer); require('node:worker_threads').parentPort.postMessage(majors); }
      }, 50);
    \`, { eval: true });
    w.once('message', (majors) => { console.log(JSON.stringify(majors)); w.terminate(); });
  });`;

const quietThreadMajors = async (disable: boolean): Promise<[number, number][]> =>
  JSON.parse((await promisify(execFile)(process.execPath, ['-e', script(disable)], { encoding: 'utf8' })).stdout);

describe("V8's memory reducer", () => {
  it('is off in the engine: a quiet thread gets no memory-reducing full collection, where V8 left alone runs one within ~106 s', async () => {
    // two processes side by side (a V8 flag is for the whole process): V8's default, and the engine's
    const [byDefault, engine] = await Promise.all([quietThreadMajors(false), quietThreadMajors(true)]);
    expect(byDefault.length).toBeGreaterThan(0);
    expect(engine).toEqual([]);
  }, 180_000);
});
