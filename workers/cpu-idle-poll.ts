import { closeSync, openSync, writeSync } from 'node:fs';

/** Linux's PM QoS device: a CPU wake-up latency limit in microseconds, held for as long as the file stays open. */
const QOS_DEVICE = '/dev/cpu_dma_latency';

/**
 * Asks Linux that idle CPUs wake within 0 us, for as long as the engine runs (`scheduling.idlePoll`): the cpuidle
 * governor then keeps every idle CPU in its polling state instead of halting it. Why: a thread the engine wakes
 * (the risk thread at a signal) is placed on an idle CPU, and a halted CPU (on a virtual machine, a halted vCPU
 * the host must run again) takes from microseconds to milliseconds to start it; a polling one starts it at once.
 * On this 2-vCPU machine (orders-bench configuration, 25-s windows after 8 s, interleaved): signal-to-order p99
 * 224-269 us with it against 764-1,896 without, p50 31-35 against 57-84 us; the risk thread's waits for a core
 * of over 100 us in 8 s, 627 -> 150 (perf sched). The cost: idle CPUs spin (power; a host sees the vCPUs busy).
 * The request is the tuned `latency-performance` profile's; it needs write access to the device (root, or a
 * container given the device). Returns how to give it back, and why not where it could not.
 */
export function holdIdlePoll(): { release: () => void; refused: string | null } {
  let fd = -1;
  try {
    fd = openSync(QOS_DEVICE, 'w');
    writeSync(fd, new Uint8Array(new Int32Array([0]).buffer));
  } catch (e) {
    if (fd >= 0) closeSync(fd); // opened but the request not taken: nothing held
    return { release: () => {}, refused: (e as Error).message };
  }
  let held = true;
  return {
    release: () => {
      if (held) closeSync(fd);
      held = false;
    },
    refused: null,
  };
}
