import type { Logger } from '../../shared/logger.js';
import { createMemoryState } from './memory-state.js';
import { DEFAULT_STATE_URL, type SharedState, type StateSettings } from './shared-state.js';

export { createMemoryState } from './memory-state.js';
export * from './shared-state.js';
export type { PermitPool, PermitPoolOptions, Priority, Release, Sleep } from './permit-pool.js';

/** The state `serve` runs with: in memory (one replica) or in Redis, for the OpenBOM account of `appKey`. */
export async function createSharedState(
  settings: StateSettings,
  account: { appKey: string; openBomUrl: string },
  logger: Logger,
): Promise<SharedState> {
  if (settings.url === DEFAULT_STATE_URL) return createMemoryState();
  // Loaded only when Redis is configured: the Redis client costs start-up time that single-replica runs never need.
  const { createRedisState } = await import('./redis-state.js');
  return createRedisState({ url: settings.url, keyPrefix: settings.keyPrefix, ...account, logger });
}
