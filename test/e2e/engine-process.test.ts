import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pack } from 'msgpackr';
import { enginesPerTest } from '../helpers/engine-process.js';

const publishersOnly = (extra: Record<string, unknown> = {}) => ({
  feeds: { simulator: { enabled: false }, publishers: { enabled: true } },
  ingest: { staleAfterMs: 60_000 },
  strategies: [{ name: 'latency-probe', params: { every: 10 } }],
  ...extra,
});

async function connect(port: number): Promise<{ ws: WebSocket; errors: any[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  const errors: any[] = [];
  ws.on('message', (data) => errors.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, errors };
}

const startEngine = enginesPerTest();

/** The engine runs with node's code on anonymous huge pages (--use-largepages), where the kernel has them, and says so. */
function expectCodeOnHugePages(logs: Record<string, any>[]): void {
  const started = logs.find((l) => l.msg === 'tickring started');
  expect(started).toBeDefined();
  const thp = /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))![1];
  if (thp === 'never') expect(started!.codeOnHugePagesMiB).toBe(0);
  else expect(started!.codeOnHugePagesMiB).toBeGreaterThanOrEqual(8);
  expect(logs.some((l) => /file pages the kernel may reclaim/.test(String(l.msg)))).toBe(false);
}

describe('engine process', () => {
  it('with defaults serves /health/ready 200 on the simulated feed, and signals flow to the risk thread', async () => {
    const e = await startEngine({});
    await e.waitFor('ready', async () => (await e.get('/health/ready')).status === 200);
    expect((await e.get('/health/live')).status).toBe(200);
    expectCodeOnHugePages(e.logs);
    await e.waitFor('signals at the risk thread', async () => (await e.metric('tickring_risk_signals_total')) >= 5);
    expect(await e.metric('tickring_ticks_in_total', { feed: 'simulator' })).toBeGreaterThan(100);
    const providers = (await e.get('/health/providers')).body.providers;
    expect(providers.find((p: any) => p.name === 'simulator').status).toBe('CONNECTED');
    // each thread reports its own heap: objects within what is committed, and the memory its heap points to
    for (const thread of ['ingest', 'risk', 'store', 'http']) {
      const used = await e.metric('tickring_thread_heap_used_bytes', { thread });
      expect(used, thread).toBeGreaterThan(1e6);
      const total = await e.metric('tickring_thread_heap_total_bytes', { thread });
      expect(total, thread).toBeGreaterThanOrEqual(used);
      // the young generation is part of what is committed, and never empty (V8 starts it at a semi-space pair)
      const young = await e.metric('tickring_thread_young_generation_bytes', { thread });
      expect(young, thread).toBeGreaterThan(0);
      expect(young, thread).toBeLessThan(total);
      expect(await e.metric('tickring_thread_external_bytes', { thread }), thread).toBeGreaterThan(0);
      // what lives after the thread's last full collection (0 before its first: V8 may wait minutes; test/workers/gc-watch.test.ts forces one)
      expect(await e.metric('tickring_thread_heap_live_bytes', { thread }), thread).toBeLessThanOrEqual(await e.metric('tickring_thread_heap_total_bytes', { thread }));
    }
  });

  it('`npm start` (building first) serves /health/ready 200 within 10 s', async () => {
    const t0 = Date.now();
    const e = await startEngine({}, {}, 'npm start');
    await e.waitFor('ready', async () => (await e.get('/health/ready')).status === 200);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expectCodeOnHugePages(e.logs);
    // no DATABASE_URL: orders, fills and the rest go to embedded PostgreSQL under the data directory
    const db = await e.waitFor('embedded storage', async () => {
      const r = (await e.get('/health/db')).body;
      return r.state === 'WRITING' && r;
    }, 30_000);
    expect(db).toMatchObject({ backend: 'embedded', writeFailures: 0, journal: { bytes: 0 } });
    // the default strategies are the two the desk runs, each in its thread, reading the simulated market
    await e.waitFor('both strategies reading', async () => (await e.metric('tickring_strategy_ticks_total', { strategy: 'volume-scalper' })) > 0 && (await e.metric('tickring_strategy_ticks_total', { strategy: 'regime-detector' })) > 0);
    expect((await e.get('/health/workers')).body.workers.map((w: { name: string }) => w.name)).toEqual(expect.arrayContaining(['strategy:volume-scalper', 'strategy:regime-detector']));
  }, 60_000);

  it('takes msgpack batches and JSON ticks from publishers; every signal is counted in /metrics', async () => {
    const e = await startEngine(publishersOnly());
    const { ws, errors } = await connect(e.ingestPort);
    const batch = Array.from({ length: 50 }, (_, i) => ({ symbol: 'BTCUSDT', price: 60000 + i, qty: 0.01, side: i % 2 ? 'buy' : 'sell' }));
    ws.send(pack(batch));
    for (let i = 0; i < 50; i++) ws.send(JSON.stringify({ symbol: 'ETHUSDT', price: 3000 + i, qty: 1, ts: Date.now() }));
    await e.waitFor('100 ticks in', async () => (await e.metric('tickring_ticks_in_total', { feed: 'publishers' })) === 100);
    await e.waitFor('10 signals at risk', async () => (await e.metric('tickring_risk_signals_total')) === 10);
    expect(await e.metric('tickring_signals_total', { strategy: 'latency-probe' })).toBe(10);
    expect(await e.metric('tickring_strategy_ticks_total', { strategy: 'latency-probe' })).toBe(100);
    // in all, and per strategy
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'tick_to_signal', strategy: 'all' })).toBe(10);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'tick_to_signal', strategy: 'latency-probe' })).toBe(10);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'strategy_to_risk', strategy: 'all' })).toBe(10);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'strategy_to_risk', strategy: 'latency-probe' })).toBe(10);
    expect(errors).toEqual([]);
    ws.close();
  });

  it('a signal in a long batch goes to the risk thread when it is made, not when the batch ends', async () => {
    // 10 ms a tick: 20 ticks sent at once are read in one or two long batches (~200 ms); held to each batch's end,
    // a signal would wait 10 ms for each tick after it, and only the batch's last five would reach the risk thread
    // within 50 ms (4 of 40 within 10 ms, with 2-ms ticks, before signals went out as they were made)
    const e = await startEngine({ ...publishersOnly(), strategies: [{ name: 'latency-probe', params: { every: 1, delayUs: 10_000 } }] });
    const { ws, errors } = await connect(e.ingestPort);
    ws.send(pack(Array.from({ length: 20 }, (_, i) => ({ symbol: 'BTCUSDT', price: 60000 + i, qty: 0.01 }))));
    await e.waitFor('20 signals at risk', async () => (await e.metric('tickring_risk_signals_total')) === 20);
    const within50ms = await e.metric('tickring_hop_latency_seconds_bucket', { strategy: 'latency-probe', hop: 'strategy_to_risk', le: '0.05' });
    expect(within50ms).toBeGreaterThanOrEqual(15);
    expect(errors).toEqual([]);
    ws.close();
  });

  it('answers malformed frames with an error frame and a counter, and keeps the connection open', async () => {
    const e = await startEngine(publishersOnly());
    const { ws, errors } = await connect(e.ingestPort);
    ws.send('{"symbol": "BTCUSDT", "price": ');
    ws.send(Buffer.from([0x92, 0xc1]));
    ws.send(JSON.stringify([{ symbol: 'NOPE', price: 1 }, { symbol: 'BTCUSDT', price: 2, qty: 1 }]));
    await e.waitFor('3 error frames', async () => errors.length === 3);
    expect(errors.map((x) => x.reason)).toEqual(['malformed_json', 'malformed_msgpack', 'unknown_symbol']);
    expect(errors[2]).toMatchObject({ type: 'error', index: 0, accepted: 1 });
    expect(await e.metric('tickring_ingest_rejected_total', { reason: 'malformed_json' })).toBe(1);
    expect(await e.metric('tickring_ingest_rejected_total', { reason: 'malformed_msgpack' })).toBe(1);
    expect(await e.metric('tickring_ingest_rejected_total', { reason: 'unknown_symbol' })).toBe(1);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.send(pack({ symbol: 'BTCUSDT', price: 3, qty: 1 }));
    await e.waitFor('good ticks still accepted', async () => (await e.metric('tickring_ticks_in_total', { feed: 'publishers' })) === 2);
    ws.close();
  });

  it('an oversized frame is counted as oversized (uWS closes that connection); the engine stays up for others', async () => {
    const e = await startEngine(publishersOnly({ ingest: { maxPayloadBytes: 2048, staleAfterMs: 60_000 } }));
    const { ws } = await connect(e.ingestPort);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(pack(Array.from({ length: 200 }, () => ({ symbol: 'BTCUSDT', price: 1, qty: 1 }))));
    expect(await closed).toBe(1006);
    await e.waitFor('oversized counted', async () => (await e.metric('tickring_ingest_rejected_total', { reason: 'oversized' })) === 1);
    const again = await connect(e.ingestPort);
    again.ws.send(pack({ symbol: 'BTCUSDT', price: 2, qty: 1 }));
    await e.waitFor('a good tick accepted', async () => (await e.metric('tickring_ticks_in_total', { feed: 'publishers' })) === 1);
    again.ws.close();
  });

  it('/health/ready is 503 with reasons until a feed connects, 200 while it flows, 503 again when it stops', async () => {
    const e = await startEngine(publishersOnly({ ingest: { staleAfterMs: 1000 } }));
    const before = await e.get('/health/ready');
    expect(before.status).toBe(503);
    expect(before.body.reasons.join(' ')).toMatch(/no data feed is connected/);
    const { ws } = await connect(e.ingestPort);
    const feeding = setInterval(() => ws.send(pack({ symbol: 'BTCUSDT', price: 1, qty: 1 })), 50);
    try {
      await e.waitFor('ready', async () => (await e.get('/health/ready')).status === 200);
    } finally {
      clearInterval(feeding);
    }
    // the publisher goes quiet: stale after 1 s
    const stale = await e.waitFor('not ready after the feed goes quiet', async () => {
      const r = await e.get('/health/ready');
      return r.status === 503 ? r : undefined;
    });
    expect(stale.body.reasons.join(' ')).toMatch(/publishers: (stale|disconnected)/);
    ws.close();
  });

  it('exits 0 within 5 s of SIGTERM, after draining', async () => {
    const e = await startEngine({ feeds: { simulator: { ticksPerSecond: 10_000 } } });
    await e.waitFor('ticks', async () => (await e.metric('tickring_strategy_ticks_total', { strategy: 'latency-probe' })) > 1000);
    // an open publisher connection and keep-alive HTTP connections must not hold up or crash the exit
    const { ws } = await connect(e.ingestPort);
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    const t0 = Date.now();
    e.child.kill('SIGTERM');
    const exit = await e.exited;
    expect({ ...exit, stderr: e.stderr.join('') }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(e.logs.find((l) => l.msg === 'stopped')).toMatchObject({ clean: true });
    expect(e.logs.some((l) => l.thread === 'risk' && l.msg === 'drained')).toBe(true);
    expect(await closed).toBe(1001);
  });

  it('restarts a strategy worker that crashes, with the restart visible in health and metrics', async () => {
    const e = await startEngine({
      feeds: { simulator: { ticksPerSecond: 2000 } },
      strategies: [{ name: 'latency-probe', params: { every: 10, throwAfterTicks: 3000 } }],
      supervisor: { restartInitialMs: 50, maxRestarts: 100 },
    });
    const thread = 'strategy:latency-probe';
    await e.waitFor('a restart', async () => (await e.metric('tickring_thread_restarts_total', { thread })) >= 1);
    const signalsAfterCrash = await e.metric('tickring_risk_signals_total');
    await e.waitFor('the worker running again', async () => (await e.metric('tickring_thread_up', { thread })) === 1);
    await e.waitFor('signals flowing again', async () => (await e.metric('tickring_risk_signals_total')) > signalsAfterCrash + 20);
    const workers = (await e.get('/health/workers')).body.workers;
    expect(workers.find((w: any) => w.name === thread).restarts).toBeGreaterThanOrEqual(1);
    expect(e.logs.some((l) => l.msg === 'thread crashed; restarting' && l.thread === thread)).toBe(true);
  });

  it('a crash loop leaves the worker down and readiness says so', async () => {
    const e = await startEngine({
      feeds: { simulator: { ticksPerSecond: 5000 } },
      strategies: [{ name: 'latency-probe', params: { throwAfterTicks: 50 } }],
      supervisor: { restartInitialMs: 10, restartMaxMs: 20, maxRestarts: 2 },
    });
    const ready = await e.waitFor('not ready: failed worker', async () => {
      const r = await e.get('/health/ready');
      return r.body.reasons?.includes('thread strategy:latency-probe is failed') ? r : undefined;
    });
    expect(ready.status).toBe(503);
    expect(await e.metric('tickring_thread_restarts_total', { thread: 'strategy:latency-probe' })).toBe(2);
  });

  it('refuses a bad configuration with a message naming the key', async () => {
    await expect(startEngine({ rings: { waitStrategy: 'yield' } })).rejects.toThrow(/rings\.waitStrategy: .*"spin-then-park"/);
    await expect(startEngine({}, { TICKRING_HTTP_PORT: 'x' })).rejects.toThrow(/TICKRING_HTTP_PORT: expected a port number/);
  });
});
