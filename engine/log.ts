import pino, { type Logger } from 'pino';

/**
 * pino JSON logs. Each thread writes whole lines straight to fd 1 (not through
 * the main thread's stdout stream, which a worker would reach by postMessage);
 * lines under the pipe buffer size are written atomically, so threads do not
 * interleave mid-line. Nothing logs per tick.
 */
export function createLogger(level: string, thread: string): Logger {
  return pino({ level, base: { thread } }, pino.destination({ dest: 1, sync: true }));
}
export type { Logger };
