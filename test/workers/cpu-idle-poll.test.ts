import { describe, expect, it } from 'vitest';
import { holdIdlePoll } from '../../workers/cpu-idle-poll.js';
import { limitInForce, qosDeviceWritable } from '../helpers/qos-device.js';

describe('idle poll (scheduling.idlePoll)', () => {
  it('holds a 0-us wake-up limit while held and gives it back on release; says why where the device is closed to it', () => {
    if (!qosDeviceWritable) {
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
