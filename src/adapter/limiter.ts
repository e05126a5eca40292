import type { Clock } from '../shared/clock.js';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface SlidingWindowLimiterOptions {
  /** Most starts allowed in any window. */
  limit: number;
  windowMs: number;
  clock: Clock;
  sleep?: Sleep;
}

/**
 * Grants at most `limit` starts in any sliding window of `windowMs`, first come first served.
 * Waiters sit in a queue drained by one loop that sleeps until the oldest start leaves the window
 * (no polling), so the bound holds across every concurrent caller.
 */
export class SlidingWindowLimiter {
  private readonly starts: number[] = [];
  private readonly waiting: Array<() => void> = [];
  private draining = false;
  private pausedUntil = 0;
  private readonly sleep: Sleep;

  constructor(private readonly options: SlidingWindowLimiterOptions) {
    this.sleep = options.sleep ?? realSleep;
  }

  /** Resolves when the caller may start its request. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.draining) void this.drain();
    });
  }

  /** Holds every start back for `ms` (the upstream said it is over its limit). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now() + ms);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    const { limit, windowMs, clock } = this.options;
    try {
      while (this.waiting.length > 0) {
        const now = clock.now();
        while (this.starts.length > 0 && this.starts[0]! <= now - windowMs) this.starts.shift();
        if (now < this.pausedUntil) {
          await this.sleep(this.pausedUntil - now);
        } else if (this.starts.length < limit) {
          this.starts.push(now);
          this.waiting.shift()!();
        } else {
          await this.sleep(this.starts[0]! + windowMs - now);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
