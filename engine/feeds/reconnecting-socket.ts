import WebSocket from 'ws';
import { Backoff, type BackoffOptions } from './backoff.js';

/**
 * A WebSocket client that stays connected: on close or error it waits the
 * backoff's delay and connects again. Each attempt is scheduled from a timer,
 * so retries are an iterative loop (a flat stack however many outages),
 * never recursion. A connection silent for `staleMs` is terminated (the
 * close then reconnects). When the backoff gives up, or `giveUp()` is called
 * (an expired subscription), it stays closed and says why.
 */
export type SocketState = 'connecting' | 'open' | 'waiting' | 'stopped' | 'gave-up';

export interface ReconnectingSocketEvents {
  /** A connection is open: (re)send subscriptions here. */
  onOpen(socket: WebSocket): void;
  onMessage(data: WebSocket.RawData, isBinary: boolean): void;
  /** Connection lost; `willRetryInMs` is null when it will not retry. */
  onClose?(code: number, reason: string, willRetryInMs: number | null): void;
  onGiveUp?(reason: string): void;
}

export class ReconnectingSocket {
  state: SocketState = 'stopped';
  /** Successful connections after the first one. */
  reconnects = 0;
  /** Connection attempts that failed before opening. */
  failedAttempts = 0;
  gaveUpReason = '';
  private ws: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastMessage = 0;
  private opened = 0;
  private readonly backoff: Backoff;

  constructor(
    private url: () => string,
    private readonly events: ReconnectingSocketEvents,
    backoff: BackoffOptions,
    private readonly staleMs = 0,
    private readonly headers: Record<string, string> = {},
  ) {
    this.backoff = new Backoff(backoff);
  }

  start(): void {
    if (this.state !== 'stopped') return;
    this.connect();
  }

  /** Closes for good (no reconnect). */
  stop(): void {
    this.state = 'stopped';
    this.clearTimers();
    this.ws?.removeAllListeners();
    this.ws?.on('error', () => {});
    this.ws?.terminate();
    this.ws = null;
  }

  /** Stops retrying for a reason that retries cannot fix. */
  giveUp(reason: string): void {
    this.stop();
    this.state = 'gave-up';
    this.gaveUpReason = reason;
    this.events.onGiveUp?.(reason);
  }

  /** Drops the current connection now; the usual backoff then reconnects (for a new token or URL). */
  reconnectNow(): void {
    this.ws?.terminate();
  }

  send(data: string | Buffer): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(data);
    return true;
  }

  private connect(): void {
    this.timer = null;
    this.state = 'connecting';
    let opened = false;
    const ws = new WebSocket(this.url(), { headers: this.headers, handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      opened = true;
      if (this.opened++ > 0) this.reconnects++;
      this.state = 'open';
      this.backoff.reset();
      this.lastMessage = Date.now();
      if (this.staleMs > 0) {
        this.watchdog = setInterval(() => {
          if (Date.now() - this.lastMessage > this.staleMs) ws.terminate();
        }, Math.max(50, this.staleMs / 4));
      }
      this.events.onOpen(ws);
    });
    ws.on('message', (data, isBinary) => {
      this.lastMessage = Date.now();
      this.events.onMessage(data, isBinary);
    });
    ws.on('error', () => {}); // 'close' follows and decides
    ws.on('close', (code, reason) => {
      if (this.ws !== ws || this.state === 'stopped' || this.state === 'gave-up') return;
      if (!opened) this.failedAttempts++;
      this.clearTimers();
      this.ws = null;
      const delay = this.backoff.next();
      this.events.onClose?.(code, reason.toString(), delay);
      if (delay === null) {
        this.giveUp(`no connection after ${this.backoff.attempts} retries`);
        return;
      }
      this.state = 'waiting';
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.timer = this.watchdog = null;
  }
}
