import { accessSync, constants, closeSync, openSync, readSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { holdIdlePoll } from '../../workers/cpu-idle-poll.js';

const DEVICE = '/dev/cpu_dma_latency';
/** The CPU wake-up latency limit in force (us): the device reads back the strictest request held. */
function limitInForce(): number {
  const fd = openSync(DEVICE, 'r');
  try {
    const b = new Int32Array(1);
    readSync(fd, new Uint8Array(b.buffer), 0, 4, null);
    return b[0];
  } finally {
    closeSync(fd);
  }
}
const writable = (() => {
  try {
    accessSync(DEVICE, constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();

describe('idle poll (scheduling.idlePoll)', () => {
  it('holds a 0-us wake-up limit while held and gives it back on release; says why where the device is closed to it', () => {
    if (!writable) {
      // no root here: the engine runs on and logs this
      expect(holdIdlePoll().refused).toMatch(/EACCES|EPERM|ENOENT/);
      return;
    }
    const before = limitInForce();
    expect(before).toBeGreaterThan(0); // the kernel's default (2,000 s), no other process holding a request
    const hold = holdIdlePoll();
    expect(hold.refused).toBeNull();
    expect(limitInForce()).toBe(0);
    hold.release();
    hold.release(); // twice is harmless
    expect(limitInForce()).toBe(before);
  });
});
