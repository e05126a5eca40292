import type { Clock } from '../../shared/clock.js';
import type { PermitPool, PermitPoolOptions } from './permit-pool.js';
import type { Loader } from '../ttl-cache.js';

/**
 * What the adapter keeps between requests about one OpenBOM account (app key + URL): its tokens, its request budget
 * and the caches of what it read. In memory for one process, or in Redis for several replicas that must share them.
 */
export interface SharedState {
  readonly tokens: TokenStore;
  /** OpenBOM's request budget (see PermitPool); with a shared store, the limit holds for the sum over every replica. */
  permits(options: PermitPoolOptions): PermitPool;
  /** OpenBOM's storage redirects, reused while they are valid (with a shared store, by every replica). */
  readonly redirects: RedirectStore;
  /** A named cache with a TTL and single flight (across replicas with a shared store). */
  cache<V>(name: string, options: CacheOptions<V>): SharedCache<V>;
  /** Whether the store is connected now (read from the client's state: no command is sent). */
  isReachable(): boolean;
  close(): Promise<void>;
}

/**
 * A storage URL OpenBOM redirected a file URL to, and until when it may be used (epoch ms, already short of the
 * expiry the URL carries). A presigned URL grants access to one file for its lifetime: never logged.
 */
export interface StoredRedirect {
  location: string;
  usableUntil: number;
}

/** Storage redirects by OpenBOM file URL; a store may forget an entry early, never keep one past `usableUntil`. */
export interface RedirectStore {
  get(fileUrl: string): Promise<StoredRedirect | undefined>;
  set(fileUrl: string, redirect: StoredRedirect): Promise<void>;
  /** Storage refused it (403): nobody may use it again. */
  delete(fileUrl: string): Promise<void>;
}

/** OpenBOM's tokens for the app key. Secrets: a shared store keeps them no longer than the access token lives. */
export interface StoredTokens {
  access: string;
  refresh?: string;
  /** When to renew (epoch ms): shortly before the access token expires. */
  renewAt: number;
  /** When the access token expires (epoch ms). */
  expiresAt: number;
}

export interface TokenStore {
  get(): Promise<StoredTokens | undefined>;
  /**
   * Answers the current tokens when `isUsable` accepts them; otherwise replaces them with `obtain(current)`.
   * Only one caller (one replica) obtains at a time; the others wait for it and read its result.
   */
  renew(
    isUsable: (current: StoredTokens | undefined) => current is StoredTokens,
    obtain: (current: StoredTokens | undefined) => Promise<StoredTokens>,
  ): Promise<StoredTokens>;
}

export interface CacheOptions<V> {
  ttlMs: number;
  clock: Clock;
  /** Most entries kept in this process's memory. */
  maxEntries?: number;
  /** How a value is written to a shared store as JSON and read back (default: as it is). */
  codec?: { encode(value: V): unknown; decode(data: unknown): V };
  /** Stale-while-revalidate window of this process's copy (see TtlCacheOptions.staleMs). */
  staleMs?: number;
  /** Told about every lookup of this process's copy (for the cache metrics). */
  onLookup?: (outcome: 'hit' | 'stale' | 'miss') => void;
}

/** Loads a value once for every caller that asks while it is fresh; failed loads are not kept. */
export interface SharedCache<V> {
  /** `load` is told the priority its OpenBOM requests should use (`background` when refreshing a stale entry). */
  get(key: string, load: Loader<V>): Promise<V>;
}

/**
 * The shared store could not be used (Redis down or not answering). Requests that need it fail at once (502):
 * nothing falls back to local state, which would break the shared limit.
 */
export class SharedStateUnavailableError extends Error {
  override name = 'SharedStateUnavailableError';
}

/** Shares one run of a task among the callers that arrive while it is under way. */
export function singleFlight<T>(): (task: () => Promise<T>) => Promise<T> {
  let running: Promise<T> | undefined;
  return (task) =>
    (running ??= task().finally(() => {
      running = undefined;
    }));
}

/** The `serve` settings that choose the state. */
export interface StateSettings {
  /** `memory`, or a `redis://` / `rediss://` URL. */
  url: string;
  /** Start of every Redis key name. */
  keyPrefix: string;
}

export const DEFAULT_STATE_URL = 'memory';
export const DEFAULT_STATE_KEY_PREFIX = 'jakamo-kit:';

/** A state URL as it may be logged: `memory`, or the Redis URL with its password masked. */
export function describeStateUrl(url: string): string {
  if (url === DEFAULT_STATE_URL) return url;
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '****';
  return parsed.toString();
}
