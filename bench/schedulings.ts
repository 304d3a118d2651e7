/**
 * The schedulings the latency benches run under: `npm start`'s defaults (no privilege asked); `[idle-poll]`,
 * the defaults with `scheduling.idlePoll` (idle CPUs poll instead of halting, so a woken thread starts at once);
 * and `[realtime]`, everything a desk with the privilege can set: `scheduling.realtime` (SCHED_FIFO for ingest,
 * strategies and risk) with idle poll. Where the machine refuses one, the row's note says so and the row
 * measures what the engine ran under.
 */
export interface Scheduling {
  /** What the rows' names end in. */
  suffix: string;
  realtime: boolean;
  idlePoll: boolean;
}
export const SCHEDULINGS: readonly Scheduling[] = [
  { suffix: '', realtime: false, idlePoll: false },
  { suffix: ' [idle-poll]', realtime: false, idlePoll: true },
  { suffix: ' [realtime]', realtime: true, idlePoll: true },
];
