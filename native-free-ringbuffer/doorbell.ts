/**
 * A doorbell is how a consumer thread sleeps on one or more rings.
 *
 * It is one 64-byte line of shared memory with two Int32 words:
 *   [0] PARKED — 1 while the consumer is (about to be) parked in Atomics.wait
 *   [1] WAKE   — a counter the consumer waits on; producers bump it to wake it
 *
 * Every ring read by one consumer thread shares that thread's doorbell, so a
 * thread that reads several rings (the risk thread) still parks on one address.
 * Producers only pay for `Atomics.notify` when the consumer said it is parked.
 */
export const DOORBELL_BYTES = 64;
const PARKED = 0;
const WAKE = 1;

export class Doorbell {
  readonly buffer: SharedArrayBuffer;
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(DOORBELL_BYTES)) {
    if (buffer.byteLength < DOORBELL_BYTES) throw new RangeError(`doorbell needs ${DOORBELL_BYTES} bytes`);
    this.buffer = buffer;
    this.words = new Int32Array(buffer, 0, 2);
  }

  /** Producer side: wake the consumer if (and only if) it is parked. */
  ring(): void {
    if (Atomics.load(this.words, PARKED) !== 0) {
      Atomics.add(this.words, WAKE, 1);
      Atomics.notify(this.words, WAKE);
    }
  }

  /**
   * Consumer side: park until a producer rings or `timeoutMs` passes.
   * `ready` is checked after the PARKED flag is raised and before sleeping:
   * with sequentially consistent atomics on both sides this closes the
   * lost-wake-up window (a producer either sees PARKED, or its commit is
   * visible to `ready`).
   */
  park(ready: () => boolean, timeoutMs: number): boolean {
    const seen = Atomics.load(this.words, WAKE);
    Atomics.store(this.words, PARKED, 1);
    // Ready already: no sleep. Both ways share one exit, so the rare one runs no code the common one has not
    // run: code V8 never saw run is a bailout in the optimised function (and in the consumer loop it is inlined
    // into), thrown away the first time it runs, minutes into trading.
    const early = ready();
    if (!early) Atomics.wait(this.words, WAKE, seen, timeoutMs);
    Atomics.store(this.words, PARKED, 0);
    return early || ready();
  }

  /** Wake the consumer whatever it is doing (used for shutdown and control messages). */
  wakeNow(): void {
    Atomics.add(this.words, WAKE, 1);
    Atomics.notify(this.words, WAKE);
  }
}
