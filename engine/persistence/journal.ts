import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { pack, unpack } from 'msgpackr';
import type { StoreRow } from './store-rows.js';

/**
 * The local append-only journal the write-behind queue spills to while the
 * database is unreachable. One record per batch:
 *
 *   u32 magic 'TRJ1' | u32 payload length | u32 crc32(payload) | payload (msgpack array of rows)
 *
 * Each append is fsync'd before it returns, so a batch the queue has handed
 * over survives a crash of the process or the machine. A crash in the middle
 * of an append leaves a torn last record: it was never acknowledged, and
 * opening the journal cuts it off.
 */
const MAGIC = 0x314a5254; // 'TRJ1' little-endian
const HEADER = 12;

export interface JournalBatch {
  rows: StoreRow[];
  /** Offset just past this record: replay resumes here. */
  end: number;
}

export class Journal {
  private constructor(
    readonly file: string,
    private fh: FileHandle,
    private size: number,
  ) {}

  /** Whether `open` cut off a torn last record (a crash in the middle of an append). */
  tornAtOpen = false;

  /**
   * Opens (or creates) the journal. A torn last record is cut off here, so
   * that what is appended next is not hidden behind it.
   */
  static async open(file: string): Promise<Journal> {
    mkdirSync(path.dirname(file), { recursive: true });
    const fh = await open(file, 'a+');
    const j = new Journal(file, fh, (await fh.stat()).size);
    const { batches, torn } = await j.read(0);
    if (torn) {
      j.size = batches.length ? batches[batches.length - 1].end : 0;
      await fh.truncate(j.size);
      await fh.datasync();
      j.tornAtOpen = true;
    }
    return j;
  }

  /** Bytes in the journal (spilled and not yet cleared). */
  get bytes(): number {
    return this.size;
  }

  /** Appends one batch and fsyncs it. */
  async append(rows: readonly StoreRow[]): Promise<void> {
    const payload = pack(rows);
    const header = Buffer.allocUnsafe(HEADER);
    header.writeUInt32LE(MAGIC, 0);
    header.writeUInt32LE(payload.length, 4);
    header.writeUInt32LE(crc32(payload), 8);
    const record = Buffer.concat([header, payload]);
    const { bytesWritten } = await this.fh.write(record, 0, record.length, null);
    if (bytesWritten !== record.length) throw new Error(`journal ${this.file}: short write (${bytesWritten} of ${record.length} bytes)`);
    await this.fh.datasync();
    this.size += record.length;
  }

  /**
   * The batches from `offset` to the end as it is now. `torn` is set when the
   * last record is incomplete or corrupt (a crash mid-append): it is skipped.
   */
  async read(offset = 0): Promise<{ batches: JournalBatch[]; torn: boolean }> {
    const length = this.size - offset;
    const batches: JournalBatch[] = [];
    if (length <= 0) return { batches, torn: false };
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, offset);
    let p = 0;
    while (p + HEADER <= bytesRead) {
      const n = buf.readUInt32LE(p + 4);
      if (buf.readUInt32LE(p) !== MAGIC || p + HEADER + n > bytesRead) break;
      const payload = buf.subarray(p + HEADER, p + HEADER + n);
      if (crc32(payload) !== buf.readUInt32LE(p + 8)) break;
      p += HEADER + n;
      batches.push({ rows: unpack(payload) as StoreRow[], end: offset + p });
    }
    return { batches, torn: p < bytesRead };
  }

  /** Empties the journal (everything in it is in the database). */
  async clear(): Promise<void> {
    await this.fh.truncate(0);
    await this.fh.datasync();
    this.size = 0;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
