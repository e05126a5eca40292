/**
 * The adapter's own cost: warm-cache listing latency through `serve` against a direct request to the mock for the
 * same material (GET /catalog/<id>/item?partNumber=…), measured side by side in one run over keep-alive sockets,
 * alternating one request of each; p50/p99, their ratio and the p50 overhead (target ≤ 1 ms).
 * Also the number of OpenBOM calls a cold listing costs (from the mock's journal).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createAdapterApp } from '../src/adapter/app.js';
import { loadAdapterConfig } from '../src/adapter/config.js';
import { openBomClientFromConfig } from '../src/adapter/openbom/index.js';
import { loadDefaultFixture } from '../src/fixtures/load.js';
import { createMockApp } from '../src/mock/app.js';
import { createLogger, silentLogger } from '../src/shared/logger.js';
import { listen } from '../src/shared/server.js';

const WARM_UP = 300;
const SAMPLES = 2_000;
const TARGET_OVERHEAD_MS = 1;
const PART = '55-554354';
const API_KEY = 'bench-jakamo-key-0001';
const ENV = {
  JAKAMO_API_KEYS: API_KEY,
  OPENBOM_APP_KEY: 'demo-app-key',
  OPENBOM_USERNAME: 'demo@example.com',
  OPENBOM_PASSWORD: 'demo-password',
};

const fixture = loadDefaultFixture();
const catalogId = fixture.catalogs.find((c) => c.parts.some((p) => p.row['Part Number'] === PART))!.id;
// Rate limit off: the comparison is about the adapter's work, not OpenBOM's quota.
const mockApp = createMockApp({ fixture, rateLimit: 0 });
const mock = await listen({ fetch: (req, env) => mockApp.fetch(req, env) });

/** An adapter wired as `serve` wires it; its log lines are formatted as in production and then dropped. */
async function startAdapter() {
  // The app needs the server's URL, and the server needs the app: plugged in once both exist.
  const plugged: { app?: ReturnType<typeof createAdapterApp> } = {};
  const server = await listen({ fetch: (req) => plugged.app!.fetch(req) });
  const config = loadAdapterConfig({ flags: { openbomUrl: mock.url, publicBaseUrl: server.url }, env: ENV });
  const logger = createLogger(() => {});
  const openbom = openBomClientFromConfig(config.openbom, { logger: silentLogger });
  plugged.app = createAdapterApp({ config, openbom, logger });
  return server;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function journalCount(): Promise<{ api: number; storage: number; paths: string[] }> {
  const { requests } = (await (await fetch(`${mock.url}/__admin/requests`)).json()) as {
    requests: Array<{ kind: string; method: string; path: string }>;
  };
  return {
    api: requests.filter((r) => r.kind === 'api').length,
    storage: requests.filter((r) => r.kind === 'storage').length,
    paths: requests.map((r) => `${r.method} ${r.path.split('?')[0]}`),
  };
}

// Cold listings: a fresh adapter each, journal cleared first.
const cold: Array<[string, string]> = [];
for (const query of [`materialId=${PART}`, `materialId=${PART}&revision=119`]) {
  const adapter = await startAdapter();
  await fetch(`${mock.url}/__admin/requests`, { method: 'DELETE' });
  const answer = await get(`${adapter.url}/materials/documents?${query}`, { 'X-API-KEY': API_KEY });
  if (answer.status !== 200) throw new Error(`cold listing answered ${answer.status}`);
  const calls = await journalCount();
  cold.push([query, `${calls.api} OpenBOM calls (${calls.paths.join(', ')})`]);
  await adapter.close();
}

// Warm cache: one adapter, the listing cached, then adapter and direct mock requests alternate.
const adapter = await startAdapter();
const login = (await (
  await fetch(`${mock.url}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-OpenBOM-AppKey': ENV.OPENBOM_APP_KEY },
    body: JSON.stringify({ username: ENV.OPENBOM_USERNAME, password: ENV.OPENBOM_PASSWORD }),
  })
).json()) as { access_token: string };
const targets = {
  adapter: { url: `${adapter.url}/materials/documents?materialId=${PART}`, headers: { 'X-API-KEY': API_KEY } },
  mock: {
    url: `${mock.url}/catalog/${catalogId}/item?partNumber=${PART}`,
    headers: { 'X-OpenBOM-AppKey': ENV.OPENBOM_APP_KEY, 'X-OpenBOM-AccessToken': login.access_token },
  },
};
const times: Record<keyof typeof targets, number[]> = { adapter: [], mock: [] };
for (let i = 0; i < WARM_UP + SAMPLES; i++) {
  for (const name of ['adapter', 'mock'] as const) {
    const started = performance.now();
    const answer = await get(targets[name].url, targets[name].headers);
    const elapsed = performance.now() - started;
    if (answer.status !== 200) throw new Error(`${name} answered ${answer.status}: ${answer.body.slice(0, 200)}`);
    if (i >= WARM_UP) times[name].push(elapsed);
  }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99) });
const through = stats(times.adapter);
const direct = stats(times.mock);
const overhead = through.p50 - direct.p50;

console.log(`warm-cache listing, ${SAMPLES} sequential keep-alive requests each (after ${WARM_UP} warm-up), alternating:`);
console.log(`  through the adapter  p50 ${through.p50.toFixed(3)} ms   p99 ${through.p99.toFixed(3)} ms`);
console.log(
  `  direct to the mock   p50 ${direct.p50.toFixed(3)} ms   p99 ${direct.p99.toFixed(3)} ms   (GET /catalog/<id>/item?partNumber=${PART})`,
);
console.log(`  ratio adapter/mock   p50 ${(through.p50 / direct.p50).toFixed(2)}x   p99 ${(through.p99 / direct.p99).toFixed(2)}x`);
console.log(
  `  p50 overhead         ${overhead.toFixed(3)} ms   target ≤ ${TARGET_OVERHEAD_MS} ms: ${overhead <= TARGET_OVERHEAD_MS ? 'met' : 'MISSED'}`,
);
console.log('cold listing (fresh adapter, nothing cached):');
for (const [query, calls] of cold) console.log(`  ?${query}: ${calls}`);

agent.destroy();
await adapter.close();
await mock.close();
