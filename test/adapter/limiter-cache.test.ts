import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryPermitPool, QueuedPermitPool, type PermitStore, type TakeAttempt } from '../../src/adapter/state/permit-pool.js';
import { TtlCache } from '../../src/adapter/ttl-cache.js';
import { advancingClock } from '../support/clock.js';

/** A pool on a manual clock whose waits move the clock (after letting granted callers run). */
function manualPool(limit: number, windowMs: number) {
  const { clock, sleeps, sleep } = advancingClock(0);
  const pool = createMemoryPermitPool({ limit, windowMs, clock, sleep, maxRequestMs: 10_000 });
  return { clock, sleeps, pool };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the permit pool (memory)', () => {
  it('grants `limit` permits at once, then each one again only a window after its request was answered', async () => {
    const { pool, clock, sleeps } = manualPool(2, 1000);
    const first = await pool.acquire('foreground');
    const second = await pool.acquire('foreground');
    const grantedAt: number[] = [];
    const third = pool.acquire('foreground').then((release) => (grantedAt.push(clock.now()), release));
    await settle();
    expect(grantedAt).toEqual([]); // both permits are out: waiting for an answer, not for time

    // The first request is slow: answered 300 ms after it started. Its permit is usable 1000 ms after that.
    clock.advance(300);
    const answeredAt = clock.now();
    first();
    (await third)();
    expect(grantedAt).toEqual([answeredAt + 1000]);
    expect(sleeps).toEqual([1000]);
    second();
  });

  it('serves callers in arrival order, one wait per window (a queue, not polling), and one permit per answer', async () => {
    const { pool, clock, sleeps } = manualPool(3, 1000);
    const grants: Array<{ id: number; at: number }> = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, id) =>
        pool.acquire('foreground').then((release) => {
          grants.push({ id, at: clock.now() });
          release();
          release(); // a second call gives nothing back
        }),
      ),
    );
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000]);
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('serves foreground callers first; a background caller only gets a permit no foreground caller waits for', async () => {
    const { pool } = manualPool(1, 1000);
    const held = await pool.acquire('foreground');
    const order: string[] = [];
    const take = (priority: 'foreground' | 'background', name: string) =>
      pool.acquire(priority).then((release) => {
        order.push(name);
        release();
      });
    const all = [
      take('background', 'refresh 1'),
      take('foreground', 'jakamo 1'),
      take('background', 'refresh 2'),
      take('foreground', 'jakamo 2'),
    ];
    held();
    await Promise.all(all);
    expect(order).toEqual(['jakamo 1', 'jakamo 2', 'refresh 1', 'refresh 2']);
  });

  it('drops a caller that gave up: it rejects with the reason and uses no permit', async () => {
    const { pool, clock } = manualPool(1, 1000);
    const only = await pool.acquire('foreground');
    const gaveUp = new AbortController();
    const abandoned = pool.acquire('foreground', gaveUp.signal);
    const patient = pool.acquire('background');
    gaveUp.abort(new Error('client went away'));
    await expect(abandoned).rejects.toThrow('client went away');
    const start = clock.now();
    only();
    await patient;
    // The patient caller got the permit that the abandoned one would have used, one window after the answer.
    expect(clock.now()).toBe(start + 1000);
  });

  it('rejects at once when the signal is already aborted, using nothing', async () => {
    const { pool } = manualPool(2, 1000);
    await expect(pool.acquire('foreground', AbortSignal.abort(new Error('already gone')))).rejects.toThrow('already gone');
    await pool.acquire('foreground');
    await pool.acquire('foreground');
  });

  it('holds every permit back while paused', async () => {
    const { pool, clock } = manualPool(5, 1000);
    await pool.pauseFor(2500);
    await pool.acquire('foreground');
    expect(clock.now()).toBe(2500);
  });

  it('fails the caller at the head when the store cannot answer, and serves the next ones once it can', async () => {
    const granted: TakeAttempt = { granted: true, release: () => {} };
    const answers: Array<TakeAttempt | Error> = [new Error('Redis down'), { granted: false, waitMs: 250 }, granted, granted];
    const sleeps: number[] = [];
    const store: PermitStore = {
      tryTake: async () => {
        const answer = answers.shift() ?? granted;
        if (answer instanceof Error) throw answer;
        return answer;
      },
      pauseFor: () => {},
    };
    const pool = new QueuedPermitPool(store, async (ms) => {
      sleeps.push(ms);
    });
    const outcomes = await Promise.allSettled([pool.acquire('foreground'), pool.acquire('foreground'), pool.acquire('foreground')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason).toEqual(new Error('Redis down'));
    // Refused once: slept exactly as long as the store said, then asked again.
    expect(sleeps).toEqual([250]);
  });

  it('tells the store how many foreground callers of this process wait behind the one it serves', async () => {
    const seen: Array<[string, number]> = [];
    const store: PermitStore = {
      tryTake: (priority, foregroundQueued) => {
        seen.push([priority, foregroundQueued]);
        return { granted: true, release: () => {} };
      },
      pauseFor: () => {},
    };
    const pool = new QueuedPermitPool(store);
    await Promise.all([pool.acquire('background'), pool.acquire('foreground'), pool.acquire('foreground')]);
    expect(seen).toEqual([
      ['background', 0],
      ['foreground', 1],
      ['foreground', 0],
    ]);
  });
});

describe('TtlCache', () => {
  it('shares one load among concurrent callers and serves it until the TTL passes', async () => {
    const clock = new ManualClock(0);
    const cache = new TtlCache<number>({ ttlMs: 1000, clock });
    let loads = 0;
    const load = async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return ++loads;
    };
    expect(await Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)])).toEqual([1, 1, 1]);
    clock.advance(999);
    expect(await cache.get('k', load)).toBe(1);
    clock.advance(1);
    expect(await cache.get('k', load)).toBe(2);
    expect(await cache.get('other', load)).toBe(3);
  });

  it('does not keep a failed load', async () => {
    const cache = new TtlCache<string>({ ttlMs: 1000, clock: new ManualClock(0) });
    await expect(cache.get('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 'up')).toBe('up');
  });

  it('drops the oldest entries beyond its size', async () => {
    const cache = new TtlCache<string>({ ttlMs: 1000, clock: new ManualClock(0), maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await cache.get(key, async () => `${key}1`);
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    expect(await cache.get('c', async () => 'c2')).toBe('c1');
  });
});
