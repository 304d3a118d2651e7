import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compiled } from '../helpers/compiled.js';

/**
 * What each desk strategy's onTick allocates a tick once optimised, measured in a process of its own (V8's
 * flags are the whole process's): with the engine's V8 flags, and without them.
 */
function allocation(engineFlags: boolean): Record<string, { median: number; max: number }> {
  const script = `
    const runner = await import(${JSON.stringify(compiled('workers/engine-runner.js'))});
    if (${engineFlags}) runner.widenInlining();
    const { onTickAllocation } = await import(${JSON.stringify(compiled('bench/strategy-suites.js'))});
    const out = {};
    for (const name of ['volume-scalper', 'regime-detector']) out[name] = onTickAllocation(name, 1000000);
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`allocation probe failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('the desk strategies on the hot path', () => {
  it('allocate nothing per tick under the engine\'s V8 flags, where V8\'s default inlining budget leaves a heap number or more a tick', () => {
    const engine = allocation(true);
    // a heap number a tick would be 16 bytes; under 4 is a bar close's or a ladder's re-centring spread over its ticks
    for (const [name, bytes] of Object.entries(engine)) expect(bytes.median, name).toBeLessThan(4);
    // the measure sees a tick's boxed numbers: the scalper's calls the optimiser does not inline at V8's default
    expect(allocation(false)['volume-scalper'].median).toBeGreaterThanOrEqual(16);
  }, 120_000);
});
