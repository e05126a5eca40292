import type { Clock } from '../shared/clock.js';
import type { Priority } from './state/permit-pool.js';
import { detachedFromRequest } from './upstream-calls.js';

export interface TtlCacheOptions {
  ttlMs: number;
  clock: Clock;
  /** Oldest entries are dropped beyond this many (keys can come from clients). */
  maxEntries?: number;
  /**
   * Stale-while-revalidate: for this long after an entry expires it is still answered at once while one load replaces
   * it in the background. Later, or when that load fails, callers wait for a load as on a miss (default 0: never stale).
   */
  staleMs?: number;
  /** Told about every lookup (for the cache metrics). */
  onLookup?: (outcome: 'hit' | 'stale' | 'miss') => void;
}

/** Loads a value; `priority` is the OpenBOM budget priority its requests should use. */
export type Loader<T> = (priority: Priority) => Promise<T>;

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

  /** `load` is told `background` when it replaces a stale entry that was already answered, `foreground` on a miss. */
  get(key: string, load: Loader<V>): Promise<V> {
    return this.getFresh(key, async (priority) => ({ value: await load(priority), ttlMs: this.options.ttlMs }));
  }

  /** Like get, for a loader that knows how long its value stays fresh (e.g. the time left on a shared copy). */
  getFresh(key: string, load: Loader<Fresh<V>>): Promise<V> {
    const { clock, staleMs = 0, onLookup } = this.options;
    const cached = this.values.get(key);
    const now = clock.now();
    if (cached && cached.expiresAt > now) {
      onLookup?.('hit');
      return Promise.resolve(cached.value);
    }
    const inFlight = this.loading.get(key);
    if (cached && cached.expiresAt + staleMs > now) {
      onLookup?.('stale');
      // A failed background load is dropped: the stale entry stays until its window ends, and the next caller retries.
      if (!inFlight) detachedFromRequest(() => this.startLoad(key, () => load('background'))).catch(() => {});
      return Promise.resolve(cached.value);
    }
    onLookup?.('miss');
    return inFlight ?? this.startLoad(key, () => load('foreground'));
  }

  private startLoad(key: string, load: () => Promise<Fresh<V>>): Promise<V> {
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
