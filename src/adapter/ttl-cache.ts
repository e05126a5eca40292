import type { Clock } from '../shared/clock.js';

export interface TtlCacheOptions {
  ttlMs: number;
  clock: Clock;
  /** Oldest entries are dropped beyond this many (keys can come from clients). */
  maxEntries?: number;
}

/** A loaded value and how long it stays fresh. */
export interface Fresh<V> {
  value: V;
  ttlMs: number;
}

/**
 * Caches loaded values for a time and shares one load among identical concurrent requests (single flight).
 * Failed loads are not cached: the next request tries again.
 */
export class TtlCache<V> {
  private readonly values = new Map<string, { value: V; expiresAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(private readonly options: TtlCacheOptions) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    return this.getFresh(key, async () => ({ value: await load(), ttlMs: this.options.ttlMs }));
  }

  /** Like get, for a loader that knows how long its value stays fresh (e.g. the time left on a shared copy). */
  getFresh(key: string, load: () => Promise<Fresh<V>>): Promise<V> {
    const cached = this.values.get(key);
    if (cached && cached.expiresAt > this.options.clock.now()) return Promise.resolve(cached.value);
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    const promise = this.load(key, load);
    this.loading.set(key, promise);
    return promise;
  }

  private async load(key: string, load: () => Promise<Fresh<V>>): Promise<V> {
    try {
      const { value, ttlMs } = await load();
      this.values.delete(key);
      this.values.set(key, { value, expiresAt: this.options.clock.now() + ttlMs });
      this.evictOverflow();
      return value;
    } finally {
      this.loading.delete(key);
    }
  }

  private evictOverflow(): void {
    const max = this.options.maxEntries ?? Number.POSITIVE_INFINITY;
    for (const key of this.values.keys()) {
      if (this.values.size <= max) break;
      this.values.delete(key);
    }
  }
}
