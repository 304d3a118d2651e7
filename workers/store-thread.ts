/**
 * Store thread: persistence off the hot path. Reads the risk thread's store
 * ring every few milliseconds, turns records into rows (run id + the ring's
 * sequence) and hands them to the write-behind queue, which writes batches to
 * PostgreSQL (DATABASE_URL) or embedded PostgreSQL under the data directory,
 * and spills to the fsync'd journal while the database is away.
 */
import path from 'node:path';
import { closeSync, openSync, writeSync } from 'node:fs';
import { emptySignal, RingReader } from '../native-free-ringbuffer/index.js';
import { embeddedDatabase, isPostgresNullSocketWrite, postgresDatabase, type Database } from '../engine/persistence/database.js';
import { Journal } from '../engine/persistence/journal.js';
import { migrate } from '../engine/persistence/migrate.js';
import { upsertInstruments } from '../engine/persistence/row-writer.js';
import { signalRow, type StoreRow } from '../engine/persistence/store-rows.js';
import { WriteBehind } from '../engine/persistence/write-behind.js';
import { StoreBackend, STORE_FIELDS, StoreState } from '../engine/status/status-region.js';
import { threadKit } from './thread-kit.js';
import { readEnvelope } from './store-outbox.js';
import { niceThisThread } from './thread-priority.js';

/** The ring is read this often (rows are not urgent: they wait for the next batch anyway). */
const POLL_MS = 20;
const kit = threadKit();
const { plan, clock, status, log } = kit;
const cfg = plan.config.storage;
const slots = Object.fromEntries(STORE_FIELDS.map((k) => [k, status.slot(`store.${k}`)])) as Record<(typeof STORE_FIELDS)[number], number>;

// See isPostgresNullSocketWrite; anything else is a real crash, left to the supervisor.
process.on('uncaughtException', (err) => {
  if (isPostgresNullSocketWrite(err)) return log.debug('ignored a write on a closed PostgreSQL connection (postgres#1154)');
  log.fatal({ err: err.message, stack: err.stack }, 'store thread crashed');
  process.exit(1);
});

// Persistence yields to trading: on Linux each thread is a task with its own nice value, so this thread
// runs at nice 10 and its batch writes give way to the trading threads. Not lower: a row is durable
// only once written or journaled, and the model pool's seconds of training (nice 19) must not starve it
// (at nice 19 beside a training, a start-up took seconds to reach the database and a SIGKILL lost rows).
const niceRefused = niceThisThread(10);
if (niceRefused) log.debug({ reason: niceRefused }, 'store thread priority unchanged');

/** Where rows go: the write-behind queue (a database and its journal), or a JSON-lines file (backtests). */
interface RowSink {
  enqueue(row: StoreRow): void;
  /** Status slots (ten times a second). */
  publish(): void;
  close(): Promise<void>;
}

const sink: RowSink = cfg.rowsFile ? rowsFileSink(cfg.rowsFile) : await databaseSink();

/** Every row as one JSON line, in ring order, written at each drain of the ring. */
function rowsFileSink(file: string): RowSink {
  const fd = openSync(file, 'w');
  let lines: string[] = [];
  let written = 0;
  const flush = () => {
    if (lines.length === 0) return;
    writeSync(fd, lines.join('\n') + '\n');
    written += lines.length;
    lines = [];
  };
  status.set(slots.backend, StoreBackend.File);
  log.info({ file }, 'rows go to a file, not a database');
  return {
    enqueue: (row) => lines.push(JSON.stringify(row)),
    publish: () => {
      flush();
      status.set(slots.state, StoreState.Writing);
      status.set(slots.rowsWritten, written);
      status.set(slots.lastWriteAt, Date.now());
    },
    close: async () => {
      flush();
      closeSync(fd);
    },
  };
}

async function databaseSink(): Promise<RowSink> {
  const journal = await Journal.open(path.join(cfg.dataDir, 'journal', 'store.journal'));
  if (journal.tornAtOpen) log.warn({ file: journal.file }, 'journal ended in a torn record (a crash mid-append): cut off; everything before it replays');
  if (journal.bytes > 0) log.info({ bytes: journal.bytes }, 'journal holds rows from an earlier run: replaying them once the database is up');
  const queue = new WriteBehind(
    journal,
    { batchRows: cfg.batchRows, flushMs: cfg.flushMs, retryMs: cfg.retryMs, writeTimeoutMs: cfg.writeTimeoutMs },
    (message, err) => (queue.stats.writeFailures <= 1 || queue.stats.writeFailures % 100 === 0 ? log.warn({ err: err.message, failures: queue.stats.writeFailures }, message) : undefined),
  );
  status.set(slots.backend, cfg.databaseUrl ? StoreBackend.Postgres : StoreBackend.Embedded);

  let db: Database | null = null;
  let closing = false;
  /** Opens the database, migrates it and stores the instrument registry; retried until it works. */
  async function connect(): Promise<void> {
    for (let attempt = 1; !closing; attempt++) {
      let candidate: Database | null = null;
      try {
        candidate = cfg.databaseUrl ? postgresDatabase(cfg.databaseUrl, { max: 2, connectTimeoutSec: 2 }) : await embeddedDatabase(path.join(cfg.dataDir, 'pgdata'));
        const applied = await migrate(candidate);
        if (applied.length) log.info({ applied }, 'database migrated');
        await upsertInstruments(candidate, plan.instruments);
        db = candidate;
        queue.attach(db);
        log.info({ backend: db.kind, attempt }, 'storage ready');
        return;
      } catch (e) {
        await candidate?.close().catch(() => {});
        if (attempt === 1 || attempt % 30 === 0) log.warn({ err: (e as Error).message, attempt }, 'database unavailable: rows go to the journal until it is back');
        status.set(slots.lastErrorAt, Date.now());
        await new Promise((r) => setTimeout(r, Math.min(cfg.retryMs * attempt, 5000)));
      }
    }
  }
  void connect();
  function publish(): void {
    const s = queue.stats;
    status.set(slots.state, db === null && s.state === StoreState.Starting ? StoreState.Spilling : s.state);
    status.set(slots.queued, s.queued);
    status.set(slots.rowsWritten, s.rowsWritten);
    status.set(slots.batches, s.batches);
    status.set(slots.writeFailures, s.writeFailures);
    status.set(slots.journalBytes, queue.journalBytes);
    status.set(slots.journalBatches, s.journalBatches);
    status.set(slots.replayedRows, s.replayedRows);
    status.set(slots.tornRecords, s.tornRecords);
    status.set(slots.lastWriteAt, s.lastWriteAt);
    if (s.lastErrorAt) status.set(slots.lastErrorAt, s.lastErrorAt);
  }
  return {
    enqueue: (row) => queue.enqueue(row),
    publish,
    close: async () => {
      closing = true;
      await queue.close();
      publish();
      await journal.close();
      await db?.close().catch(() => {});
      log.info({ rowsWritten: queue.stats.rowsWritten, journalBytes: queue.journalBytes }, 'drained');
    },
  };
}

const ring = new RingReader(plan.storeRing);
const signal = emptySignal();
const strategyNames = plan.config.strategies.map((s) => s.id ?? s.name);
const invalid = status.slot('store.writeFailures');
function drainRing(): void {
  for (let n = ring.available(); n > 0; n = ring.available()) {
    for (let i = 0; i < n; i++) {
      const off = ring.slot(i);
      const seq = ring.seqAt(off);
      try {
        const r = readEnvelope(ring, off, signal, plan.instruments, plan.config.broker.name);
        if (r === 'signal') {
          const inst = plan.instruments[signal.instrumentId - 1];
          if (inst) sink.enqueue({ ...signalRow(signal, strategyNames[signal.strategyId - 1] ?? `#${signal.strategyId}`, inst, (ns) => clock.eventMs(ns)), run: plan.runId, seq });
        } else sink.enqueue({ ...r, run: plan.runId, seq } as StoreRow);
      } catch (e) {
        status.add(invalid, 1);
        log.error({ err: (e as Error).message, seq }, 'unreadable store record');
      }
    }
    ring.release(n);
  }
}

const poll = setInterval(drainRing, POLL_MS);
const beat = setInterval(() => {
  kit.beat();
  sink.publish();
}, 100);

kit.onControl(async (m) => {
  if (m.type !== 'drain' && m.type !== 'stop') return;
  // the risk thread has stopped: take what is left on the ring, write or journal all of it
  clearInterval(poll);
  drainRing();
  await sink.close();
  sink.publish();
  clearInterval(beat);
  process.exit(0);
});
kit.send({ type: 'started' });
