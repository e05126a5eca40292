/**
 * Issue 9's proof: three adapter replicas (each on its own socket, each with its own Redis state) share one Redis,
 * one OpenBOM mock (rate limit 5/s, as OpenBOM) and its app key. 100 concurrent cold listings spread across them
 * cost exactly one login and never more than 5 OpenBOM requests in any second (from the mock's journal); then Redis
 * goes away (requests needing it fail fast with 502 and the error object, nothing reaches OpenBOM) and comes back
 * (service resumes without restarting the adapters).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapterApp } from '../../src/adapter/app.js';
import { loadAdapterConfig } from '../../src/adapter/config.js';
import { openBomClientFromConfig } from '../../src/adapter/openbom/index.js';
import { createSharedState, type SharedState } from '../../src/adapter/state/index.js';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import type { FileValue, Row } from '../../src/fixtures/types.js';
import { createMockApp } from '../../src/mock/app.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { missing } from '../support/prerequisites.js';
import { RedisServer, redisServer } from './support/redis-server.js';

const KEY = 'replicas-jakamo-key-7d31c0';
const ENV = {
  JAKAMO_API_KEYS: KEY,
  OPENBOM_APP_KEY: 'demo-app-key',
  OPENBOM_USERNAME: 'demo@example.com',
  OPENBOM_PASSWORD: 'demo-password',
};
const SECRETS = [KEY, ENV.OPENBOM_APP_KEY, ENV.OPENBOM_PASSWORD];
const fixture = loadDefaultFixture();
const parts = fixture.catalogs.flatMap((catalog) => catalog.parts);

/** Every part's current listing, older and explicit revisions of some, and a part that does not exist. */
const ASKS: Array<{ materialId: string; revision?: string }> = [
  ...parts.map((part) => ({ materialId: part.row['Part Number'] as string })),
  { materialId: '55-554354', revision: '119' },
  { materialId: '55-554354', revision: '120' },
  { materialId: '55-570110', revision: 'B' },
  { materialId: '62-180600', revision: 'A' },
  { materialId: '10-100120', revision: 'A' },
  { materialId: '20-300150', revision: 'A' },
  { materialId: '55-554360', revision: 'A' },
  { materialId: 'NO-SUCH-PART' },
];
/** Listings that are never asked for before the outage, so no replica has them in memory. */
const COLD_DURING_OUTAGE = [
  { materialId: '20-300410', revision: 'A' },
  { materialId: '55-570110', revision: 'C' },
  { materialId: '62-180600', revision: 'B' },
];

function expectedFileNames({ materialId, revision }: { materialId: string; revision?: string }): string[] {
  const part = parts.find((p) => p.row['Part Number'] === materialId);
  if (!part) return [];
  const row: Row | undefined = revision === undefined ? part.row : part.revisions.find((r) => r.revision === revision)?.row;
  return Object.values(row ?? {})
    .filter((value): value is FileValue => typeof value === 'object' && value !== null && value.kind === 'file')
    .map((file) => file.name);
}

interface JournalEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  kind: 'api' | 'storage';
}

describe.skipIf(missing(redisServer))('three replicas on one Redis against one rate-limited mock', () => {
  let redis: RedisServer;
  let mock: RunningServer;
  const servers: RunningServer[] = [];
  const states: SharedState[] = [];
  const loggers: Array<{ lines: string[] }> = [];
  const replicas: string[] = [];
  const bodies: string[] = [];

  /** A replica wired as `serve --state-url <redis>` wires it. */
  async function startReplica(): Promise<string> {
    const logger = createMemoryLogger();
    loggers.push(logger);
    const served: { app?: ReturnType<typeof createAdapterApp> } = {};
    const server = await listen({ fetch: (request) => served.app!.fetch(request) });
    servers.push(server);
    const config = loadAdapterConfig({ flags: { openbomUrl: mock.url, publicBaseUrl: server.url, stateUrl: redis.url }, env: ENV });
    const state = await createSharedState(config.state, { appKey: config.openbom.appKey, openBomUrl: config.openbom.url }, logger);
    states.push(state);
    const openbom = openBomClientFromConfig(config.openbom, { logger, state });
    served.app = createAdapterApp({ config, openbom, logger, state });
    return server.url;
  }

  async function list(replica: string, ask: { materialId: string; revision?: string }) {
    const query = new URLSearchParams(
      ask.revision === undefined ? { materialId: ask.materialId } : { materialId: ask.materialId, revision: ask.revision },
    );
    const response = await fetch(`${replica}/materials/documents?${query}`, { headers: { 'X-API-KEY': KEY } });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) };
  }

  const journal = async (): Promise<JournalEntry[]> =>
    ((await (await fetch(`${mock.url}/__admin/requests`)).json()) as { requests: JournalEntry[] }).requests.filter(
      (entry) => entry.kind === 'api',
    );

  beforeAll(async () => {
    redis = await RedisServer.start();
    const mockApp = createMockApp({ fixture: structuredClone(fixture) });
    mock = await listen({ fetch: (request, env) => mockApp.fetch(request, env) });
    for (let i = 0; i < 3; i++) replicas.push(await startReplica());
  });

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await Promise.all(states.map((state) => state.close()));
    await mock?.close();
    await redis?.dispose();
  });

  it('serves 100 concurrent cold listings with one login and never more than 5 OpenBOM requests a second', async () => {
    const asks = Array.from({ length: 100 }, (_, i) => ASKS[i % ASKS.length]!);
    const answers = await Promise.all(asks.map((ask, i) => list(replicas[i % replicas.length]!, ask)));

    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(200));
    answers.forEach((answer, i) =>
      expect(answer.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(expectedFileNames(asks[i]!)),
    );

    const entries = await journal();
    expect(entries.filter((entry) => entry.path === '/login')).toHaveLength(1);
    expect(entries.filter((entry) => entry.status === 429)).toEqual([]);
    // The caches are shared: the part index was built once and each revision lookup reached OpenBOM once.
    expect(entries.filter((entry) => entry.path === '/catalogs')).toHaveLength(1);
    const revisioned = ASKS.filter((ask) => ask.revision !== undefined).length;
    expect(entries.filter((entry) => entry.path.includes('/revisions/partnumber/'))).toHaveLength(revisioned);
    expect(entries.filter((entry) => entry.path.includes('/revisions/merged/'))).toHaveLength(revisioned);

    const times = entries.map((entry) => Date.parse(entry.time)).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(10);
    const busiest = Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + 1000).length));
    expect(busiest).toBeLessThanOrEqual(5);
  });

  it('shares storage redirects: a file downloaded through one replica costs the others no OpenBOM call', async () => {
    const { body } = await list(replicas[0]!, { materialId: '55-554354' });
    const link = new URL((body.data as Array<{ link: string }>)[0]!.link);
    const redirects = async () => (await journal()).filter((entry) => entry.path.startsWith('/document/')).length;
    const before = await redirects();
    for (const replica of replicas) {
      const response = await fetch(`${replica}${link.pathname}${link.search}`, { headers: { 'X-API-KEY': KEY } });
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect((await redirects()) - before).toBe(1);
  });

  it('answers 502 with the error object while Redis is down, without touching OpenBOM, and recovers when it is back', async () => {
    const before = (await journal()).length;
    await redis.stop();
    try {
      for (const [i, replica] of replicas.entries()) {
        const started = Date.now();
        const { status, body } = await list(replica, COLD_DURING_OUTAGE[i]!);
        expect(status).toBe(502);
        expect(body).toEqual({
          message: 'Bad gateway',
          errors: [{ message: 'The shared state store is unavailable; please try again shortly.' }],
        });
        expect(Date.now() - started).toBeLessThan(2_000);
      }
      // What a replica already holds in memory needs neither Redis nor OpenBOM.
      const warm = await list(replicas[0]!, ASKS[0]!);
      expect(warm.status).toBe(200);
      expect((await journal()).length).toBe(before);
    } finally {
      await redis.restart();
    }

    for (const [i, replica] of replicas.entries()) {
      await expect.poll(async () => (await list(replica, COLD_DURING_OUTAGE[i]!)).status, { timeout: 10_000, interval: 200 }).toBe(200);
    }
    const after = await list(replicas[1]!, COLD_DURING_OUTAGE[0]!);
    expect(after.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(expectedFileNames(COLD_DURING_OUTAGE[0]!));
    // Redis came back empty: one replica logged in again for all of them.
    expect((await journal()).filter((entry) => entry.path === '/login')).toHaveLength(2);
    expect(loggers.some((logger) => logger.lines.some((line) => line.includes('shared state reachable again')))).toBe(true);
  });

  it('never puts a secret into a log line or a response body', () => {
    const logged = loggers.flatMap((logger) => logger.lines);
    expect(logged.some((line) => line.includes('"msg":"request"'))).toBe(true);
    for (const text of [...logged, ...bodies]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/eyJ[\w-]{20,}/);
    }
  });
});
