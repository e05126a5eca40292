import { createHash, randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { systemClock, type Clock } from '../../shared/clock.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { QueuedPermitPool } from './permit-pool.js';
import { TtlCache, type Fresh } from '../ttl-cache.js';
import { RedisLocks } from './redis-locks.js';
import { defineScripts } from './redis-scripts.js';
import {
  DEFAULT_STATE_KEY_PREFIX,
  describeStateUrl,
  singleFlight,
  SharedStateUnavailableError,
  type CacheOptions,
  type SharedCache,
  type SharedState,
  type StoredRedirect,
  type StoredTokens,
} from './shared-state.js';

/** A command without an answer after this long fails: a Redis that stops answering never hangs a request. */
const COMMAND_TIMEOUT_MS = 2_000;
/** How soon a replica asks again for a permit while every permit is in flight (an answer is not announced). */
const PERMIT_POLL_MS = 25;

export interface RedisStateOptions {
  /** `redis://[:password@]host[:port][/db]` or `rediss://…` (TLS). */
  url: string;
  /** Start of every key name (default `jakamo-kit:`). */
  keyPrefix?: string;
  /** The OpenBOM account the state belongs to; the app key is hashed into key names, never written anywhere. */
  appKey: string;
  openBomUrl: string;
  logger?: Logger;
  clock?: Clock;
  /** How long start-up waits for Redis (default 5 s). */
  connectTimeoutMs?: number;
  /** A login or cache load held by a replica that died is taken over after this long (default 10 s). */
  lockTtlMs?: number;
  /** A waiting replica looks again after this long even without a release message (default 250 ms). */
  pollMs?: number;
}

/** How every Redis client of `serve` connects (the state's, and the supplier documents' locks). */
export const REDIS_CLIENT_OPTIONS: RedisOptions = {
  // While disconnected, commands fail at once instead of queueing: a request answers 502 rather than waiting.
  enableOfflineQueue: false,
  // Commands under way when the connection drops fail too, rather than being sent again later.
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: 2_000,
  // Reconnects forever, attempts at most 2 s apart, so service resumes by itself once Redis is back.
  retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
};

/** `<prefix><16 hex of sha256(OpenBOM URL + app key)>:`: one namespace per OpenBOM account; no secret in key names. */
export function accountNamespace(keyPrefix: string, openBomUrl: string, appKey: string): string {
  return `${keyPrefix}${createHash('sha256').update(`${openBomUrl}\n${appKey}`).digest('hex').slice(0, 16)}:`;
}

/**
 * State in Redis, shared by every replica that uses the same Redis, OpenBOM URL and app key:
 * - tokens: one pair under `<ns>tokens` (expiring with the access token); `<ns>tokens:lock` lets one replica log in
 *   or renew while the others wait for it;
 * - permits: `limit` permits in `<ns>limiter:permits`, taken by one Lua script and each given back one window after
 *   its request was answered, so that requests from all replicas never arrive at OpenBOM more than `limit` in any
 *   window, whatever delays them between start and arrival; a pause (429 Retry-After) in `<ns>limiter:pause`; a
 *   Redis that lost `<ns>limiter:remembered` (restarted empty) first pauses every replica for one window; replicas
 *   with foreground callers waiting in `<ns>limiter:foreground`, which keeps every replica's background callers out;
 * - redirects: `<ns>redirect:<sha256 of the file URL>`, expiring when the storage URL stops being usable;
 * - caches: `<ns>cache:<name>:<sha256 of key>` with the TTL, loaded by one replica (lock per key, release announced
 *   on `<ns>released`) and kept in each replica's memory for the time Redis has left on it.
 * Connects before it returns; throws SharedStateUnavailableError when Redis does not answer in time.
 */
export async function createRedisState(options: RedisStateOptions): Promise<SharedState> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const namespace = accountNamespace(options.keyPrefix ?? DEFAULT_STATE_KEY_PREFIX, options.openBomUrl, options.appKey);
  const description = describeStateUrl(options.url);
  const clientOptions = REDIS_CLIENT_OPTIONS;
  const redis = new Redis(options.url, clientOptions);
  const subscriber = redis.duplicate();
  defineScripts(redis);
  reportConnection(redis, 'commands', description, logger);
  reportConnection(subscriber, 'subscriber', description, logger);
  const channel = `${namespace}released`;
  try {
    const timeoutMs = options.connectTimeoutMs ?? 5_000;
    await Promise.all([untilReady(redis, timeoutMs), untilReady(subscriber, timeoutMs)]);
    await subscriber.subscribe(channel);
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    throw new SharedStateUnavailableError(`cannot reach the shared state at ${description}: ${(error as Error).message}`);
  }
  const locks = new RedisLocks({ redis, channel, lockTtlMs: options.lockTtlMs ?? 10_000, pollMs: options.pollMs ?? 250, logger, guard });
  subscriber.on('message', (_channel: string, lockKey: string) => locks.released(lockKey));

  const tokensKey = `${namespace}tokens`;
  const readTokens = async () => parseTokens(await guard(redis.get(tokensKey)));
  const renewOnce = singleFlight<StoredTokens>();

  const permitsKey = `${namespace}limiter:permits`;
  const pauseKey = `${namespace}limiter:pause`;
  const rememberedKey = `${namespace}limiter:remembered`;
  const foregroundKey = `${namespace}limiter:foreground`;
  const redirectKey = (fileUrl: string) => `${namespace}redirect:${createHash('sha256').update(fileUrl).digest('hex').slice(0, 32)}`;
  const replicaId = randomUUID();
  let permits = 0;

  return {
    tokens: {
      get: readTokens,
      // One renewal per replica at a time (local single flight), one per account at a time (the lock).
      renew: (isUsable, obtain) =>
        renewOnce(() =>
          locks.readOrProduce(
            `${tokensKey}:lock`,
            async () => {
              const current = await readTokens();
              return isUsable(current) ? current : undefined;
            },
            async () => {
              const tokens = await obtain(await readTokens());
              // Secrets: kept exactly as long as the access token lives.
              await guard(redis.set(tokensKey, JSON.stringify(tokens), 'PX', Math.max(1, tokens.expiresAt - clock.now())));
              return tokens;
            },
          ),
        ),
    },
    permits: ({ limit, windowMs, sleep, maxRequestMs }) =>
      new QueuedPermitPool(
        {
          async tryTake(priority, foregroundQueued) {
            const member = `${replicaId}:${permits++}`;
            const waitMs = await guard(
              redis.jakamoTakePermit(
                permitsKey,
                pauseKey,
                rememberedKey,
                foregroundKey,
                limit,
                windowMs,
                member,
                maxRequestMs,
                PERMIT_POLL_MS,
                priority,
                replicaId,
                foregroundQueued,
              ),
            );
            if (waitMs > 0) return { granted: false, waitMs };
            let released = false;
            const release = () => {
              if (released) return;
              released = true;
              redis.jakamoReturnPermit(permitsKey, member, windowMs).catch(() => {
                // Redis is away: the permit comes back by itself once its longest hold has passed.
              });
            };
            return { granted: true, release };
          },
          pauseFor: async (ms) => {
            if (ms > 0) await guard(redis.jakamoPause(pauseKey, Math.ceil(ms)));
          },
        },
        sleep,
      ),
    redirects: {
      async get(fileUrl) {
        const json = await guard(redis.get(redirectKey(fileUrl)));
        return json === null ? undefined : parseRedirect(json);
      },
      async set(fileUrl, redirect) {
        const ttlMs = redirect.usableUntil - clock.now();
        if (ttlMs > 0) await guard(redis.set(redirectKey(fileUrl), JSON.stringify(redirect), 'PX', Math.ceil(ttlMs)));
      },
      async delete(fileUrl) {
        await guard(redis.del(redirectKey(fileUrl)));
      },
    },
    cache<V>(name: string, { ttlMs, clock: cacheClock, maxEntries, codec, staleMs, onLookup }: CacheOptions<V>): SharedCache<V> {
      const local = new TtlCache<V>({ ttlMs, clock: cacheClock, maxEntries, staleMs, onLookup });
      // A TTL of 0 keeps nothing, so there is nothing to share.
      if (ttlMs <= 0) return local;
      const encode = (value: V): unknown => (codec ? codec.encode(value) : value);
      const decode = (data: unknown): V => (codec ? codec.decode(data) : (data as V));
      return {
        get: (key, load) =>
          local.getFresh(key, (priority) => {
            const valueKey = `${namespace}cache:${name}:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
            const read = async (): Promise<Fresh<V> | undefined> => {
              const [json, ttl] = await guard(redis.multi().get(valueKey).pttl(valueKey).exec().then(replies));
              if (typeof json !== 'string' || typeof ttl !== 'number' || ttl <= 0) return undefined;
              try {
                return { value: decode(JSON.parse(json)), ttlMs: ttl };
              } catch {
                // Damaged or from an incompatible version: loaded again and overwritten.
                return undefined;
              }
            };
            return locks.readOrProduce(`${valueKey}:lock`, read, async () => {
              const value = await load(priority);
              await guard(redis.set(valueKey, JSON.stringify(encode(value)), 'PX', ttlMs));
              return { value, ttlMs };
            });
          }),
      };
    },
    isReachable: () => redis.status === 'ready',
    async close() {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Any Redis failure is one thing to a request: the shared state is unavailable (→ 502). */
async function guard<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new SharedStateUnavailableError(`shared state unavailable: ${(error as Error).message}`);
  }
}

/** The values of a MULTI's replies; the first error fails the whole. */
function replies(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('transaction discarded');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function parseTokens(json: string | null): StoredTokens | undefined {
  if (json === null) return undefined;
  try {
    const data = JSON.parse(json) as Partial<StoredTokens>;
    const valid = typeof data.access === 'string' && typeof data.renewAt === 'number' && typeof data.expiresAt === 'number';
    return valid ? (data as StoredTokens) : undefined;
  } catch {
    // Not ours or damaged: treated as absent, and replaced at the next login.
    return undefined;
  }
}

function parseRedirect(json: string): StoredRedirect | undefined {
  try {
    const data = JSON.parse(json) as Partial<StoredRedirect>;
    return typeof data.location === 'string' && typeof data.usableUntil === 'number'
      ? { location: data.location, usableUntil: data.usableUntil }
      : undefined;
  } catch {
    // Not ours or damaged: a fresh redirect replaces it.
    return undefined;
  }
}

export function untilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = `no answer within ${timeoutMs} ms`;
    const onError = (error: Error) => (lastError = error.message);
    const onReady = () => {
      cleanUp();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(lastError));
    }, timeoutMs);
    const cleanUp = () => {
      clearTimeout(timer);
      client.off('error', onError);
      client.off('ready', onReady);
    };
    client.on('error', onError);
    client.once('ready', onReady);
  });
}

/** One log line when a connection is lost and one when it is back (not one per reconnect attempt). */
export function reportConnection(client: Redis, role: string, description: string, logger: Logger): void {
  let down = false;
  let lastError: string | undefined;
  // Listening to 'error' also keeps ioredis from reporting each failed attempt as an unhandled error.
  client.on('error', (error: Error) => (lastError = error.message));
  client.on('reconnecting', () => {
    if (!down)
      logger.warn('shared state unreachable; requests needing it answer 502 until it is back', {
        state: description,
        role,
        reason: lastError ?? 'connection lost',
      });
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('shared state reachable again', { state: description, role });
    down = false;
    lastError = undefined;
  });
}
