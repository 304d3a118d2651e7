import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCapture } from '../../engine/feeds/replay/capture.js';
import { enginesPerTest } from '../helpers/engine-process.js';

const startEngine = enginesPerTest();

describe('tickring record, then replay', () => {
  it('captures exactly the ticks the ingest thread wrote, and a replay of the capture feeds them all to the strategy again', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tickring-record-')), 'sim.tickring');
    const e = await startEngine({ feeds: { simulator: { ticksPerSecond: 2000 }, publishers: { enabled: false } } }, {}, 'node', ['record', file]);
    await e.waitFor('ticks', async () => (await e.metric('tickring_ticks_in_total', { feed: 'simulator' })) > 1500);
    await e.stop();
    const written = e.logs.find((l) => l.msg === 'capture written');
    expect(written).toBeDefined();
    const captured = readCapture(file);
    expect(captured.length).toBe(written!.ticks);
    expect(captured.length).toBeGreaterThan(1500);
    expect(new Set(captured.map((c) => c.instrument))).toEqual(new Set(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT']));

    const r = await startEngine({
      feeds: { simulator: { enabled: false }, publishers: { enabled: false }, replay: { enabled: true, file, speed: 'max' } },
      strategies: [{ name: 'latency-probe', params: { every: 10 } }],
    });
    await r.waitFor('every captured tick through the strategy', async () => (await r.metric('tickring_strategy_ticks_total', { strategy: 'latency-probe' })) === captured.length);
    expect(await r.metric('tickring_ticks_in_total', { feed: 'replay' })).toBe(captured.length);
    expect(await r.metric('tickring_ring_dropped_total', { ring: 'ticks:strategy:latency-probe' })).toBe(0);
  });
});
