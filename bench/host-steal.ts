import { readFileSync } from 'node:fs';

/** USER_HZ is 100 on Linux builds for x86 and arm64: /proc/stat counts in 10-ms ticks. */
const TICK_MS = 10;

/**
 * Time the VM's host has taken from each vCPU so far (steal, ms, from /proc/stat); empty off Linux. A latency
 * window with steal in it measured the host as well as the engine: the benches and the soak say how much.
 */
export function stealMsPerVcpu(): number[] {
  try {
    return readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => Number(l.trim().split(/\s+/)[8]) * TICK_MS);
  } catch {
    return [];
  }
}

/** Steal between two readings as a share of the vCPU time that passed (`ms` of wall time on each vCPU), in percent. */
export function stealPercent(before: readonly number[], after: readonly number[], ms: number): number {
  if (before.length === 0 || ms <= 0) return NaN;
  let stolen = 0;
  for (let i = 0; i < after.length; i++) stolen += after[i] - before[i];
  return (stolen / (ms * after.length)) * 100;
}
