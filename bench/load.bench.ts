/**
 * `npm run bench:load`: the adapter under load, as Jakamo would load it. Two child processes run the OpenBOM mock
 * (rate limit ON, 5 requests/s, as OpenBOM) and the adapter (serve's defaults: 5 requests/s, cache 60 s) on
 * 127.0.0.1; this process drives autocannon at the adapter: 200 connections for 20 s, listings and downloads (20%)
 * across 100 materials that each have a file. Prints requests/s, p50/p99, answers by status, the most OpenBOM API
 * requests the mock saw in any second (its journal), and the adapter's memory (after GC) at the start, the middle and
 * the end. Exits non-zero when OpenBOM saw more than 5 requests in a second, or the adapter's heap grew over 10% in
 * the second half. Bounded: autocannon stops after its duration; the children are killed at the end, whatever happens.
 * LOAD_CONNECTIONS, LOAD_DURATION_S and LOAD_DOWNLOAD_SHARE change the load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadDefaultFixture } from '../src/fixtures/load.js';
import { makeDrawingPdf } from '../src/fixtures/sample-files.js';
import type { Fixture } from '../src/fixtures/types.js';
import { JAKAMO_KEY, journal, maxInAnyWindow, startAdapterServer, startMockServer } from '../test/faults/rig.js';

const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 200);
const DURATION_S = Number(process.env.LOAD_DURATION_S ?? 20);
const MATERIALS = 100;
/** Share of requests that are downloads; the rest are listings. */
const DOWNLOAD_SHARE = Number(process.env.LOAD_DOWNLOAD_SHARE ?? 0.2);
const OPENBOM_LIMIT = 5;
const MAX_HEAP_GROWTH = 0.1;
const material = (i: number) => `LOAD-${String(i + 1).padStart(4, '0')}`;

interface Memory {
  rss: number;
  heapUsed: number;
}
type ToServer = { type: 'memory' };
type FromServer = { type: 'ready'; url: string } | ({ type: 'memory' } & Memory);

// ------------------------------------------------------------------------------------------- the servers (children)

/** The default fixture plus MATERIALS parts in its first catalog, each with a drawing. */
function loadFixture(): Fixture {
  const fixture = loadDefaultFixture();
  const catalog = fixture.catalogs[0]!;
  for (let i = 0; i < MATERIALS; i++) {
    const partNumber = material(i);
    const drawing = makeDrawingPdf({ company: 'Nordline Conveyors', partNumber, title: `Load part ${i + 1}`, revision: 'A', date: '2024-01-02', drawnBy: 'bench' });
    catalog.parts.push({
      row: { 'Part Number': partNumber, Name: `Load part ${i + 1}`, Description: 'Generated for the load test', Revision: 'A', Drawing: { kind: 'file', name: `${partNumber}.pdf`, contentType: 'application/pdf', bytes: drawing } },
      revisions: [],
    });
  }
  return fixture;
}

/** One server per process, as in production (OpenBOM is another host): neither one's event loop delays the other. */
async function runServer(role: 'mock' | 'adapter'): Promise<void> {
  let url: string;
  if (role === 'mock') {
    url = (await startMockServer({ fixture: loadFixture(), rateLimit: OPENBOM_LIMIT, journalSize: 100_000 })).url;
  } else {
    // As `serve` runs by default: 5 requests/s, 10 s timeout, 3 retries, listings cached 60 s.
    url = (await startAdapterServer(process.env.LOAD_MOCK_URL!, { timeoutMs: 10_000, maxRetries: 3, requestsPerSecond: OPENBOM_LIMIT, cacheTtlSeconds: 60 })).url;
  }
  const send = (message: FromServer) => process.send!(message);
  process.on('message', (message: ToServer) => {
    if (message.type !== 'memory') return;
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    send({ type: 'memory', rss, heapUsed });
  });
  // The parent going away (normally or not) ends the server too.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', url });
}

// ------------------------------------------------------------------------------------------- the load (parent)

interface ServerProcess {
  child: ChildProcess;
  url: string;
  memory(): Promise<Memory>;
}

function startServer(role: 'mock' | 'adapter', env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = fork(fileURLToPath(import.meta.url), [], { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, ...env, LOAD_ROLE: role } });
  const memory = () =>
    new Promise<Memory>((resolve) => {
      const onMessage = (message: FromServer) => {
        if (message.type !== 'memory') return;
        child.off('message', onMessage);
        resolve({ rss: message.rss, heapUsed: message.heapUsed });
      };
      child.on('message', onMessage);
      child.send({ type: 'memory' } satisfies ToServer);
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the ${role} exited early (${code})`)));
    child.once('message', (message: FromServer) => {
      if (message.type === 'ready') resolve({ child, url: message.url, memory });
    });
  });
}

/** A seeded generator (mulberry32), so every run asks for the same sequence. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function nextPathFactory(): () => string {
  const random = seeded(8);
  return () => {
    const partNumber = material(Math.floor(random() * MATERIALS));
    if (random() >= DOWNLOAD_SHARE) return `/materials/documents?materialId=${partNumber}`;
    return `/materials/documents/download?${new URLSearchParams({ materialId: partNumber, column: 'Drawing', fileName: `${partNumber}.pdf` })}`;
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const growth = (from: number, to: number) => (to - from) / from;
const percent = (ratio: number) => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;

async function runLoad(): Promise<void> {
  const servers: ServerProcess[] = [];
  try {
    const mock = await startServer('mock');
    servers.push(mock);
    const adapter = await startServer('adapter', { LOAD_MOCK_URL: mock.url });
    servers.push(adapter);
    const start = await adapter.memory();
    const nextPath = nextPathFactory();
    let middle: Memory | undefined;
    const midway = setTimeout(() => void adapter.memory().then((sample) => (middle = sample)), (DURATION_S * 1000) / 2);

    const result = await autocannon({
      url: adapter.url,
      connections: CONNECTIONS,
      duration: DURATION_S,
      timeout: 10,
      headers: { 'X-API-KEY': JAKAMO_KEY },
      requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: nextPath() }) }],
    });
    clearTimeout(midway);
    const end = await adapter.memory();
    if (!middle) throw new Error('no memory sample at the middle of the run');

    const upstream = await journal(mock.url);
    const api = upstream.filter((entry) => entry.kind === 'api');
    const maxApiPerSecond = maxInAnyWindow(api, 1000);
    const byStatus = Object.entries(result.statusCodeStats ?? {}).map(([status, { count = 0 }]) => `${status}: ${count}`);
    const heapGrowth = growth(middle.heapUsed, end.heapUsed);

    const rows: Array<[string, string]> = [
      ['load', `${CONNECTIONS} connections, ${result.duration.toFixed(1)} s, ${MATERIALS} materials, ${Math.round(DOWNLOAD_SHARE * 100)}% downloads`],
      ['requests/s', `${result.requests.average.toFixed(0)} (total ${result.requests.total})`],
      ['latency', `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`],
      ['answers by status', byStatus.join(', ') || 'none'],
      ['client errors', `${result.errors} (timeouts ${result.timeouts})`],
      ['OpenBOM requests', `${api.length} API (${upstream.filter((entry) => entry.status === 429).length} answered 429), ${upstream.length - api.length} storage`],
      ['max API requests in any second', `${maxApiPerSecond} (limit ${OPENBOM_LIMIT})`],
      ['adapter memory start', `rss ${mib(start.rss)}, heap ${mib(start.heapUsed)}`],
      ['adapter memory middle', `rss ${mib(middle.rss)}, heap ${mib(middle.heapUsed)}`],
      ['adapter memory end', `rss ${mib(end.rss)}, heap ${mib(end.heapUsed)}`],
      ['growth, 2nd half', `rss ${percent(growth(middle.rss, end.rss))}, heap ${percent(heapGrowth)} (target ≤ ${MAX_HEAP_GROWTH * 100}%)`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    for (const [name, value] of rows) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);

    const failures = [
      ...(maxApiPerSecond > OPENBOM_LIMIT ? [`OpenBOM saw ${maxApiPerSecond} API requests in one second (limit ${OPENBOM_LIMIT})`] : []),
      ...(heapGrowth > MAX_HEAP_GROWTH ? [`the heap grew ${percent(heapGrowth)} over the second half`] : []),
    ];
    for (const failure of failures) process.stderr.write(`FAIL: ${failure}\n`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  } finally {
    for (const server of servers) server.child.kill();
  }
}

const role = process.env.LOAD_ROLE;
if (role === 'mock' || role === 'adapter') await runServer(role);
else await runLoad();
