import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { SlidingWindowLimiter } from '../../src/adapter/limiter.js';
import { TtlCache } from '../../src/adapter/ttl-cache.js';
import { advancingClock } from '../support/clock.js';

/** A limiter on a manual clock whose waits move the clock (after letting granted callers run). */
function manualLimiter(limit: number, windowMs: number) {
  const { clock, sleeps, sleep } = advancingClock(0);
  const limiter = new SlidingWindowLimiter({ limit, windowMs, clock, sleep });
  return { clock, sleeps, limiter };
}

describe('SlidingWindowLimiter', () => {
  it('grants at most `limit` starts in any window, in arrival order', async () => {
    const { clock, limiter, sleeps } = manualLimiter(3, 1000);
    const grants: Array<{ id: number; at: number }> = [];
    await Promise.all(Array.from({ length: 8 }, (_, id) => limiter.acquire().then(() => grants.push({ id, at: clock.now() }))));
    expect(grants.map((g) => g.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(grants.map((g) => g.at)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000]);
    // One wait per full window, not one per waiter: a queue, not polling.
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('lets a start through as soon as the oldest one leaves the window', async () => {
    const { clock, limiter } = manualLimiter(2, 1000);
    await limiter.acquire();
    clock.advance(600);
    await limiter.acquire();
    await limiter.acquire();
    expect(clock.now()).toBe(1000);
  });

  it('holds every start back while paused', async () => {
    const { clock, limiter } = manualLimiter(5, 1000);
    limiter.pauseFor(2500);
    await limiter.acquire();
    expect(clock.now()).toBe(2500);
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
