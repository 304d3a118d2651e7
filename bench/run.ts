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
import { orderBook } from './order-book-suites.js';
import { httpLoad } from './http-load-suites.js';
import { strategies } from './strategy-suites.js';
import { ringHop, ringThroughput } from './ring-suites.js';
import { store } from './store-suites.js';
import { printTable, writeResults, type BenchRow } from './table.js';
import { checkTargets } from './targets.js';
import { parseCommandLine, runCommand, UsageError } from '../workers/command-line.js';
import { widenInlining } from '../workers/engine-runner.js';

const SUITES = { 'ring-hop': ringHop, 'ring-throughput': ringThroughput, analytics, strategy: strategies, ingest, engine: engineLatency, orders: engineOrders, 'order-book': orderBook, store, 'http-load': httpLoad, 'engine-rss': engineRss };

const USAGE = `usage: npm run bench [-- --quick] [-- --only SUITE[,SUITE]]\nsuites: ${Object.keys(SUITES).join(', ')}`;

function parseBenchArgs(argv: string[]) {
  // strict: a mistyped flag stops here with the usage, never starts the full run of several minutes
  return parseCommandLine({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
}

async function runBench(argv: string[]): Promise<void> {
  const values = parseBenchArgs(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  widenInlining(); // as the engine does: the in-process suites measure the code it runs
  const quick = values.quick === true;
  const only = values.only?.split(',');
  const unknown = only?.filter((s) => !(s in SUITES));
  if (unknown?.length) throw new UsageError(`unknown suite(s) ${unknown.join(', ')}: choose from ${Object.keys(SUITES).join(', ')}`);
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

/** The command line: runs the bench and returns the exit code (a usage mistake: 2, with the usage; a failed run: 1). */
export async function benchCli(argv: string[]): Promise<number> {
  try {
    return await runCommand('bench', USAGE, async () => (await runBench(argv), 0));
  } catch (e) {
    process.stderr.write(`bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  void benchCli(process.argv.slice(2)).then((code) => process.exit(code));
}
