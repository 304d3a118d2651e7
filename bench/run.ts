/**
 * `npm run bench [-- --quick] [-- --only SUITE[,SUITE]]`: latency and throughput
 * of the rings and the engine, each beside its baseline in the same run.
 * Prints a table and writes bench/results/latest.json (a list of rows).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analytics } from './analytics-suites.js';
import { engineLatency, engineOrders, engineRss } from './engine-suites.js';
import { ingest } from './ingest-suites.js';
import { httpLoad } from './http-load-suites.js';
import { strategies } from './strategy-suites.js';
import { ringHop, ringThroughput } from './ring-suites.js';
import { store } from './store-suites.js';
import { printTable, writeResults, type BenchRow } from './table.js';
import { checkTargets } from './targets.js';

const SUITES = { 'ring-hop': ringHop, 'ring-throughput': ringThroughput, analytics, strategy: strategies, ingest, engine: engineLatency, orders: engineOrders, store, 'http-load': httpLoad, 'engine-rss': engineRss };

export async function runBench(argv: string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const onlyArg = argv.indexOf('--only');
  const only = onlyArg >= 0 ? argv[onlyArg + 1]?.split(',') : undefined;
  const unknown = only?.filter((s) => !(s in SUITES));
  if (unknown?.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}: choose from ${Object.keys(SUITES).join(', ')}`);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results', 'latest.json');
  const started = Date.now();
  const progress = (s: string) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${s}\n`);
  const rows: BenchRow[] = [];
  for (const [name, suite] of Object.entries(SUITES)) {
    if (only && !only.includes(name)) continue;
    rows.push(...(await suite(quick, progress)));
  }
  writeResults(out, rows);
  process.stdout.write(`\n${printTable(rows)}\n\n${checkTargets(rows).join('\n')}\n\nwritten to ${path.relative(process.cwd(), out)}${quick ? ' (quick run)' : ''}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runBench(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
