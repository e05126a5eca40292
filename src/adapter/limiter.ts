import type { Clock } from '../shared/clock.js';

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Called once the request a start was granted for has been answered (or has failed). */
export type Answered = () => void;

/** Paces the requests sent to OpenBOM; shared by every caller (and, with shared state, every replica). */
export interface RateLimiter {
  /**
   * Resolves when the caller may start its request, with the function to call once it is answered; rejects when the
   * limit cannot be checked (shared state down).
   */
  acquire(): Promise<Answered>;
  /** Holds every start back for `ms` (the upstream said it is over its limit). */
  pauseFor(ms: number): void | Promise<void>;
}

/** A start granted (with what to call once answered), or how many ms to wait before asking again. */
export type StartAttempt = { granted: true; answered: Answered } | { granted: false; waitMs: number };

/** Where starts are counted: in this process, or in a store every replica shares. */
export interface StartWindow {
  tryStart(): StartAttempt | Promise<StartAttempt>;
  pauseFor(ms: number): void | Promise<void>;
}

/**
 * Grants starts first come first served: waiters sit in a queue drained by one loop that asks the window and,
 * when refused, sleeps exactly as long as the window says (no polling), so the bound holds across every caller.
 * When the window cannot answer (shared state down), the waiter at the head fails at once: no start is ever
 * granted without the window's consent.
 */
export class QueuedLimiter implements RateLimiter {
  private readonly waiting: Array<{ resolve: (answered: Answered) => void; reject: (error: unknown) => void }> = [];
  private draining = false;

  constructor(
    private readonly window: StartWindow,
    private readonly sleep: Sleep = realSleep,
  ) {}

  acquire(): Promise<Answered> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  pauseFor(ms: number): void | Promise<void> {
    return this.window.pauseFor(ms);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.waiting.length > 0) {
        let attempt: StartAttempt;
        try {
          attempt = await this.window.tryStart();
        } catch (error) {
          this.waiting.shift()!.reject(error);
          continue;
        }
        if (attempt.granted) this.waiting.shift()!.resolve(attempt.answered);
        else await this.sleep(attempt.waitMs);
      }
    } finally {
      this.draining = false;
    }
  }
}

export interface SlidingWindowLimiterOptions {
  /** Most starts allowed in any window. */
  limit: number;
  windowMs: number;
  clock: Clock;
  sleep?: Sleep;
}

const nothingToDo: Answered = () => {};

/** The starts of the last window, in this process. (Within one process, the OpenBOM client's ArrivalGuard spaces arrivals.) */
class LocalStartWindow implements StartWindow {
  private readonly starts: number[] = [];
  private pausedUntil = 0;

  constructor(private readonly options: SlidingWindowLimiterOptions) {}

  tryStart(): StartAttempt {
    const { limit, windowMs, clock } = this.options;
    const now = clock.now();
    while (this.starts.length > 0 && this.starts[0]! <= now - windowMs) this.starts.shift();
    if (now < this.pausedUntil) return { granted: false, waitMs: this.pausedUntil - now };
    if (this.starts.length >= limit) return { granted: false, waitMs: this.starts[0]! + windowMs - now };
    this.starts.push(now);
    return { granted: true, answered: nothingToDo };
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now() + ms);
  }
}

/** Grants at most `limit` starts in any sliding window of `windowMs`, counted in this process. */
export class SlidingWindowLimiter extends QueuedLimiter {
  constructor(options: SlidingWindowLimiterOptions) {
    super(new LocalStartWindow(options), options.sleep);
  }
}
