import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMetric, startEngineProcess } from '../../helpers/engine-process.js';
import { freshDatabase } from '../../helpers/services.js';
import { phaseP99, recordScenario, rssKb, watchHost, watchLatency } from '../chaos-kit.js';
import { LATENCY_BUCKETS_SECONDS } from '../../../api/metrics.js';

const MINUTES = Number(process.env.TICKRING_SOAK_MINUTES ?? 30);
const WINDOW_MIN = Math.min(5, MINUTES / 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`chaos (long): a ${MINUTES}-minute soak at 10k ticks/s`, () => {
  it('both desk strategies, the paper broker and PostgreSQL: RSS flat after warm-up, no GC or loop pause over 10 ms on the strategy threads, p99 stable', async () => {
    const db = await freshDatabase();
    // the scripted market makes both strategies signal at a known rate, so tick-to-signal has samples all along
    const e = await startEngineProcess({
      feeds: { simulator: { ticksPerSecond: 10_000, script: 'signals' }, publishers: { enabled: false } },
      strategies: [
        { name: 'volume-scalper', params: { cooldownMs: 0 } },
        { name: 'regime-detector', params: { barSeconds: 0.05, fitBars: 60, refitBars: 20 } },
      ],
    }, { DATABASE_URL: db.url });
    try {
      const t0 = Date.now();
      const pid = e.child.pid!;
      const minutes = () => (Date.now() - t0) / 60_000;
      const phase = () => (minutes() < WINDOW_MIN ? 'first' : minutes() >= MINUTES - WINDOW_MIN ? 'last' : 'middle');
      const watch = watchLatency(e, 'tick_to_signal', 'all', 30_000, phase);
      const strategies = ['strategy:volume-scalper', 'strategy:regime-detector'];
      // the threads' Linux task names (workers/thread-priority.ts names them after the strategy's id)
      const host = watchHost(pid, ['volume-scalper', 'regime-detector']);
      const pauses = async () => {
        const text = (await e.get('/metrics')).text;
        return strategies.map((thread) => ({
          thread,
          gcOver: parseMetric(text, 'tickring_thread_gc_pauses_over_10ms_total', { thread }),
          stallOver: parseMetric(text, 'tickring_thread_stalls_over_10ms_total', { thread }),
          gcMaxMs: 1000 * parseMetric(text, 'tickring_thread_gc_pause_max_seconds', { thread }),
          stallMaxMs: 1000 * parseMetric(text, 'tickring_thread_stall_max_seconds', { thread }),
        }));
      };
      const rss: { minute: number; kb: number }[] = [];
      // anonymous (heaps, buffers) and file-backed (code, mapped files) resident memory: which kind grows
      const rssKinds: Record<'anon' | 'file', number[]> = { anon: [], file: [] };
      const sampleRssKinds = () => {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        rssKinds.anon.push(Math.round(Number(/RssAnon:\s+(\d+)/.exec(status)![1]) / 1024));
        rssKinds.file.push(Math.round(Number(/RssFile:\s+(\d+)/.exec(status)![1]) / 1024));
      };
      // each thread's committed V8 heap and external memory, to place any growth of the process
      const threads = ['ingest', ...strategies, 'risk', 'store', 'http'];
      const heaps: Record<string, number[]> = {};
      const sampleHeaps = async () => {
        const text = (await e.get('/metrics')).text;
        for (const thread of threads) {
          for (const [k, m] of [['heap', 'tickring_thread_heap_total_bytes'], ['heap used', 'tickring_thread_heap_used_bytes'], ['young generation', 'tickring_thread_young_generation_bytes'], ['live after full gc', 'tickring_thread_heap_live_bytes'], ['external', 'tickring_thread_external_bytes']] as const) {
            (heaps[`${thread} ${k}`] ??= []).push(Math.round(parseMetric(text, m, { thread }) / 2 ** 20));
          }
        }
      };
      let warm: Awaited<ReturnType<typeof pauses>> | null = null;
      let warmAt = 0;
      while (minutes() < MINUTES) {
        await sleep(30_000);
        rss.push({ minute: minutes(), kb: rssKb(pid) });
        sampleRssKinds();
        await sampleHeaps();
        if (!warm && minutes() >= WINDOW_MIN) {
          warm = await pauses(); // warm-up over: pauses from here on count
          warmAt = Date.now();
        }
      }
      const timeline = await watch.stop();
      host.stop();
      const afterWarmUp = host.between(warmAt, Date.now());
      // each pause line comes right after its pause: the host and the kernel over the second before it
      const around = (l: Record<string, unknown>) => {
        const at = Number(l.time);
        const w = host.between(at - Number(l.ms) - 1000, at + 100);
        return `steal ms per vCPU ${w.stealMs.join('/')}, major faults ${w.majflt.join('/')}`;
      };
      const end = await pauses();
      const warmRss = rss.find((r) => r.minute >= WINDOW_MIN)!.kb;
      const endRss = rss[rss.length - 1].kb;
      const growthPct = (100 * (endRss - warmRss)) / warmRss;
      const pausesAfterWarmUp = end.map((p, i) => p.gcOver - warm![i].gcOver + (p.stallOver - warm![i].stallOver));
      const text = (await e.get('/metrics')).text;
      const dropped = parseMetric(text, 'tickring_ring_dropped_total', { ring: 'ticks:strategy:volume-scalper' }) + parseMetric(text, 'tickring_ring_dropped_total', { ring: 'ticks:strategy:regime-detector' });
      const p99 = { before: phaseP99(timeline, 'first'), during: phaseP99(timeline, 'middle'), after: phaseP99(timeline, 'last') };
      // the normal scheduler unless the run asked for scheduling.realtime (TICKRING_REALTIME=true) and got it
      const fifo = strategies.every((thread) => parseMetric(text, 'tickring_thread_realtime_priority', { thread }) > 0);
      recordScenario({
        name: 'soak',
        did: `${MINUTES} minutes at 10k ticks/s (scripted market) through both desk strategies, the paper broker and PostgreSQL`,
        durationS: (Date.now() - t0) / 1000,
        lost: { ticksDropped: dropped },
        p99Us: p99,
        hop: `tick_to_signal (first ${WINDOW_MIN} min, middle, last ${WINDOW_MIN} min)`,
        timeline,
        figures: {
          scheduling: fifo ? 'SCHED_FIFO (scheduling.realtime)' : 'normal scheduler',
          rssAfterWarmUpMiB: Math.round(warmRss / 1024), rssEndMiB: Math.round(endRss / 1024), rssGrowthPct: Number(growthPct.toFixed(2)),
          rssMiBEvery30s: rss.map((r) => Math.round(r.kb / 1024)).join(' '), // where it grew, for the next look
          rssAnonMiBEvery30s: rssKinds.anon.join(' '), rssFileMiBEvery30s: rssKinds.file.join(' '),
          ...Object.fromEntries(Object.entries(heaps).map(([k, v]) => [`${k} MiB every 30 s`, v.join(' ')])),
          ...Object.fromEntries(end.flatMap((p, i) => [
            [`${p.thread} gc max ms`, Number(p.gcMaxMs.toFixed(2))], [`${p.thread} stall max ms`, Number(p.stallMaxMs.toFixed(2))],
            [`${p.thread} pauses over 10 ms after warm-up`, pausesAfterWarmUp[i]],
          ])),
          // the host's share: steal after warm-up per vCPU, the most in any 100 ms, and the strategy threads' major faults
          stealMsPerVcpuAfterWarmUp: afterWarmUp.stealMs.join(' '), stealMaxMsIn100ms: host.maxStealPerInterval(warmAt),
          majorFaultsAfterWarmUp: afterWarmUp.majflt.join(' '),
          signals: parseMetric(text, 'tickring_risk_signals_total', {}), fills: parseMetric(text, 'tickring_fills_total', {}),
          // each strategy thread's pauses as it said them: when (minute), how long, and where the time went
          pausesSaid: e.logs
            .filter((l) => strategies.includes(String(l.thread)) && /a pause over 10 ms/.test(String(l.msg)))
            .map((l) => `${l.thread} min ${((Number(l.time) - t0) / 60_000).toFixed(1)}: ${l.ms} ms ${l.where}, ran ${l.ranMs} waited ${l.waitedMs} of ${l.windowMs}; ${around(l)}`)
            .join('; '),
        },
      });
      expect(growthPct).toBeLessThan(5);
      expect(pausesAfterWarmUp).toEqual([0, 0]);
      // stable: the last minutes' p99 at most one /metrics bucket (x2 to x2.5) above the first minutes'
      const edges = LATENCY_BUCKETS_SECONDS.map((x) => x * 1e6);
      const bucket = (v: number) => edges.findIndex((b) => v <= b + 1e-9);
      expect(p99.before).not.toBeNull();
      expect(bucket(p99.after!)).toBeLessThanOrEqual(bucket(p99.before!) + 1);
      expect(dropped).toBe(0);
    } finally {
      await e.stop();
      await db.drop();
    }
  }, (MINUTES + 5) * 60_000);
});
