export { Doorbell, DOORBELL_BYTES } from './doorbell.js';
export { createRing, RingWriter, RingReader, RingObserver, HEADER_BYTES } from './ring.js';
export type { RingDescriptor, RingOptions } from './ring.js';
export { createWaitStrategy, WAIT_STRATEGIES } from './wait-strategy.js';
export type { WaitStrategy, WaitStrategyName } from './wait-strategy.js';
export * from './records.js';
