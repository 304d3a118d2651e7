import { openSync, readSync } from 'node:fs';

/**
 * This thread's time on a core and its time waiting for one, from the kernel (`/proc/thread-self/schedstat`), read
 * without allocating: what tells a pause this thread caused (it ran) from one the machine caused (it waited for a
 * core; time a VM's host took the core away is neither). Opened once by the thread it describes; off Linux both stay NaN.
 */
export class ThreadSchedStat {
  runNs = NaN;
  waitNs = NaN;
  private readonly fd: number | null;
  private readonly buf = Buffer.alloc(64);

  constructor() {
    try {
      this.fd = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      this.fd = null;
    }
  }

  read(): void {
    if (this.fd === null) return;
    const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
    // "<ns on a core> <ns waiting on a runqueue> <slices>\n"
    let field = 0;
    let v = 0;
    for (let i = 0; i < n && field < 2; i++) {
      const c = this.buf[i];
      if (c >= 48 && c <= 57) v = v * 10 + (c - 48);
      else {
        if (field === 0) this.runNs = v;
        else this.waitNs = v;
        field++;
        v = 0;
      }
    }
  }
}
