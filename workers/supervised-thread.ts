import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from '../engine/log.js';
import type { EnginePlan } from '../engine/plan.js';
import { RestartPolicy } from '../engine/supervisor/restart-policy.js';
import { StatusRegion, ThreadState } from '../engine/status/status-region.js';
import type { ControlMessage, ThreadData, ThreadEvent } from './thread-kit.js';

/**
 * One engine thread under supervision: spawned with the shared plan, marked
 * running when it says so, restarted with backoff when it crashes, left down
 * (state FAILED, visible in health and metrics) when it crashes too often.
 * Its rings outlive it: a restarted consumer carries on from its read cursor.
 */
export class SupervisedThread {
  private worker: Worker | null = null;
  private incarnation = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly policy: RestartPolicy;
  private readonly sState: number;
  private readonly sRestarts: number;
  private readonly sStarted: number;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly file: URL,
    private readonly plan: EnginePlan,
    private readonly status: StatusRegion,
    private readonly log: Logger,
    private readonly onEvent: (thread: string, e: ThreadEvent) => void,
    private readonly now: () => number,
    /** V8 heap limits of the thread (each incarnation); unset: Node's defaults. */
    private readonly resourceLimits?: ResourceLimits,
  ) {
    const s = plan.config.supervisor;
    this.policy = new RestartPolicy({ initialMs: s.restartInitialMs, maxMs: s.restartMaxMs, maxRestarts: s.maxRestarts, windowMs: s.windowMs });
    this.sState = status.slot(`thread.${name}.state`);
    this.sRestarts = status.slot(`thread.${name}.restarts`);
    this.sStarted = status.slot(`thread.${name}.startedAt`);
  }

  start(): void {
    const data: ThreadData = { plan: this.plan, thread: this.name, incarnation: this.incarnation };
    this.status.set(this.sState, ThreadState.Starting);
    this.status.set(this.sStarted, this.now());
    const worker = new Worker(this.file, { workerData: data, name: `tickring:${this.name}`, resourceLimits: this.resourceLimits });
    this.worker = worker;
    let error: Error | undefined;
    worker.on('message', (e: ThreadEvent) => {
      if (e.type === 'started') this.status.set(this.sState, ThreadState.Running);
      this.onEvent(this.name, e);
    });
    worker.on('error', (e) => (error = e));
    this.exited = new Promise((resolve) => {
      worker.once('exit', (code) => {
        this.worker = null;
        resolve();
        if (this.stopping) {
          this.status.set(this.sState, ThreadState.Stopped);
          return;
        }
        this.crashed(code, error);
      });
    });
  }

  private crashed(code: number, error: Error | undefined): void {
    const decision = this.policy.onCrash(Date.now());
    const err = error ? { message: error.message, stack: error.stack } : undefined;
    if (!decision.restart) {
      this.status.set(this.sState, ThreadState.Failed);
      this.log.error({ thread: this.name, code, err, crashes: decision.crashesInWindow }, 'thread crashed too often; leaving it down');
      return;
    }
    this.status.set(this.sState, ThreadState.Restarting);
    this.status.add(this.sRestarts, 1);
    this.log.error({ thread: this.name, code, err, restartInMs: decision.delayMs }, 'thread crashed; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.incarnation++;
      this.start();
    }, decision.delayMs);
  }

  send(message: ControlMessage): void {
    this.worker?.postMessage(message);
  }

  /** Sends `message` (stop or drain) and waits for the thread to exit; terminates it after `timeoutMs`. */
  async stop(message: ControlMessage, timeoutMs: number): Promise<'clean' | 'terminated'> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) {
      this.status.set(this.sState, ThreadState.Stopped);
      return 'clean';
    }
    worker.postMessage(message);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'terminated'>((resolve) => {
      timer = setTimeout(() => resolve('terminated'), Math.max(1, timeoutMs));
    });
    const result = await Promise.race([this.exited.then(() => 'clean' as const), timedOut]);
    clearTimeout(timer);
    if (result === 'terminated') {
      this.log.warn({ thread: this.name, timeoutMs }, 'thread did not stop in time; terminating it');
      await worker.terminate();
    }
    return result;
  }
}
