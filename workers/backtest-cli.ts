/**
 * `tickring backtest FILE`: the engine itself (the same strategy workers,
 * orchestrator, risk and paper broker) over a replay of FILE, as fast as the
 * threads take it, deterministic (see the `deterministic` config key); then
 * the report. `tickring simulate`: a simulated market written to a capture.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../engine/config/load.js';
import type { Config } from '../engine/config/schema.js';
import { createLogger } from '../engine/log.js';
import { buildReport } from '../engine/backtest/report.js';
import { renderHtml } from '../engine/backtest/chart.js';
import { writeSimulatedCapture } from '../engine/feeds/replay/simulated-capture.js';
import type { StoreRow } from '../engine/persistence/store-rows.js';
import { startEngine } from './engine-runner.js';
import { EngineView } from '../api/engine-view.js';
import { parseCommandLine, runCommand, UsageError } from './command-line.js';

const BACKTEST_USAGE = `usage: tickring backtest FILE [--out DIR] [--speed max|realtime|N] [--symbol SYMBOL] [--format FORMAT]
  FILE is a tickring capture, a Binance aggTrades CSV or a recorded Binance stream. The strategies,
  orchestrator, risk and paper broker of the config (TICKRING_CONFIG) run over it; DIR (default
  ./backtests/<file name>) gets rows.ndjson (every row the engine recorded), report.json (trades,
  equity curve, statistics) and report.html (the chart). --speed realtime replays at the recording's
  pace (same results, by design).`;

const SIMULATE_USAGE = `usage: tickring simulate --out FILE [--hours 24] [--rate 4] [--seed 42] [--symbols BTCUSDT,ETHUSDT]
  writes the simulated market to a capture, at once (rate: ticks per second of market time).`;

/** `tickring backtest FILE ...`: the exit code (2: a mistake on the command line or in the config; 1: the run failed). */
export function runBacktest(argv: string[]): Promise<number> {
  return runCommand('tickring backtest', BACKTEST_USAGE, () => backtest(argv));
}

async function backtest(argv: string[]): Promise<number> {
  const args = parseCommandLine({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, speed: { type: 'string' }, symbol: { type: 'string' }, format: { type: 'string' } } });
  const input = args.positionals[0];
  if (!input || args.positionals.length > 1) throw new UsageError('backtest needs one input file');
  if (!existsSync(input)) throw new UsageError(`${input} does not exist`);
  const speed = args.values.speed ?? 'max';
  const speedValue = speed === 'max' || speed === 'realtime' ? speed : Number(speed);
  if (speedValue !== 'max' && speedValue !== 'realtime' && !(speedValue > 0)) throw new UsageError(`--speed is max, realtime or a number > 0, not '${speed}'`);
  const out = path.resolve(args.values.out ?? path.join('backtests', path.basename(input).replace(/\.[^.]+$/, '')));
  const rowsFile = path.join(out, 'rows.ndjson');
  const config: Config = loadConfig(process.env, process.env.TICKRING_CONFIG, [
    ['deterministic', true],
    ['feeds.simulator.enabled', false],
    ['feeds.publishers.enabled', false],
    ['feeds.binance.enabled', false],
    ['feeds.kite.enabled', false],
    ['feeds.truedata.enabled', false],
    ['feeds.replay', { enabled: true, file: path.resolve(input), speed: speedValue, ...(args.values.symbol ? { symbol: args.values.symbol } : {}), ...(args.values.format ? { format: args.values.format } : {}) }],
    ['broker.name', 'paper'],
    ['storage.rowsFile', rowsFile],
    ['http.port', 0],
    ['supervisor.shutdownTimeoutMs', 60_000],
  ]);
  mkdirSync(out, { recursive: true }); // once the config holds: a mistake leaves no empty folder behind
  const log = createLogger(config.log.level, 'backtest');
  const started = Date.now();
  const engine = await startEngine(config, log, 30_000);
  const { status } = engine;
  const replayed = status.slot('feed.replay.ticks');
  const applied = status.slot('risk.ticks');
  let last = { at: started, ticks: 0 };
  // long work shows progress: ticks replayed and applied by risk, once a second
  const progress = setInterval(() => {
    const now = Date.now();
    const ticks = status.get(replayed);
    log.info({ replayed: ticks, applied: status.get(applied), ticksPerSecond: Math.round(((ticks - last.ticks) * 1000) / (now - last.at)) }, 'backtest running');
    last = { at: now, ticks };
  }, 1000);
  // A backtest is the run of its input or nothing: a thread that restarted lost its state (and one down for good
  // would hold the ordered replay forever), a record lost on a ring is a tick a strategy never saw or a signal risk
  // never had. Neither happens when the engine is sound; if one does, the backtest stops and says so.
  const view = new EngineView(engine.plan);
  const unfaithful = () => {
    const restarted = engine.plan.threads.filter((t) => status.read(`thread.${t}.restarts`) > 0);
    const lossy = view.rings.filter((r) => r.ring.dropped() > 0 || r.ring.gaps() > 0).map((r) => `${r.name}: ${r.ring.dropped()} dropped, ${r.ring.gaps()} missing`);
    return restarted.length > 0 || lossy.length > 0 ? { restarted, lossy } : null;
  };
  const pause = () => new Promise((r) => setTimeout(r, 20));
  let finished: number | null = null;
  void engine.feedFinished('replay').then((n) => (finished = n));
  // every tick through the risk thread (it applies them in order after the strategies), then drain
  while ((finished === null || status.get(applied) < finished) && !unfaithful()) await pause();
  clearInterval(progress);
  const clean = await engine.stop();
  const seconds = (Date.now() - started) / 1000;
  const ticks = finished ?? status.get(replayed);
  const broken = unfaithful();
  if (broken) {
    log.error(broken, 'the backtest is not a faithful run of its input (a thread restarted, or a ring lost records): no report');
    return 1;
  }
  if (!clean) {
    log.error('the engine did not stop cleanly: the results may be incomplete');
    return 1;
  }

  const rows = readFileSync(rowsFile, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as StoreRow);
  const report = buildReport(path.basename(input), rows, config.paper.startingCash);
  writeFileSync(path.join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(out, 'report.html'), renderHtml(report));
  const s = report.stats;
  log.info({ ticks, seconds, ticksPerSecond: Math.round(ticks / seconds), out }, 'backtest finished');
  process.stdout.write(
    `${report.input}: ${ticks} ticks in ${seconds.toFixed(1)} s; ${s.trades} trades, P&L ${s.pnl.toFixed(2)} (${s.returnPct.toFixed(3)}%), ` +
      `fees ${s.fees.toFixed(2)}, Sharpe ${s.sharpe ?? '-'}, max drawdown ${s.maxDrawdownPct.toFixed(3)}%, hit rate ${s.hitRate ?? '-'}\n` +
      `report: ${path.join(out, 'report.html')} (and report.json, rows.ndjson)\n`,
  );
  return 0;
}

/** `tickring simulate --out FILE ...`: the exit code (2: a mistake on the command line). */
export function runSimulate(argv: string[]): Promise<number> {
  return runCommand('tickring simulate', SIMULATE_USAGE, () => simulate(argv));
}

function simulate(argv: string[]): number {
  const v = parseCommandLine({ args: argv, options: { out: { type: 'string' }, hours: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, symbols: { type: 'string' } } }).values;
  if (!v.out) throw new UsageError('simulate needs --out FILE');
  const hours = Number(v.hours ?? 24);
  const rate = Number(v.rate ?? 4);
  const seed = Number(v.seed ?? 42);
  if (!(hours > 0) || !(rate > 0) || !Number.isInteger(seed)) throw new UsageError('--hours and --rate must be positive numbers, --seed an integer');
  const instruments = (v.symbols ?? 'BTCUSDT,ETHUSDT').split(',').filter(Boolean);
  const n = writeSimulatedCapture({
    file: v.out, instruments, seed, hours, ticksPerSecond: rate,
    onProgress: (done, total) => process.stderr.write(`\rsimulate: ${Math.round((100 * done) / total)}% (${done} of ${total} ticks)`),
  });
  process.stderr.write('\n');
  process.stdout.write(`${v.out}: ${n} ticks, ${hours} h of ${instruments.join(', ')} (seed ${seed})\n`);
  return 0;
}
