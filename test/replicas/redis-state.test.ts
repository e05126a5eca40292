/**
 * The Redis shared state against a real redis-server, with two or three states on one Redis standing in for
 * replicas: the limit holds for their sum, one login serves all, a cache value is loaded once for all, a dead lock
 * holder is taken over, and an outage fails fast and heals by itself.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SharedStateUnavailableError, type SharedState, type StoredTokens } from '../../src/adapter/state/index.js';
import { createRedisState, accountNamespace } from '../../src/adapter/state/redis-state.js';
import { systemClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { missing } from '../support/prerequisites.js';
import { RedisServer, redisServer } from './support/redis-server.js';

const APP_KEY = 'redis-state-test-app-key-5f2a9c';
const OPENBOM_URL = 'http://127.0.0.1:9';

describe.skipIf(missing(redisServer))('Redis shared state', () => {
  let redis: RedisServer;
  let inspector: Redis;
  const states: SharedState[] = [];
  let prefixCounter = 0;

  /** `count` states on one Redis with a key prefix of their own (so tests do not share keys). */
  async function replicas(count: number, extra: { lockTtlMs?: number; pollMs?: number } = {}): Promise<SharedState[]> {
    const keyPrefix = `jk-test-${++prefixCounter}:`;
    const created = await Promise.all(
      Array.from({ length: count }, () =>
        createRedisState({ url: redis.url, keyPrefix, appKey: APP_KEY, openBomUrl: OPENBOM_URL, ...extra }),
      ),
    );
    states.push(...created);
    return created;
  }

  beforeAll(async () => {
    redis = await RedisServer.start();
    inspector = new Redis(redis.url);
  });

  afterAll(async () => {
    await Promise.all(states.map((state) => state.close()));
    inspector?.disconnect();
    await redis?.dispose();
  });

  it('never lets more than the limit start in any window, summed over every replica, however long answers take', async () => {
    const [a, b, c] = await replicas(3);
    const limiters = [a!, b!, c!].map((state) => state.permits({ limit: 3, windowMs: 300, clock: systemClock, maxRequestMs: 2_000 }));
    const starts: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 15 }, async (_, i) => {
        const answered = await limiters[i % 3]!.acquire('foreground');
        starts.push(Date.now());
        // The request takes its time; its permit comes back one window after the answer.
        await new Promise((resolve) => setTimeout(resolve, (i * 37) % 100));
        answered();
      }),
    );
    starts.sort((x, y) => x - y);
    // Measured here, after each grant reached this process: a permit is reused only a window after its answer, so
    // even starts that reach us late cannot crowd into one window.
    for (const at of starts) expect(starts.filter((t) => t >= at && t < at + 300).length).toBeLessThanOrEqual(3);
    // A fresh Redis first holds everyone back for one window; then 15 starts on 3 permits take four more cycles.
    expect(starts[0]! - started).toBeGreaterThanOrEqual(300 - 20);
    expect(starts.at(-1)! - started).toBeGreaterThanOrEqual(5 * 300 - 20);
    expect(starts.at(-1)! - started).toBeLessThan(3_500);
  });

  it('gives a permit back a window after its answer, or once the longest request and a window passed without one', async () => {
    const [a] = await replicas(1);
    const limiter = a!.permits({ limit: 1, windowMs: 100, clock: systemClock, maxRequestMs: 400 });
    await limiter.acquire('foreground'); // the first start on a fresh Redis waits a window
    let granted = Date.now();
    // Never answered (its replica died with the request in flight): free again after 400 + 100 ms. Measured from
    // when the grant reached this process, so with room for a busy event loop, yet far from the 100 ms below.
    await limiter.acquire('foreground');
    expect(Date.now() - granted).toBeGreaterThanOrEqual(400);
    granted = Date.now();
    const answered = await limiter.acquire('foreground');
    expect(Date.now() - granted).toBeGreaterThanOrEqual(400);
    answered();
    granted = Date.now();
    await limiter.acquire('foreground');
    expect(Date.now() - granted).toBeGreaterThanOrEqual(100 - 20);
    expect(Date.now() - granted).toBeLessThan(400);
  });

  it('holds every replica back while one of them was told to pause', async () => {
    const [a, b] = await replicas(2);
    const limiterA = a!.permits({ limit: 5, windowMs: 100, clock: systemClock, maxRequestMs: 2_000 });
    const limiterB = b!.permits({ limit: 5, windowMs: 100, clock: systemClock, maxRequestMs: 2_000 });
    await limiterA.acquire('foreground');
    await limiterA.pauseFor(400);
    const started = Date.now();
    await limiterB.acquire('foreground');
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('serves foreground callers of every replica before any background caller', async () => {
    const [a, b] = await replicas(2);
    const poolA = a!.permits({ limit: 1, windowMs: 100, clock: systemClock, maxRequestMs: 2_000 });
    const poolB = b!.permits({ limit: 1, windowMs: 100, clock: systemClock, maxRequestMs: 2_000 });
    const held = await poolA.acquire('foreground');
    const order: string[] = [];
    const take = (pool: typeof poolA, priority: 'foreground' | 'background', name: string) =>
      pool.acquire(priority, undefined).then((release) => {
        order.push(name);
        release();
      });
    // B's background caller asks first; A's two foreground callers are refused too and mark A as waiting.
    const background = take(poolB, 'background', 'B background');
    await new Promise((resolve) => setImmediate(resolve));
    const foreground = [take(poolA, 'foreground', 'A foreground 1'), take(poolA, 'foreground', 'A foreground 2')];
    await vi.waitFor(async () =>
      expect(await inspector.zcard(`${accountNamespace(`jk-test-${prefixCounter}:`, OPENBOM_URL, APP_KEY)}limiter:foreground`)).toBe(1),
    );
    held();
    await Promise.all([background, ...foreground]);
    expect(order).toEqual(['A foreground 1', 'A foreground 2', 'B background']);
  });

  it('a caller that gives up while waiting leaves the queue and uses no permit', async () => {
    const [a] = await replicas(1);
    const pool = a!.permits({ limit: 1, windowMs: 100, clock: systemClock, maxRequestMs: 2_000 });
    const held = await pool.acquire('foreground');
    const gaveUp = new AbortController();
    const abandoned = pool.acquire('foreground', gaveUp.signal);
    gaveUp.abort(new Error('client went away'));
    await expect(abandoned).rejects.toThrow('client went away');
    held();
    const next = await pool.acquire('foreground');
    next();
  });

  it('shares storage redirects between replicas until they stop being usable, and forgets a refused one', async () => {
    const [a, b] = await replicas(2);
    const fileUrl = 'http://127.0.0.1:9/document/3f6c2a10-8d4e-4b7a-9c61-2e5d8a7b1c01/image?filename=a.pdf';
    await a!.redirects.set(fileUrl, { location: 'http://127.0.0.1:9/__storage/x', usableUntil: Date.now() + 300 });
    expect(await b!.redirects.get(fileUrl)).toEqual({ location: 'http://127.0.0.1:9/__storage/x', usableUntil: expect.any(Number) });
    const namespace = accountNamespace(`jk-test-${prefixCounter}:`, OPENBOM_URL, APP_KEY);
    const [key] = await inspector.keys(`${namespace}redirect:*`);
    expect(key).not.toContain('filename');
    expect(await inspector.pttl(key!)).toBeLessThanOrEqual(300);
    await b!.redirects.delete(fileUrl);
    expect(await a!.redirects.get(fileUrl)).toBeUndefined();
  });

  it('logs in once for every replica, keeps the tokens no longer than they live, and never names the app key', async () => {
    const group = await replicas(3);
    let logins = 0;
    const isFresh = (current: StoredTokens | undefined): current is StoredTokens => current !== undefined && Date.now() < current.renewAt;
    const login = async (): Promise<StoredTokens> => {
      logins++;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { access: `access-${logins}`, refresh: `refresh-${logins}`, renewAt: Date.now() + 50_000, expiresAt: Date.now() + 60_000 };
    };
    const results = await Promise.all(group.flatMap((state) => [1, 2, 3].map(() => state.tokens.renew(isFresh, login))));
    expect(logins).toBe(1);
    expect(new Set(results.map((tokens) => tokens.access))).toEqual(new Set(['access-1']));
    expect(await group[2]!.tokens.get()).toMatchObject({ access: 'access-1', refresh: 'refresh-1' });

    const namespace = accountNamespace(`jk-test-${prefixCounter}:`, OPENBOM_URL, APP_KEY);
    const ttl = await inspector.pttl(`${namespace}tokens`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const keys = await inspector.keys('*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain(APP_KEY);

    // A token refused by OpenBOM: one replica renews, the others see that it changed and take the new one.
    const notRefused = (current: StoredTokens | undefined): current is StoredTokens => isFresh(current) && current.access !== 'access-1';
    const renewed = await Promise.all(group.map((state) => state.tokens.renew(notRefused, login)));
    expect(logins).toBe(2);
    expect(renewed.map((tokens) => tokens.access)).toEqual(['access-2', 'access-2', 'access-2']);
  });

  it('loads a cache value once for every replica, hands it over with its codec, and again after the TTL', async () => {
    const group = await replicas(3);
    const codec = { encode: (map: Map<string, number>) => [...map], decode: (data: unknown) => new Map(data as Array<[string, number]>) };
    const caches = group.map((state) => state.cache<Map<string, number>>('index', { ttlMs: 400, clock: systemClock, codec }));
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return new Map([['part', loads]]);
    };
    const values = await Promise.all(caches.flatMap((cache) => [1, 2, 3].map(() => cache.get('k', load))));
    expect(loads).toBe(1);
    for (const value of values) expect(value).toEqual(new Map([['part', 1]]));
    expect(await caches[1]!.get('k', load)).toEqual(new Map([['part', 1]]));
    // Once the TTL has passed (in Redis and here), the next ask loads again, once.
    await expect.poll(() => caches[2]!.get('k', load), { timeout: 5_000, interval: 50 }).toEqual(new Map([['part', 2]]));
    expect(await caches[0]!.get('k', load)).toEqual(new Map([['part', 2]]));
    expect(loads).toBe(2);
  });

  it('does not keep a failed load: the next replica to ask loads again', async () => {
    const [a, b] = await replicas(2);
    const cacheA = a!.cache<string>('listing', { ttlMs: 10_000, clock: systemClock });
    const cacheB = b!.cache<string>('listing', { ttlMs: 10_000, clock: systemClock });
    await expect(cacheA.get('k', () => Promise.reject(new Error('OpenBOM down')))).rejects.toThrow('OpenBOM down');
    expect(await cacheB.get('k', async () => 'loaded by B')).toBe('loaded by B');
    expect(await cacheA.get('k', async () => 'not loaded')).toBe('loaded by B');
  });

  it('keeps nothing, in Redis or in memory, with a TTL of 0', async () => {
    const [a] = await replicas(1);
    const cache = a!.cache<number>('nothing', { ttlMs: 0, clock: systemClock });
    let loads = 0;
    expect(await cache.get('k', async () => ++loads)).toBe(1);
    expect(await cache.get('k', async () => ++loads)).toBe(2);
    expect(await inspector.keys(`jk-test-${prefixCounter}:*cache*`)).toEqual([]);
  });

  it('takes over a load whose holder died, once its lock expires', async () => {
    const [a] = await replicas(1, { lockTtlMs: 300, pollMs: 50 });
    const namespace = accountNamespace(`jk-test-${prefixCounter}:`, OPENBOM_URL, APP_KEY);
    // A replica that died while loading left its lock behind; no release will ever be announced.
    await inspector.set(`${namespace}tokens:lock`, 'a-dead-replica', 'PX', 300);
    const started = Date.now();
    const tokens = await a!.tokens.renew(
      (current): current is StoredTokens => current !== undefined,
      async () => ({ access: 'after-takeover', renewAt: Date.now() + 50_000, expiresAt: Date.now() + 60_000 }),
    );
    expect(tokens.access).toBe('after-takeover');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails fast while Redis is down, and once it is back holds starts for a window it no longer remembers', async () => {
    const [a] = await replicas(1);
    const limiter = a!.permits({ limit: 5, windowMs: 300, clock: systemClock, maxRequestMs: 2_000 });
    await limiter.acquire('foreground');
    await redis.stop();
    try {
      const started = Date.now();
      await expect(limiter.acquire('foreground')).rejects.toBeInstanceOf(SharedStateUnavailableError);
      await expect(a!.tokens.get()).rejects.toBeInstanceOf(SharedStateUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await redis.restart();
    }
    // Connected again (the tokens are gone with the data)...
    await expect
      .poll(
        () =>
          a!.tokens.get().then(
            (tokens) => tokens ?? 'none',
            () => 'down',
          ),
        { timeout: 10_000, interval: 50 },
      )
      .toBe('none');
    // ...but the restarted Redis lost the starts of the last window, so the first start waits a whole one.
    const reconnected = Date.now();
    await limiter.acquire('foreground');
    expect(Date.now() - reconnected).toBeGreaterThanOrEqual(300 - 20);
  });

  it('authenticates with the password in the URL, and refuses to start with a wrong one', async () => {
    const guarded = await RedisServer.start(['--requirepass', 'right-redis-pw']);
    try {
      const state = await createRedisState({
        url: `redis://:right-redis-pw@127.0.0.1:${guarded.port}`,
        appKey: APP_KEY,
        openBomUrl: OPENBOM_URL,
      });
      states.push(state);
      await state.permits({ limit: 1, windowMs: 1000, clock: systemClock, maxRequestMs: 2_000 }).acquire('foreground');
      const wrong = await createRedisState({
        url: `redis://:wrong-redis-pw@127.0.0.1:${guarded.port}`,
        appKey: APP_KEY,
        openBomUrl: OPENBOM_URL,
        connectTimeoutMs: 500,
      }).then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
      expect(wrong).toBeInstanceOf(SharedStateUnavailableError);
      expect(wrong!.message).toContain(`redis://:****@127.0.0.1:${guarded.port}`);
      expect(wrong!.message).toMatch(/WRONGPASS|invalid password/i);
      expect(wrong!.message).not.toContain('wrong-redis-pw');
    } finally {
      await guarded.dispose();
    }
  });

  it('refuses to start when Redis cannot be reached, naming it without its password', async () => {
    const logger = createMemoryLogger();
    const attempt = createRedisState({
      url: 'redis://:very-secret-pw@127.0.0.1:9',
      appKey: APP_KEY,
      openBomUrl: OPENBOM_URL,
      connectTimeoutMs: 500,
      logger,
    });
    const error = await attempt.then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    expect(error).toBeInstanceOf(SharedStateUnavailableError);
    expect(error!.message).toMatch(/^cannot reach the shared state at redis:\/\/:\*\*\*\*@127\.0\.0\.1:9/);
    for (const text of [error!.message, ...logger.lines]) expect(text).not.toContain('very-secret-pw');
  });
});
