import { spawnSync } from 'node:child_process';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { resourceLimitsOf, TICK_PATH_YOUNG_GENERATION_MB } from '../../workers/engine-runner.js';
import { compiled } from '../helpers/compiled.js';

/**
 * A thread that makes garbage with survivors (a sliding window of objects), as a long-running engine thread
 * does, and reports the most its young generation (new space and its large-object space) ever committed.
 */
const ALLOCATING_THREAD = `
const v8 = require('node:v8');
let most = 0;
let window = [];
for (let round = 0; round < 400; round++) {
  for (let i = 0; i < 20000; i++) {
    window.push({ i, boxed: [i + 0.5] });
    if (window.length > 30000) window = window.slice(15000);
  }
  const young = v8.getHeapSpaceStatistics().filter((s) => s.space_name === 'new_space' || s.space_name === 'new_large_object_space');
  most = Math.max(most, young.reduce((sum, s) => sum + s.space_size, 0));
}
require('node:worker_threads').parentPort.postMessage(most / 2 ** 20);`;

async function mostYoungGenerationMiB(resourceLimits: ResourceLimits | undefined): Promise<number> {
  const worker = new Worker(ALLOCATING_THREAD, { eval: true, resourceLimits });
  try {
    return await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

describe('the young generation of the threads on the tick path', () => {
  it('is capped for each strategy and risk, not for the others', () => {
    for (const t of ['strategy:volume-scalper', 'strategy:regime-detector', 'risk']) expect(resourceLimitsOf(t)).toEqual({ maxYoungGenerationSizeMb: TICK_PATH_YOUNG_GENERATION_MB });
    for (const t of ['ingest', 'store', 'http']) expect(resourceLimitsOf(t)).toBeUndefined();
  });

  it('stays within the cap under garbage with survivors, where V8 left alone grows it past the cap', async () => {
    const capped = await mostYoungGenerationMiB(resourceLimitsOf('strategy:volume-scalper'));
    const free = await mostYoungGenerationMiB(resourceLimitsOf('ingest'));
    // within a page: V8 counts the young large-object space in whole pages
    expect(capped).toBeLessThan(TICK_PATH_YOUNG_GENERATION_MB + 0.25);
    expect(free).toBeGreaterThan(TICK_PATH_YOUNG_GENERATION_MB);
  });

  it('is full size from its first scavenge when the engine presized it, where V8 starts it at a fraction', () => {
    // in a process of its own (a V8 flag is for the whole process): a capped thread makes ~16 MiB of garbage that dies young
    const script = (presize: boolean) => `
      const { Worker } = require('node:worker_threads');
      import(${JSON.stringify(compiled('workers/engine-runner.js'))}).then((m) => {
        if (${presize}) m.presizeYoungGenerations();
        const w = new Worker(\`
          const v8 = require('node:v8');
          const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
          let keep = null;
          for (let i = 0; i < 200000; i++) keep = { i, boxed: [i + 0.5] };
          require('node:worker_threads').parentPort.postMessage(young());\`, { eval: true, resourceLimits: m.resourceLimitsOf('strategy:volume-scalper') });
        w.once('message', (mib) => { console.log(mib); process.exit(0); });
      });`;
    const newSpaceMiB = (presize: boolean) => {
      const r = spawnSync(process.execPath, ['-e', script(presize)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return Number(r.stdout.trim());
    };
    // new space is its two semi-spaces: the cap's two thirds
    expect(newSpaceMiB(true)).toBe((2 * TICK_PATH_YOUNG_GENERATION_MB) / 3);
    expect(newSpaceMiB(false)).toBeLessThan((2 * TICK_PATH_YOUNG_GENERATION_MB) / 3);
  });
});
