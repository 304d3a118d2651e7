import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compiled } from '../helpers/compiled.js';

/**
 * A tick-path thread (its capped young generation) that makes garbage with survivors, in a process of its own
 * (a V8 flag is for the whole process) that V8 traces: how many of the thread's scavenges had helper threads
 * working for them (`background.scavenge.parallel`, the helpers' time, above 0), out of how many.
 */
function scavengesWithHelpers(engineFlags: boolean): { scavenges: number; helped: number } {
  const script = `
    const { Worker } = require('node:worker_threads');
    import(${JSON.stringify(compiled('workers/engine-runner.js'))}).then((m) => {
      if (${engineFlags}) m.scavengeWithoutHelpers();
      const w = new Worker(\`
        let window = [];
        for (let round = 0; round < 200; round++) {
          for (let i = 0; i < 20000; i++) { window.push({ i, boxed: [i + 0.5] }); if (window.length > 30000) window = window.slice(15000); }
        }
        require('node:worker_threads').parentPort.postMessage(0);\`, { eval: true, resourceLimits: m.resourceLimitsOf('strategy:volume-scalper') });
      w.once('message', () => process.exit(0));
    });`;
  const r = spawnSync(process.execPath, ['--trace-gc', '--trace-gc-nvp', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  expect(r.status, r.stderr).toBe(0);
  // each line names its isolate: the worker's are the most (the main thread's few come from loading the engine's modules)
  const byIsolate = new Map<string, number[]>();
  for (const l of r.stdout.split('\n')) {
    if (!/ gc=s /.test(l)) continue;
    const isolate = /^\[\d+:(0x[0-9a-f]+)\]/.exec(l)![1];
    byIsolate.set(isolate, [...(byIsolate.get(isolate) ?? []), Number(/ background\.scavenge\.parallel=([\d.]+)/.exec(l)![1])]);
  }
  const helperMs = [...byIsolate.values()].sort((a, b) => b.length - a.length)[0];
  return { scavenges: helperMs.length, helped: helperMs.filter((ms) => ms > 0).length };
}

describe('scavenges on the tick path', () => {
  it("run on the collecting thread alone in the engine, where V8 left alone has its (niced) helper threads take shares", () => {
    const byDefault = scavengesWithHelpers(false);
    const engine = scavengesWithHelpers(true);
    // ~30 scavenges of MBs of survivors each: V8 hands some of them to its helpers
    expect(byDefault.scavenges).toBeGreaterThan(5);
    expect(byDefault.helped).toBeGreaterThan(0);
    expect(engine.scavenges).toBeGreaterThan(5);
    expect(engine.helped).toBe(0);
  }, 60_000);
});
