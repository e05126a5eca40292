/**
 * Document locks for replicas sharing a data directory, in Redis (loaded only when --state-url is Redis).
 *
 * Redis keys (under `<keyPrefix>docs:<store id>:`, the store id being the data directory's own, see fs-store.ts):
 * - `lock:<document>` = a random owner, with a TTL that the holder keeps extending while it works;
 * - `fence` = a counter; each acquisition takes the next value, so the tokens of successive holders of a lock only
 *   grow. A version records the token it was written under, and a writer swaps its version in only if its token is
 *   above the stored version's and, just before the swap, it still holds the lock with time to spare. A writer that
 *   lost its lock (stalled past the TTL, Redis restarted) therefore cannot put its version over a newer one.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type Result } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import { REDIS_CLIENT_OPTIONS, reportConnection, untilReady } from '../state/redis-state.js';
import { describeStateUrl, SharedStateUnavailableError } from '../state/shared-state.js';
import type { DocumentLease, DocumentLocks } from './document-locks.js';
import { DocumentStoreBusyError } from './store.js';

export interface RedisLocksOptions {
  url: string;
  /** `<keyPrefix>docs:<storeId>:` starts every key. */
  keyPrefix: string;
  storeId: string;
  logger: Logger;
  /** A holder that stops extending (crashed, stalled) loses its lock after this long (default 30 s). */
  lockTtlMs?: number;
  /** How long a write waits for a lock another replica holds before answering 503 (default 20 s). */
  maxWaitMs?: number;
  connectTimeoutMs?: number;
}

const SCRIPTS = {
  /** KEYS: lock, fence counter; ARGV: owner, ttl ms. The next token when the lock was free (and is now owner's), else 0. */
  jakamoDocsAcquire: {
    numberOfKeys: 2,
    lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('INCR', KEYS[2]) end
return 0`,
  },
  /** KEYS: lock; ARGV: owner, ttl ms. Extends the lock if still owned; answers the ms it had left (-1 when lost). */
  jakamoDocsExtend: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local left = redis.call('PTTL', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return left`,
  },
  /** KEYS: lock, fence counter; ARGV: owner, floor. Raises the counter to at least floor, if the lock is still owned. */
  jakamoDocsRaiseFence: {
    numberOfKeys: 2,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local next = redis.call('INCR', KEYS[2])
if next < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[2])
  next = tonumber(ARGV[2])
end
return next`,
  },
  /** KEYS: lock; ARGV: owner. Deletes the lock if still owned. */
  jakamoDocsRelease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0`,
  },
} as const;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    jakamoDocsAcquire(lock: string, fence: string, owner: string, ttlMs: number): Result<number, Context>;
    jakamoDocsExtend(lock: string, owner: string, ttlMs: number): Result<number, Context>;
    jakamoDocsRaiseFence(lock: string, fence: string, owner: string, floor: number): Result<number, Context>;
    jakamoDocsRelease(lock: string, owner: string): Result<number, Context>;
  }
}

/** Connects to Redis (throws SharedStateUnavailableError when it does not answer in time) and returns the locks. */
export async function createRedisLocks(options: RedisLocksOptions): Promise<DocumentLocks> {
  const { logger } = options;
  const lockTtlMs = options.lockTtlMs ?? 30_000;
  const maxWaitMs = options.maxWaitMs ?? 20_000;
  const description = describeStateUrl(options.url);
  const redis = new Redis(options.url, REDIS_CLIENT_OPTIONS);
  for (const [name, script] of Object.entries(SCRIPTS)) redis.defineCommand(name, script);
  reportConnection(redis, 'supplier documents', description, logger);
  try {
    await untilReady(redis, options.connectTimeoutMs ?? 5_000);
  } catch (error) {
    redis.disconnect();
    throw new SharedStateUnavailableError(`cannot reach the shared state at ${description}: ${(error as Error).message}`);
  }
  const namespace = `${options.keyPrefix}docs:${options.storeId}:`;
  const fenceKey = `${namespace}fence`;

  async function acquire(lockKey: string, owner: string): Promise<number> {
    const deadline = Date.now() + maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      const token = await guard(redis.jakamoDocsAcquire(lockKey, fenceKey, owner, lockTtlMs));
      if (token > 0) return token;
      if (Date.now() >= deadline) throw new DocumentStoreBusyError('another replica is writing this document; try again shortly');
      // Short waits first (a write holds its lock for milliseconds), with jitter so that waiters do not march in step.
      await new Promise((resolve) => setTimeout(resolve, Math.min(5 * 2 ** Math.min(attempt, 5), 100) * (0.5 + Math.random())));
    }
  }

  return {
    async run(key, task) {
      const lockKey = `${namespace}lock:${key}`;
      const owner = randomUUID();
      const token = await acquire(lockKey, owner);
      const keepAlive = setInterval(() => {
        redis.jakamoDocsExtend(lockKey, owner, lockTtlMs).catch(() => {
          // Redis is away: confirm() fails before the swap, and the lock expires by itself.
        });
      }, lockTtlMs / 3);
      const lease: DocumentLease = {
        async fenceAbove(stored) {
          if (token > stored) return token;
          // Redis forgot the counter (restarted empty): raise it above what is on disk, if still the holder.
          const raised = await guard(redis.jakamoDocsRaiseFence(lockKey, fenceKey, owner, stored + 1));
          if (raised < 0) throw lockLost();
          return raised;
        },
        async confirm() {
          const left = await guard(redis.jakamoDocsExtend(lockKey, owner, lockTtlMs));
          // The swap that follows is one rename: a third of the TTL to spare is ample, unless the process stalls.
          if (left < lockTtlMs / 3) throw lockLost();
        },
      };
      try {
        return await task(lease);
      } finally {
        clearInterval(keepAlive);
        await redis.jakamoDocsRelease(lockKey, owner).catch((error: unknown) => {
          logger.warn('supplier documents: could not release a lock; it expires by itself', {
            reason: (error as Error).message,
            lockTtlMs,
          });
        });
      }
    },
    async close() {
      await redis.quit().catch(() => undefined);
      redis.disconnect();
    },
  };
}

function lockLost(): DocumentStoreBusyError {
  return new DocumentStoreBusyError('this write lost its document lock before it could be stored; try again');
}

async function guard<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new SharedStateUnavailableError(`shared state unavailable: ${(error as Error).message}`);
  }
}
