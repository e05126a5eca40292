/**
 * The warm part index with Redis (issue 15.1): one replica rebuilds it for all when it expires, the others read the
 * shared copy. Two replicas on one real redis-server, each with its own OpenBOM client (so each one's calls can be
 * counted), a 1 s TTL and the real clock (Redis expires keys on its own clock); bounded by vi.waitFor.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentService, type DocumentService } from '../../src/adapter/documents.js';
import { createOpenBomClient } from '../../src/adapter/openbom/index.js';
import type { SharedState } from '../../src/adapter/state/index.js';
import { createRedisState } from '../../src/adapter/state/redis-state.js';
import { systemClock } from '../../src/shared/clock.js';
import { silentLogger } from '../../src/shared/logger.js';
import { missing } from '../support/prerequisites.js';
import { RedisServer, redisServer } from '../replicas/support/redis-server.js';
import { API_ORIGIN, APP_KEY, createFakeOpenBom, PASSWORD, USERNAME } from './support/fake-openbom.js';

const TTL_SECONDS = 1;
const MAPPING = { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' };

describe.skipIf(missing(redisServer))('the warm part index on Redis', () => {
  let redis: RedisServer;
  const states: SharedState[] = [];
  const services: DocumentService[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const service of services) service.stop();
    await Promise.all(states.map((state) => state.close()));
    await redis?.dispose();
  });

  async function replica(catalogFetches: number[]) {
    const state = await createRedisState({
      url: redis.url,
      keyPrefix: 'jk-warm-index:',
      appKey: APP_KEY,
      openBomUrl: API_ORIGIN,
      pollMs: 50,
    });
    states.push(state);
    const fake = createFakeOpenBom();
    const openbom = createOpenBomClient({
      baseUrl: API_ORIGIN,
      appKey: APP_KEY,
      username: USERNAME,
      password: PASSWORD,
      fetch: (input, init) => {
        if (String(input instanceof Request ? input.url : input).endsWith('/catalog/cat-1')) catalogFetches.push(Date.now());
        return fake.fetch(input, init);
      },
      requestsPerSecond: 1000,
      timeoutMs: 2000,
      maxRetries: 0,
      state,
    });
    const documents = createDocumentService({
      openbom,
      catalogs: [],
      openBomUrl: API_ORIGIN,
      mapping: MAPPING,
      cacheTtlSeconds: TTL_SECONDS,
      clock: systemClock,
      logger: silentLogger,
      state,
    });
    services.push(documents);
    return documents;
  }

  it('is rebuilt by one replica at each expiry, and the other adopts that rebuild', async () => {
    const fetches: number[] = [];
    const [first, second] = [await replica(fetches), await replica(fetches)];
    await Promise.all([first.warmUp(), second.warmUp()]);
    await vi.waitFor(() => expect(fetches.length).toBeGreaterThanOrEqual(4), { timeout: 15_000, interval: 50 });
    fetches.sort((a, b) => a - b);
    // Two replicas rebuilding on their own would fetch in pairs; one for all leaves a TTL between rebuilds.
    const gaps = fetches.slice(1).map((at, i) => at - fetches[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(TTL_SECONDS * 1000 * 0.8);
    // Both answer from the same index (built once, by whichever replica held the lock).
    await vi.waitFor(
      () => {
        const [a, b] = [first.indexStatus().ageSeconds, second.indexStatus().ageSeconds];
        expect(a).toBeDefined();
        expect(Math.abs(a! - b!)).toBeLessThan(0.05);
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(await first.listFiles('55-554354', '')).toEqual(await second.listFiles('55-554354', ''));
  });
});
