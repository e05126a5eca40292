/**
 * Replicas sharing one OpenBOM budget (issue 9): the same load against 1 and 3 adapter replicas, with the state in
 * memory and in Redis, each row against a fresh OpenBOM mock with its rate limit on (5 requests/s, as OpenBOM).
 * Cold phase: BENCH_CONNECTIONS workers (default 24) ask for listings for BENCH_SECONDS (default 10), round-robin over
 * the replicas, each for a random one of the 100 parts of a generated fixture, half the current revision, half
 * revision A (a revision lookup costs OpenBOM requests until it is cached, so this phase is bound by the limit).
 * Warm phase: the same workers for BENCH_WARM_SECONDS (default 5), current revisions only (served from the caches).
 * Printed per row: requests served per second in both phases; OpenBOM requests per second and the most in any 1 s
 * (from the mock's journal), 429s, logins and non-200 answers over both. The row "3 memory" is what issue 9 fixes:
 * replicas that do not share.
 * Everything runs in this one process on 127.0.0.1 (the replicas share its CPU), with a real redis-server.
 * Run: `npm run bench:replicas`.
 */
import { createAdapterApp } from '../src/adapter/app.js';
import { loadAdapterConfig } from '../src/adapter/config.js';
import { createOpenBomClient } from '../src/adapter/openbom/index.js';
import { createSharedState, type SharedState } from '../src/adapter/state/index.js';
import { generateFixtureYaml } from '../src/fixtures/generate.js';
import { parseFixture } from '../src/fixtures/load.js';
import { partNumberOf } from '../src/fixtures/types.js';
import { createMockApp } from '../src/mock/app.js';
import { silentLogger } from '../src/shared/logger.js';
import { listen, type RunningServer } from '../src/shared/server.js';
import { RedisServer, redisServer } from '../test/replicas/support/redis-server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARM_SECONDS = Number(process.env.BENCH_WARM_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 24);
const KEY = 'bench-replicas-key-0001';
const ENV = {
  JAKAMO_API_KEYS: KEY,
  OPENBOM_APP_KEY: 'demo-app-key',
  OPENBOM_USERNAME: 'demo@example.com',
  OPENBOM_PASSWORD: 'demo-password',
};

if (!redisServer.available) {
  console.error(redisServer.skipMessage);
  process.exit(1);
}

const fixture = parseFixture(generateFixtureYaml({ seed: 9, parts: 100 }));
const materials = fixture.catalogs.flatMap((catalog) => catalog.parts.map((part) => partNumberOf(part.row)));
const redis = await RedisServer.start();

interface Row {
  replicas: number;
  state: string;
  servedPerSecond: number;
  warmServedPerSecond: number;
  upstreamPerSecond: number;
  maxUpstreamInOneSecond: number;
  rateLimited: number;
  logins: number;
  errors: number;
}

async function run(
  replicaCount: number,
  stateKind: 'memory' | 'redis',
  round: number,
  seconds = SECONDS,
  warmSeconds = WARM_SECONDS,
): Promise<Row> {
  const mockApp = createMockApp({ fixture: structuredClone(fixture) });
  const mock = await listen({ fetch: (request, env) => mockApp.fetch(request, env) });
  const servers: RunningServer[] = [];
  const states: SharedState[] = [];
  for (let i = 0; i < replicaCount; i++) {
    const plugged: { app?: ReturnType<typeof createAdapterApp> } = {};
    const server = await listen({ fetch: (request) => plugged.app!.fetch(request) });
    servers.push(server);
    const config = loadAdapterConfig({
      flags: {
        openbomUrl: mock.url,
        publicBaseUrl: server.url,
        stateUrl: stateKind === 'redis' ? redis.url : 'memory',
        stateKeyPrefix: `bench-${round}:`,
      },
      env: ENV,
    });
    const state = await createSharedState(config.state, { appKey: config.openbom.appKey, openBomUrl: config.openbom.url }, silentLogger);
    states.push(state);
    const { url: baseUrl, appKey, username, password, requestsPerSecond, timeoutMs, maxRetries } = config.openbom;
    const openbom = createOpenBomClient({ baseUrl, appKey, username, password, requestsPerSecond, timeoutMs, maxRetries, state });
    plugged.app = createAdapterApp({ config, openbom, state });
  }

  const anyMaterial = () => materials[Math.floor(Math.random() * materials.length)]!;
  const started = Date.now();
  const cold = await drive(servers, seconds, () =>
    Math.random() < 0.5 ? { materialId: anyMaterial() } : { materialId: anyMaterial(), revision: 'A' },
  );
  const warm = await drive(servers, warmSeconds, () => ({ materialId: anyMaterial() }));
  const elapsedSeconds = (Date.now() - started) / 1000;

  const { requests } = (await (await fetch(`${mock.url}/__admin/requests`)).json()) as {
    requests: Array<{ time: string; path: string; status: number; kind: string }>;
  };
  const api = requests.filter((entry) => entry.kind === 'api');
  const times = api.map((entry) => Date.parse(entry.time)).sort((a, b) => a - b);
  const maxUpstreamInOneSecond = Math.max(0, ...times.map((start) => times.filter((t) => t >= start && t < start + 1000).length));

  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(states.map((state) => state.close()));
  await mock.close();
  return {
    replicas: replicaCount,
    state: stateKind,
    servedPerSecond: cold.served / cold.seconds,
    warmServedPerSecond: warm.served / warm.seconds,
    upstreamPerSecond: api.length / elapsedSeconds,
    maxUpstreamInOneSecond,
    rateLimited: api.filter((entry) => entry.status === 429).length,
    logins: api.filter((entry) => entry.path === '/login').length,
    errors: cold.errors + warm.errors,
  };
}

/** CONNECTIONS workers, round-robin over the replicas, each asking for listings one after another until time is up. */
async function drive(servers: RunningServer[], seconds: number, pick: () => { materialId: string; revision?: string }) {
  let served = 0;
  let errors = 0;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      const replica = servers[worker % servers.length]!.url;
      while (Date.now() < deadline) {
        try {
          const response = await fetch(`${replica}/materials/documents?${new URLSearchParams(pick())}`, {
            headers: { 'X-API-KEY': KEY },
            signal: AbortSignal.timeout(30_000),
          });
          await response.arrayBuffer();
          if (response.status === 200) served++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { served, errors, seconds: (Date.now() - started) / 1000 };
}

const rows: Row[] = [];
try {
  const plan: Array<[number, 'memory' | 'redis']> = [
    [1, 'memory'],
    [1, 'redis'],
    [3, 'redis'],
    [3, 'memory'],
  ];
  // An unreported round first, so that the first reported row does not pay for JIT compilation.
  await run(3, 'redis', plan.length, 2, 2);
  for (const [index, [replicas, state]] of plan.entries()) rows.push(await run(replicas, state, index));
} finally {
  await redis.dispose();
}

console.log(
  `replicas against one mock (rate limit 5/s), ${CONNECTIONS} workers, ${SECONDS} s cold + ${WARM_SECONDS} s warm, listings over ${materials.length} parts\n`,
);
const header = [
  'replicas',
  'state',
  'served req/s (cold)',
  'served req/s (warm)',
  'upstream req/s',
  'max upstream in 1 s',
  '429s',
  'logins',
  'errors',
];
const table = rows.map((row) => [
  String(row.replicas),
  row.state,
  row.servedPerSecond.toFixed(1),
  row.warmServedPerSecond.toFixed(0),
  row.upstreamPerSecond.toFixed(2),
  String(row.maxUpstreamInOneSecond),
  String(row.rateLimited),
  String(row.logins),
  String(row.errors),
]);
const widths = header.map((title, column) => Math.max(title.length, ...table.map((cells) => cells[column]!.length)));
const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
console.log(line(header));
for (const cells of table) console.log(line(cells));

const shared = rows.filter((row) => row.state === 'redis');
const withinLimit = shared.every((row) => row.maxUpstreamInOneSecond <= 5 && row.rateLimited === 0 && row.logins === 1 && row.errors === 0);
console.log(`\nRedis rows: never more than 5 upstream requests in any second, one login, no 429, no error: ${withinLimit ? 'yes' : 'NO'}`);
process.exitCode = withinLimit ? 0 : 1;
