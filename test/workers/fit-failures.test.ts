import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildStatusLayout, StatusRegion } from '../../engine/status/status-region.js';
import { FitFailures } from '../../workers/fit-failures.js';

function capture() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, log: pino({ level: 'info' }, stream) };
}

describe('failed refits (FitFailures)', () => {
  it('counts every failure, logs the first of each model, then nothing until it fits again, which says how many failed', async () => {
    const { lines, log } = capture();
    const status = StatusRegion.create(buildStatusLayout({ threads: [], feeds: [], strategies: ['rd'], rejectReasons: [] }));
    const f = new FitFailures(log, status);
    for (let i = 0; i < 5; i++) f.failed('rd', 'garch', 1, new Error('GARCH(1,1) needs a series that varies'));
    f.failed('rd', 'hmm', 1, new Error('an HMM needs a series that varies'));
    f.fitted('rd', 'hmm', 2); // a model that never failed: nothing to say
    f.fitted('rd', 'garch', 1);
    f.failed('rd', 'garch', 1, new Error('did not converge')); // a new run of failures
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.msg.split(';')[0], l.kind, l.instrumentId, l.failures ?? l.err])).toEqual([
      [40, 'model fit failed', 'garch', 1, 'GARCH(1,1) needs a series that varies'],
      [40, 'model fit failed', 'hmm', 1, 'an HMM needs a series that varies'],
      [30, 'model fitted again after failed refits', 'garch', 1, 5],
      [40, 'model fit failed', 'garch', 1, 'did not converge'],
    ]);
    expect(status.read('strategy.rd.garchFitsFailed')).toBe(6);
    expect(status.read('strategy.rd.hmmFitsFailed')).toBe(1);
  });
});
