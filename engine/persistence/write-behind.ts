import { StoreState } from '../status/status-region.js';
import type { Database } from './database.js';
import type { Journal } from './journal.js';
import type { StoreRow } from './store-rows.js';
import { writeRows } from './row-writer.js';

/**
 * The write-behind queue between the engine and the database.
 *
 * Rows are queued synchronously and written in batches (up to `batchRows`,
 * at least every `flushMs`) by one pump, so writes never overlap and never
 * reach back into the caller. When a write fails or takes longer than
 * `writeTimeoutMs`, the batch goes to the journal (fsync'd) and so does every
 * later batch, in order, until the journal has been replayed into the
 * database; replay is attempted every `retryMs`. If the journal itself
 * cannot be written (disk full), batches stay in memory and are retried:
 * nothing is dropped. Writes are idempotent (see row-writer), so a batch
 * that reached the database just before a timeout or a crash and is then
 * replayed changes nothing.
 */
export interface WriteBehindOptions {
  batchRows: number;
  flushMs: number;
  retryMs: number;
  writeTimeoutMs: number;
}

export const DEFAULT_WRITE_BEHIND: WriteBehindOptions = { batchRows: 2000, flushMs: 250, retryMs: 1000, writeTimeoutMs: 5000 };

export interface WriteBehindStats {
  state: StoreState;
  queued: number;
  rowsWritten: number;
  batches: number;
  writeFailures: number;
  journalBatches: number;
  replayedRows: number;
  tornRecords: number;
  lastWriteAt: number;
  lastErrorAt: number;
  lastError: string | null;
}

export type RowsWriter = (db: Database, rows: readonly StoreRow[]) => Promise<void>;

export class WriteBehind {
  readonly stats: WriteBehindStats = {
    state: StoreState.Starting, queued: 0, rowsWritten: 0, batches: 0, writeFailures: 0, journalBatches: 0, replayedRows: 0,
    tornRecords: 0, lastWriteAt: 0, lastErrorAt: 0, lastError: null,
  };
  private queue: StoreRow[] = [];
  private db: Database | null = null;
  private closing = false;
  private wake: (() => void) | null = null;
  private lastReplayAttempt = -Infinity;
  private replayOffset = 0;
  private readonly done: Promise<void>;

  constructor(
    readonly journal: Journal,
    private readonly o: WriteBehindOptions = DEFAULT_WRITE_BEHIND,
    private readonly onError: (message: string, err: Error) => void = () => {},
    private readonly write: RowsWriter = writeRows,
  ) {
    if (journal.tornAtOpen) this.stats.tornRecords++;
    this.done = this.pump();
  }

  /** The database to write to (until then, batches go to the journal). */
  attach(db: Database): void {
    this.db = db;
    this.lastReplayAttempt = -Infinity;
    this.stats.state = this.journal.bytes > 0 ? StoreState.Spilling : StoreState.Writing;
    this.kick();
  }

  enqueue(row: StoreRow): void {
    this.queue.push(row);
    this.stats.queued = this.queue.length;
    if (this.queue.length >= this.o.batchRows) this.kick();
  }

  get journalBytes(): number {
    return this.journal.bytes;
  }

  /** Writes or journals everything queued, then stops the pump (the journal stays open for the caller to close). */
  async close(): Promise<void> {
    this.closing = true;
    this.kick();
    await this.done;
  }

  private kick(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (!this.closing && this.queue.length < this.o.batchRows) await this.sleep(this.o.flushMs);
      if (this.journal.bytes > 0 && this.db) await this.replay();
      if (this.queue.length > 0) await this.flush(this.queue.splice(0, this.o.batchRows));
      this.stats.queued = this.queue.length;
      if (this.closing && this.queue.length === 0) return;
      if (this.stats.state === StoreState.Failing) await this.sleep(this.o.retryMs);
    }
  }

  private async flush(batch: StoreRow[]): Promise<void> {
    if (this.db && this.journal.bytes === 0) {
      try {
        await this.timed(this.write(this.db, batch));
        this.wrote(batch.length);
        return;
      } catch (e) {
        this.failed('database write failed; spilling to the journal', e as Error);
      }
    }
    try {
      await this.journal.append(batch);
      this.stats.journalBatches++;
      if (this.stats.state !== StoreState.Starting || this.db) this.stats.state = StoreState.Spilling;
    } catch (e) {
      // nowhere durable to put it: keep it in memory, in order, and retry
      this.queue.unshift(...batch);
      this.stats.state = StoreState.Failing;
      this.failed('journal append failed; rows held in memory', e as Error);
    }
  }

  /** Replays the journal into the database; clears it when all of it is in. */
  private async replay(): Promise<void> {
    const now = Date.now();
    if (now - this.lastReplayAttempt < this.o.retryMs) return;
    this.lastReplayAttempt = now;
    const { batches } = await this.journal.read(this.replayOffset);
    try {
      for (const b of batches) {
        await this.timed(this.write(this.db!, b.rows));
        this.replayOffset = b.end;
        this.stats.replayedRows += b.rows.length;
        this.wrote(b.rows.length);
      }
    } catch (e) {
      this.stats.state = StoreState.Spilling;
      this.failed('journal replay failed; retrying', e as Error);
      return;
    }
    await this.journal.clear();
    this.replayOffset = 0;
    this.stats.state = StoreState.Writing;
  }

  private wrote(rows: number): void {
    this.stats.rowsWritten += rows;
    this.stats.batches++;
    this.stats.lastWriteAt = Date.now();
  }

  private failed(message: string, err: Error): void {
    this.stats.writeFailures++;
    this.stats.lastErrorAt = Date.now();
    this.stats.lastError = err.message;
    this.onError(message, err);
  }

  private timed<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the database within ${this.o.writeTimeoutMs} ms`)), this.o.writeTimeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
