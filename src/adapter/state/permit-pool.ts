import type { Clock } from '../../shared/clock.js';

/** Who is asking: Jakamo's requests (`foreground`) go before refreshes and snapshots (`background`). */
export type Priority = 'foreground' | 'background';

/** Called once the request a permit was granted for has been answered (or has failed); later calls do nothing. */
export type Release = () => void;

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * OpenBOM's request budget: `limit` permits, each held while its request is under way and usable again one window
 * after the answer. A request always arrives before it is answered, so two arrivals on one permit are at least a
 * window apart, and OpenBOM never sees more than `limit` arrivals in any window, however long a request takes
 * between its start and its arrival (a busy event loop, a slow connect). One pool per OpenBOM account: in memory for
 * one process, in Redis for every replica.
 */
export interface PermitPool {
  /**
   * Resolves with the permit's Release once the caller may send one request. Foreground callers are served first, in
   * arrival order; a background caller only gets a permit that no foreground caller (of any replica) is waiting for.
   * Rejects with `signal.reason` when the signal aborts first (the waiter leaves the queue and uses no permit), or
   * with SharedStateUnavailableError when the shared store cannot be asked.
   */
  acquire(priority: Priority, signal?: AbortSignal): Promise<Release>;
  /** Holds every permit back for `ms` (OpenBOM answered 429: the limit is per app key, not per request). */
  pauseFor(ms: number): Promise<void>;
}

export interface PermitPoolOptions {
  /** Most requests arriving at OpenBOM within any window. */
  limit: number;
  /** A little over 1000 ms, so that network jitter cannot squeeze limit + 1 arrivals into one second. */
  windowMs: number;
  clock: Clock;
  /** How the queue waits (injected in tests to move a manual clock). */
  sleep?: Sleep;
  /** The longest one request can take (its timeout); a permit held by a replica that died comes back after this. */
  maxRequestMs: number;
}

/** A permit taken (with its Release), a time to ask again, or a promise that settles when a permit comes back. */
export type TakeAttempt =
  { granted: true; release: Release } | { granted: false; waitMs: number } | { granted: false; untilReleased: Promise<void> };

/** Where the permits are counted: this process's memory, or a store every replica shares. */
export interface PermitStore {
  /**
   * Takes a permit for a caller of `priority` if one is usable now. `foregroundQueued` is how many more foreground
   * callers of this process wait behind this one, so that a shared store keeps other replicas' background callers
   * out while this process still has foreground callers waiting.
   */
  tryTake(priority: Priority, foregroundQueued: number): TakeAttempt | Promise<TakeAttempt>;
  pauseFor(ms: number): void | Promise<void>;
}

interface Waiter {
  priority: Priority;
  grant(release: Release): void;
  fail(error: Error): void;
}

/**
 * The queue in front of a PermitStore: one loop drains it, foreground waiters first, asking the store and, when
 * refused, sleeping exactly as long as the store says (or until a permit comes back) — no polling per waiter. When
 * the store cannot answer (Redis down), the waiter at the head fails at once: no permit is ever granted without the
 * store's consent.
 */
export class QueuedPermitPool implements PermitPool {
  private readonly queues: Record<Priority, Waiter[]> = { foreground: [], background: [] };
  private draining = false;

  constructor(
    private readonly store: PermitStore,
    private readonly sleep: Sleep = realSleep,
  ) {}

  acquire(priority: Priority, signal?: AbortSignal): Promise<Release> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const queue = this.queues[priority];
      const abandon = () => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(signal!.reason as Error);
      };
      const waiter: Waiter = {
        priority,
        grant: (release) => {
          signal?.removeEventListener('abort', abandon);
          resolve(release);
        },
        fail: (error) => {
          signal?.removeEventListener('abort', abandon);
          reject(error);
        },
      };
      signal?.addEventListener('abort', abandon, { once: true });
      queue.push(waiter);
      if (!this.draining) void this.drain();
    });
  }

  async pauseFor(ms: number): Promise<void> {
    await this.store.pauseFor(ms);
  }

  private head(): Waiter | undefined {
    return this.queues.foreground[0] ?? this.queues.background[0];
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (let waiter = this.head(); waiter; waiter = this.head()) {
        let attempt: TakeAttempt;
        try {
          attempt = await this.store.tryTake(
            waiter.priority,
            Math.max(0, this.queues.foreground.length - (waiter.priority === 'foreground' ? 1 : 0)),
          );
        } catch (error) {
          this.remove(waiter)?.fail(error as Error);
          continue;
        }
        if (attempt.granted) {
          // The waiter may have given up while the store was asked: the permit goes back unused.
          const taker = this.remove(waiter);
          if (taker) taker.grant(attempt.release);
          else attempt.release();
        } else if ('untilReleased' in attempt) await attempt.untilReleased;
        else await this.sleep(attempt.waitMs);
      }
    } finally {
      this.draining = false;
    }
  }

  private remove(waiter: Waiter): Waiter | undefined {
    const queue = this.queues[waiter.priority];
    const at = queue.indexOf(waiter);
    return at >= 0 ? queue.splice(at, 1)[0] : undefined;
  }
}

/**
 * The permits of one process: when each idle permit is usable again (earliest first), and a pause. Priority needs
 * nothing here: this process's queue already serves foreground callers first.
 */
export class MemoryPermitStore implements PermitStore {
  /** Permits never used yet: usable at once. */
  private unused: number;
  /** When each returned permit may be used again, earliest first. */
  private readonly returned: number[] = [];
  private pausedUntil = 0;
  private waiting: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(private readonly options: Pick<PermitPoolOptions, 'limit' | 'windowMs' | 'clock'>) {
    this.unused = options.limit;
  }

  tryTake(): TakeAttempt {
    const now = this.options.clock.now();
    if (now < this.pausedUntil) return { granted: false, waitMs: this.pausedUntil - now };
    if (this.unused > 0) {
      this.unused--;
      return { granted: true, release: this.releaseOnce() };
    }
    const usableAt = this.returned[0];
    if (usableAt === undefined) {
      if (!this.waiting) {
        let resolve!: () => void;
        const promise = new Promise<void>((done) => (resolve = done));
        this.waiting = { promise, resolve };
      }
      return { granted: false, untilReleased: this.waiting.promise };
    }
    if (usableAt > now) return { granted: false, waitMs: usableAt - now };
    this.returned.shift();
    return { granted: true, release: this.releaseOnce() };
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now() + ms);
  }

  private releaseOnce(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const usableAt = this.options.clock.now() + this.options.windowMs;
      // Answers come in time order, so this is almost always an append.
      let at = this.returned.length;
      while (at > 0 && this.returned[at - 1]! > usableAt) at--;
      this.returned.splice(at, 0, usableAt);
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve();
    };
  }
}

/** The pool of one process. */
export function createMemoryPermitPool(options: PermitPoolOptions): PermitPool {
  return new QueuedPermitPool(new MemoryPermitStore(options), options.sleep);
}
