import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compiled } from '../helpers/compiled.js';

/**
 * V8's optimiser compiles only the paths a function has run; code it never ran becomes a bailout, and the first
 * time it runs the whole optimised function is thrown away, with everything inlined into it (the tick path's
 * consumer loop, a strategy's batch), until V8 compiles it again. Traced in the soak's configuration
 * (`--log-deopt`): the strategy threads deoptimised 1.5-3.5 minutes into trading in Doorbell.park (the consumer
 * found its ring ready after raising PARKED) and RingWriter.claim (the cached read cursor ran out). Here each
 * rare path runs for the first time after the function was optimised on the common one, in a process of its
 * own with V8's natives syntax: the function must still be optimised after it.
 */
function stillOptimised(body: string): { before: boolean; after: boolean } {
  const script = `
    const optimised = (f) => (%GetOptimizationStatus(f) & 16) !== 0;
    import(${JSON.stringify(compiled('native-free-ringbuffer/index.js'))}).then(({ createRing, Doorbell, RingReader, RingWriter }) => {
      ${body}
    });`;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('the ring paths a long run takes for the first time late', () => {
  it('Doorbell.park: the ring ready after PARKED is raised does not deoptimise it', () => {
    const r = stillOptimised(`
      const bell = new Doorbell();
      const park = Doorbell.prototype.park;
      let ready = false;
      const isReady = () => ready;
      %PrepareFunctionForOptimization(park);
      for (let i = 0; i < 50; i++) bell.park(isReady, 0); // nothing ready: each park times out at once
      %OptimizeFunctionOnNextCall(park);
      bell.park(isReady, 0);
      const before = optimised(park);
      ready = true;
      if (!bell.park(isReady, 0)) throw new Error('park did not see the ring ready');
      console.log(JSON.stringify({ before, after: optimised(park) }));`);
    expect(r).toEqual({ before: true, after: true });
  });

  it('RingWriter.claim: refreshing the cached read cursor, and dropping when full, do not deoptimise it', () => {
    const r = stillOptimised(`
      const d = createRing({ capacity: 64, recordSize: 16 });
      const w = new RingWriter(d);
      const reader = new RingReader(d);
      const claim = RingWriter.prototype.claim;
      %PrepareFunctionForOptimization(claim);
      // the common path: the consumer keeps up, and the cursor cached at the start still shows room
      for (let i = 0; i < 20; i++) { w.claim(1); w.commit(); reader.release(reader.available()); }
      %OptimizeFunctionOnNextCall(claim);
      w.claim(1); w.commit(); reader.release(reader.available());
      const before = optimised(claim);
      // past the cached cursor: claim reads the consumer's (which has released everything)
      for (let i = 0; i < 64; i++) { if (w.claim(1) !== 1) throw new Error('claim refused with room'); w.commit(); reader.release(reader.available()); }
      // the consumer stops: the ring fills, then claims are dropped
      let dropped = 0;
      for (let i = 0; i < 80; i++) { if (w.claim(1) === 0) dropped++; w.commit(); }
      if (dropped !== 80 - 64) throw new Error('dropped ' + dropped);
      console.log(JSON.stringify({ before, after: optimised(claim) }));`);
    expect(r).toEqual({ before: true, after: true });
  });
});
