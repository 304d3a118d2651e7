import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { pack } from 'msgpackr';
import { emptyTick } from '../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../engine/clock.js';
import { benchConfig, startBenchEngine } from './bench-config.js';
import { InstrumentRegistry, parseBinanceExchangeInfo } from '../engine/instruments/registry.js';
import { BinanceNormalizer } from '../engine/feeds/binance/binance-normalizer.js';
import { dropped } from './engine-suites.js';
import type { BenchRow } from './table.js';

const sharedData = (f: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', f);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Binance JSON parse-and-normalise rate (the ingest thread's code, in this thread), on the recorded futures stream. */
async function binanceJson(quick: boolean, progress: (s: string) => void): Promise<BenchRow> {
  const info = JSON.parse(readFileSync(sharedData('binance-recorded/exchangeInfo.futures.json'), 'utf8'));
  const registry = new InstrumentRegistry(parseBinanceExchangeInfo(info, 'BINANCE_FUTURES'));
  const lines = readFileSync(sharedData('binance-recorded/BINANCE_FUTURES.ws.1.0'), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.slice(l.indexOf(': ') + 2));
  const n = new BinanceNormalizer(registry, new Clock(createClockAnchor()), 'futures', 1, emptyTick());
  let ticks = 0;
  const sink = () => ticks++;
  const seconds = quick ? 1 : 5;
  progress(`ingest: Binance JSON normalise, ${seconds}s`);
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    let msgs = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 5) {
      for (let i = 0; i < lines.length; i++) n.onMessage(lines[i], sink);
      msgs += lines.length;
    }
    rates.push(msgs / ((performance.now() - t0) / 1000));
  }
  rates.sort((a, b) => a - b);
  return {
    suite: 'ingest', name: 'Binance JSON parse + normalise', unit: 'msgs/s', p50: null, p99: null, p999: null, max: null, opsPerSec: rates[2],
    note: `median of 5; recorded USD-M stream (aggTrade, bookTicker, depth, kline); ${(ticks / rates.reduce((a, b) => a + b, 0) / seconds * 5).toFixed(2)} ticks per message`,
  };
}

/** Ticks per second into the real engine from a loopback publisher: msgpack batches, and JSON singles. */
async function publishers(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const config = benchConfig({ TICKRING_INGEST_PORT: '0' });
  config.feeds.simulator.enabled = false;
  config.ingest.staleAfterMs = 60_000;
  const engine = await startBenchEngine(config);
  const rows: BenchRow[] = [];
  const seconds = quick ? 2 : 8;
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${engine.ports.ingest}/`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const batch = pack(Array.from({ length: 200 }, (_, i) => ({ symbol: 'BTCUSDT', price: 60000 + (i % 50), qty: 0.01 * (1 + (i % 7)), side: i % 2 ? 'buy' : 'sell', bid: 59999, ask: 60001 })));
    const single = JSON.stringify({ symbol: 'ETHUSDT', price: 3000.5, qty: 1.25, side: 'buy' });
    for (const [name, payload, perMessage] of [['msgpack batches of 200', batch, 200], ['JSON singles', single, 1]] as const) {
      progress(`ingest: publisher ${name}, ${seconds}s`);
      const before = engine.status.read('feed.publishers.ticks');
      const drops0 = dropped(engine);
      const t0 = performance.now();
      let sent = 0;
      // keep the socket busy without letting the client's buffer grow without bound
      while (performance.now() - t0 < seconds * 1000) {
        if (ws.bufferedAmount < 4 * 1024 * 1024) {
          for (let i = 0; i < 64; i++) ws.send(payload);
          sent += 64 * perMessage;
        } else await sleep(0);
        if (sent % (64 * perMessage * 32) === 0) await sleep(0);
      }
      // wait for the engine to take what is in flight
      let last = -1;
      while (engine.status.read('feed.publishers.ticks') !== last) {
        last = engine.status.read('feed.publishers.ticks');
        await sleep(100);
      }
      const ticks = engine.status.read('feed.publishers.ticks') - before;
      const elapsed = (performance.now() - t0) / 1000;
      rows.push({
        suite: 'ingest', name: `publisher ${name}`, unit: 'ticks/s', p50: null, p99: null, p999: null, max: null, opsPerSec: ticks / elapsed,
        note: `${ticks.toLocaleString()} of ${sent.toLocaleString()} sent ticks accepted over loopback; ring drops (consumers behind) ${(dropped(engine) - drops0).toLocaleString()}`,
      });
    }
    ws.close();
  } finally {
    await engine.stop();
  }
  return rows;
}

export async function ingest(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  return [await binanceJson(quick, progress), ...(await publishers(quick, progress))];
}
