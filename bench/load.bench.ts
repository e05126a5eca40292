/**
 * `npm run bench:load`: the adapter under load, as Jakamo would load it. For each run, two child processes run the
 * OpenBOM mock (rate limit ON, 5 requests/s, as OpenBOM) and the adapter (serve's defaults: 5 requests/s, cache 60 s)
 * on 127.0.0.1; this process drives autocannon at the adapter: 200 connections, listings and downloads across 100
 * materials that each have a file. Two mixes, each run with storage-redirect reuse off (the behaviour before it: every
 * download costs one OpenBOM call) and on, printed side by side:
 * - `spread`: 20 % downloads, each of any of the 100 files;
 * - `repeat`: 50 % downloads, all of 20 popular files (most downloads repeat one made a moment earlier).
 * Each column: requests/s, p50/p99/max, answers by status, client timeouts, OpenBOM requests and the most the mock saw
 * in any second (its journal), and the adapter's memory (after GC) at the start, the middle and the end. Exits
 * non-zero when OpenBOM saw more than 5 requests in a second, the heap grew over 10 % in a run's second half, or the
 * `repeat` mix with reuse on had a client timeout. Bounded: autocannon stops after its duration; the children are
 * killed after each run, whatever happens. LOAD_CONNECTIONS and LOAD_DURATION_S (per run, default 15) change the load.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { loadDefaultFixture } from '../src/fixtures/load.js';
import { makeDrawingPdf } from '../src/fixtures/sample-files.js';
import type { Fixture } from '../src/fixtures/types.js';
import { JAKAMO_KEY, journal, maxInAnyWindow, startAdapterServer, startMockServer } from '../test/faults/rig.js';

const CONNECTIONS = Number(process.env.LOAD_CONNECTIONS ?? 200);
const DURATION_S = Number(process.env.LOAD_DURATION_S ?? 15);
const MATERIALS = 100;

interface Mix {
  name: string;
  /** Share of requests that are downloads; the rest are listings. */
  downloadShare: number;
  /** Downloads are of the first this many materials' files. */
  downloadedMaterials: number;
}
const MIXES: Mix[] = [
  { name: 'spread', downloadShare: 0.2, downloadedMaterials: MATERIALS },
  { name: 'repeat', downloadShare: 0.5, downloadedMaterials: 20 },
];
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
    const drawing = makeDrawingPdf({
      company: 'Nordline Conveyors',
      partNumber,
      title: `Load part ${i + 1}`,
      revision: 'A',
      date: '2024-01-02',
      drawnBy: 'bench',
    });
    catalog.parts.push({
      row: {
        'Part Number': partNumber,
        Name: `Load part ${i + 1}`,
        Description: 'Generated for the load test',
        Revision: 'A',
        Drawing: { kind: 'file', name: `${partNumber}.pdf`, contentType: 'application/pdf', bytes: drawing },
      },
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
    url = (
      await startAdapterServer(process.env.LOAD_MOCK_URL!, {
        timeoutMs: 10_000,
        maxRetries: 3,
        requestsPerSecond: OPENBOM_LIMIT,
        cacheTtlSeconds: 60,
        reuseRedirects: process.env.LOAD_REUSE_REDIRECTS !== '0',
      })
    ).url;
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
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, ...env, LOAD_ROLE: role },
  });
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

function nextPathFactory(mix: Mix): () => string {
  const random = seeded(8);
  return () => {
    if (random() >= mix.downloadShare) return `/materials/documents?materialId=${material(Math.floor(random() * MATERIALS))}`;
    const partNumber = material(Math.floor(random() * mix.downloadedMaterials));
    return `/materials/documents/download?${new URLSearchParams({ materialId: partNumber, column: 'Drawing', fileName: `${partNumber}.pdf` })}`;
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const growth = (from: number, to: number) => (to - from) / from;
const percent = (ratio: number) => `${ratio >= 0 ? '+' : ''}${(ratio * 100).toFixed(1)}%`;

interface RunResult {
  mix: Mix;
  reuse: boolean;
  rows: Map<string, string>;
  failures: string[];
  timeouts: number;
}

/** One run on fresh servers (cold caches, fresh budget): the mix at full load for DURATION_S. */
async function runOnce(mix: Mix, reuse: boolean): Promise<RunResult> {
  const servers: ServerProcess[] = [];
  try {
    const mock = await startServer('mock');
    servers.push(mock);
    const adapter = await startServer('adapter', { LOAD_MOCK_URL: mock.url, LOAD_REUSE_REDIRECTS: reuse ? '1' : '0' });
    servers.push(adapter);
    const start = await adapter.memory();
    const nextPath = nextPathFactory(mix);
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
    const name = `${mix.name}, reuse ${reuse ? 'on' : 'off'}`;
    const rows = new Map<string, string>([
      ['requests/s', `${result.requests.average.toFixed(0)} (total ${result.requests.total})`],
      ['latency', `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`],
      ['answers by status', byStatus.join(', ') || 'none'],
      ['client errors', `${result.errors} (timeouts ${result.timeouts})`],
      [
        'OpenBOM API requests',
        `${api.length} (${api.filter((entry) => entry.path.startsWith('/document/')).length} redirects, ${upstream.filter((entry) => entry.status === 429).length} × 429)`,
      ],
      ['storage requests', String(upstream.length - api.length)],
      ['max API requests/s', `${maxApiPerSecond} (limit ${OPENBOM_LIMIT})`],
      ['memory start', `rss ${mib(start.rss)}, heap ${mib(start.heapUsed)}`],
      ['memory end', `rss ${mib(end.rss)}, heap ${mib(end.heapUsed)}`],
      ['heap growth, 2nd half', `${percent(heapGrowth)} (target ≤ ${MAX_HEAP_GROWTH * 100}%)`],
    ]);
    const failures = [
      ...(maxApiPerSecond > OPENBOM_LIMIT
        ? [`${name}: OpenBOM saw ${maxApiPerSecond} API requests in one second (limit ${OPENBOM_LIMIT})`]
        : []),
      ...(heapGrowth > MAX_HEAP_GROWTH ? [`${name}: the heap grew ${percent(heapGrowth)} over the second half`] : []),
    ];
    return { mix, reuse, rows, failures, timeouts: result.timeouts };
  } finally {
    for (const server of servers) server.child.kill();
  }
}

async function runLoad(): Promise<void> {
  const results: RunResult[] = [];
  for (const mix of MIXES) for (const reuse of [false, true]) results.push(await runOnce(mix, reuse));

  process.stdout.write(`load: ${CONNECTIONS} connections, ${DURATION_S} s per run, ${MATERIALS} materials; fresh servers per run\n`);
  for (const mix of MIXES) {
    process.stdout.write(
      `\nmix "${mix.name}": ${Math.round(mix.downloadShare * 100)}% downloads of ${mix.downloadedMaterials} files, the rest listings of ${MATERIALS} materials\n`,
    );
    const [off, on] = [false, true].map((reuse) => results.find((result) => result.mix === mix && result.reuse === reuse)!);
    const names = [...off!.rows.keys()];
    const width = Math.max(...names.map((name) => name.length));
    const columnWidth = Math.max(...[...off!.rows.values()].map((value) => value.length), 'redirect reuse off (before)'.length);
    process.stdout.write(`${''.padEnd(width)}  ${'redirect reuse off (before)'.padEnd(columnWidth)}  redirect reuse on\n`);
    for (const name of names)
      process.stdout.write(`${name.padEnd(width)}  ${off!.rows.get(name)!.padEnd(columnWidth)}  ${on!.rows.get(name)}\n`);
  }

  const failures = results.flatMap((result) => result.failures);
  const repeatWithReuse = results.find((result) => result.mix.name === 'repeat' && result.reuse)!;
  if (repeatWithReuse.timeouts > 0) failures.push(`repeat, reuse on: ${repeatWithReuse.timeouts} client timeouts (goal: none)`);
  for (const failure of failures) process.stderr.write(`FAIL: ${failure}\n`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

const role = process.env.LOAD_ROLE;
if (role === 'mock' || role === 'adapter') await runServer(role);
else await runLoad();
