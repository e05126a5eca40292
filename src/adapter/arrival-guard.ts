import type { Clock } from '../shared/clock.js';
import type { Sleep } from './limiter.js';

export interface ArrivalGuardOptions {
  /** Most requests that may arrive at OpenBOM within any window. */
  limit: number;
  windowMs: number;
  clock: Clock;
  sleep: Sleep;
}

/**
 * Keeps OpenBOM from seeing more than `limit` of this process's requests arrive within any `windowMs`, whatever
 * happens between our start and their arrival. The rate limiter counts starts, but a request started at t can reach
 * OpenBOM much later (a busy event loop, a slow connect, the network), and then N+1 arrivals fit into one second: the
 * load test saw 8. Here each of `limit` permits comes back only `windowMs` after its request was answered (or failed),
 * and a request always arrives before it is answered, so two arrivals on one permit are always a window apart.
 * Waiters whose caller gave up (an aborted signal: Jakamo closed the connection) leave the queue at once, so
 * abandoned requests neither pile up in memory nor spend OpenBOM's budget.
 */
export class ArrivalGuard {
  /** When each idle permit may be used again, earliest first. */
  private readonly idle: number[];
  private readonly waiting: Array<() => void> = [];
  private permitReturned: (() => void) | undefined;
  private draining = false;

  constructor(private readonly options: ArrivalGuardOptions) {
    this.idle = Array.from({ length: options.limit }, () => 0);
  }

  /** Resolves with `answered`, to be called once the request was answered or failed; rejects if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const abandon = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', abandon);
        resolve(this.answeredOnce());
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiting.push(grant);
      if (!this.draining) void this.drain();
    });
  }

  private answeredOnce(): () => void {
    let answered = false;
    return () => {
      if (answered) return;
      answered = true;
      const usableAt = this.options.clock.now() + this.options.windowMs;
      const at = this.idle.findIndex((time) => time > usableAt);
      this.idle.splice(at < 0 ? this.idle.length : at, 0, usableAt);
      this.permitReturned?.();
    };
  }

  /** One loop hands out permits in arrival order, sleeping until the earliest idle one is usable (no polling). */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        const usableAt = this.idle[0];
        if (usableAt === undefined) {
          await new Promise<void>((resolve) => (this.permitReturned = resolve));
          this.permitReturned = undefined;
          continue;
        }
        const waitMs = usableAt - this.options.clock.now();
        if (waitMs > 0) {
          await this.options.sleep(waitMs);
          continue;
        }
        this.idle.shift();
        this.waiting.shift()!();
      }
    } finally {
      this.draining = false;
    }
  }
}
