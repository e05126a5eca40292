import { LRUCache } from 'lru-cache';
import { TtlCache } from '../ttl-cache.js';
import { createMemoryPermitPool } from './permit-pool.js';
import { singleFlight, type SharedState, type StoredRedirect, type StoredTokens } from './shared-state.js';

/** Redirects kept in memory at most (one per file downloaded within a URL's lifetime). */
const MAX_REDIRECTS = 10_000;

/** State in this process only: right for one replica (the default). */
export function createMemoryState(): SharedState {
  let tokens: StoredTokens | undefined;
  const renewOnce = singleFlight<StoredTokens>();
  // Bounded by count; the reader checks `usableUntil` on its own (injected) clock, so an expired entry is never used.
  const redirects = new LRUCache<string, StoredRedirect>({ max: MAX_REDIRECTS });
  return {
    tokens: {
      get: async () => tokens,
      renew: (isUsable, obtain) =>
        renewOnce(async () => {
          if (isUsable(tokens)) return tokens;
          tokens = await obtain(tokens);
          return tokens;
        }),
    },
    permits: (options) => createMemoryPermitPool(options),
    redirects: {
      get: async (fileUrl) => redirects.get(fileUrl),
      set: async (fileUrl, redirect) => {
        redirects.set(fileUrl, redirect);
      },
      delete: async (fileUrl) => {
        redirects.delete(fileUrl);
      },
    },
    cache: (_name, { ttlMs, clock, maxEntries, staleMs, onLookup }) => new TtlCache({ ttlMs, clock, maxEntries, staleMs, onLookup }),
    isReachable: () => true,
    close: async () => {},
  };
}
