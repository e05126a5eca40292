import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';

export interface RedisLocksOptions {
  redis: Redis;
  /** Where released locks are announced (the subscriber side calls `released`). */
  channel: string;
  /** A lock outlives a crashed holder by at most this long; a live holder keeps extending it. */
  lockTtlMs: number;
  /** A waiter looks again after this long even without an announcement (a lost message, a crashed holder). */
  pollMs: number;
  logger: Logger;
  /** Turns a Redis failure into SharedStateUnavailableError. */
  guard: <T>(command: Promise<T>) => Promise<T>;
}

/**
 * Single flight across replicas: one lock key per shared value. The replica that takes the lock produces the value;
 * the others wait until the release is announced on a pub/sub channel (or pollMs passes), then read it.
 */
export class RedisLocks {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly options: RedisLocksOptions) {}

  /** Called for each announcement on the channel: wakes the waiters of that lock. */
  released(lockKey: string): void {
    for (const wake of [...(this.waiters.get(lockKey) ?? [])]) wake();
  }

  /**
   * Answers `read()` when it finds a value; otherwise the first replica to take `lockKey` runs `produce` (after reading
   * once more, in case the value arrived meanwhile) and the others wait and read again. A failed `produce` releases
   * the lock, and the next replica to take it tries again.
   */
  async readOrProduce<T>(lockKey: string, read: () => Promise<T | undefined>, produce: () => Promise<T>): Promise<T> {
    const { redis, lockTtlMs, guard } = this.options;
    for (;;) {
      const found = await read();
      if (found !== undefined) return found;
      // Registered before trying the lock, so that a release in between is not missed.
      const release = this.awaitRelease(lockKey);
      const owner = randomUUID();
      let acquired: boolean;
      try {
        acquired = (await guard(redis.set(lockKey, owner, 'PX', lockTtlMs, 'NX'))) === 'OK';
      } catch (error) {
        release.forget();
        throw error;
      }
      if (!acquired) {
        await release.done;
        continue;
      }
      release.forget();
      return this.holding(lockKey, owner, async () => (await read()) ?? (await produce()));
    }
  }

  private async holding<T>(lockKey: string, owner: string, run: () => Promise<T>): Promise<T> {
    const { redis, lockTtlMs, channel, logger } = this.options;
    const keepAlive = setInterval(() => {
      redis.jakamoExtendLock(lockKey, owner, lockTtlMs).catch(() => {
        // Redis is away: the lock expires on its own, and the next command reports the outage.
      });
    }, lockTtlMs / 3);
    try {
      return await run();
    } finally {
      clearInterval(keepAlive);
      await redis.jakamoReleaseLock(lockKey, owner, channel).catch((error: unknown) => {
        logger.warn('shared state: could not release a lock; it expires by itself', { reason: (error as Error).message, lockTtlMs });
      });
    }
  }

  /** Resolves when `lockKey` is announced released or after pollMs, whichever comes first. */
  private awaitRelease(lockKey: string): { done: Promise<void>; forget: () => void } {
    let forget!: () => void;
    const done = new Promise<void>((resolve) => {
      const waiters = this.waiters.get(lockKey) ?? new Set<() => void>();
      this.waiters.set(lockKey, waiters);
      const timer = setTimeout(() => forget(), this.options.pollMs);
      forget = () => {
        clearTimeout(timer);
        waiters.delete(forget);
        if (waiters.size === 0 && this.waiters.get(lockKey) === waiters) this.waiters.delete(lockKey);
        resolve();
      };
      waiters.add(forget);
    });
    return { done, forget };
  }
}
