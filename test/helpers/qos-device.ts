import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';

/** Linux's PM QoS device that scheduling.idlePoll holds a request on. */
export const QOS_DEVICE = '/dev/cpu_dma_latency';

/** The CPU wake-up latency limit in force (us): the device reads back the strictest request held. */
export function limitInForce(): number {
  const fd = openSync(QOS_DEVICE, 'r');
  try {
    const b = new Int32Array(1);
    readSync(fd, new Uint8Array(b.buffer), 0, 4, null);
    return b[0];
  } finally {
    closeSync(fd);
  }
}

/** Whether this process may hold a request (root, or a container given the device). */
export const qosDeviceWritable = (() => {
  try {
    accessSync(QOS_DEVICE, constants.W_OK);
    return true;
  } catch {
    return false;
  }
})();
