import { SlidingWindowLimiter } from '../limiter.js';
import { TtlCache } from '../ttl-cache.js';
import { singleFlight, type SharedState, type StoredTokens } from './shared-state.js';

/** State in this process only: right for one replica (the default). */
export function createMemoryState(): SharedState {
  let tokens: StoredTokens | undefined;
  const renewOnce = singleFlight<StoredTokens>();
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
    limiter: (options) => new SlidingWindowLimiter(options),
    cache: (_name, { ttlMs, clock, maxEntries }) => new TtlCache({ ttlMs, clock, maxEntries }),
    close: async () => {},
  };
}
