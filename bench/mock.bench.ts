/**
 * The OpenBOM mock's performance:
 *  1. Throughput of `GET /bom/<id>` (the default fixture's largest BOM) through the mock, rate limit off, against a
 *     bare node:http server sending the same bytes; same autocannon settings, each server in its own child process.
 *     Target: mock ≥ 0.8 × bare in req/s. Beside them, the fastest any Hono app can be on the same listen(): one
 *     route, no middleware, a synchronous handler sending the same pre-encoded bytes — Hono's own ceiling.
 *     The three servers are measured in alternating rounds and each figure is the median of its rounds, so a burst
 *     of other load on the machine does not land on one server only. Also printed: each server's CPU time per
 *     request, which other load skews far less than req/s (with 2 cores, autocannon itself is often the bottleneck).
 *  2. Loading a generated 100k-part catalog (read + parseFixture + createMockApp) in a fresh process: time and RSS.
 *     Target: ≤ 2 s and ≤ 300 MB.
 *  3. Part-number lookups (`GET /catalog/<id>/item?partNumber=`) in a 1k- and a 100k-part catalog: equal times per
 *     lookup show the index at work (a scan would be ~100× slower at 100k).
 * Run: `node --import tsx bench/mock.bench.ts` (BENCH_SECONDS=5, BENCH_ROUNDS=3 and BENCH_CONNECTIONS=50 by default).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { generateFixtureYaml } from '../src/fixtures/generate.js';
import { loadDefaultFixture, parseFixture } from '../src/fixtures/load.js';
import { partNumberOf, type Fixture } from '../src/fixtures/types.js';
import { createMockApp } from '../src/mock/app.js';
import { listen } from '../src/shared/server.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LOOKUPS = 5000;

type ServerKind = 'serve-mock' | 'serve-bare' | 'serve-hono';
const role = process.argv[2] as ServerKind | 'load' | undefined;

if (role === 'serve-mock' || role === 'serve-bare' || role === 'serve-hono') await serve(role);
else if (role === 'load') await loadAndLookup(process.argv[3] ?? '');
else await main();

// ---- parent --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log(
    `GET /bom/<id>, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${SECONDS} s per server, autocannon on 127.0.0.1`,
  );
  const [mock, bare, hono] = await throughput(['serve-mock', 'serve-bare', 'serve-hono']);
  if (!mock || !bare || !hono) throw new Error('a throughput figure is missing');
  const row = (name: string, r: Throughput) =>
    `  ${name.padEnd(22)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(3)} ms   p99 ${String(r.p99).padStart(3)} ms   ` +
    `server CPU ${r.cpuMicrosPerRequest.toFixed(1).padStart(5)} µs/request   ${r.bytes} B/response   rounds: ${r.rounds.map((x) => x.toFixed(0)).join(', ')} req/s`;
  console.log(row('mock (rate limit off)', mock));
  console.log(row('bare node:http', bare));
  console.log(row('ceiling: minimal Hono', hono));
  const ratio = mock.rps / bare.rps;
  console.log(
    `  ratio mock / bare (req/s): ${ratio.toFixed(2)}   target ≥ 0.80: ${ratio >= 0.8 ? 'met' : 'MISSED'}` +
      `   (minimal Hono / bare: ${(hono.rps / bare.rps).toFixed(2)}, mock / minimal Hono: ${(mock.rps / hono.rps).toFixed(2)})`,
  );
  console.log(
    `  ratio bare / mock (server CPU per request): ${(bare.cpuMicrosPerRequest / mock.cpuMicrosPerRequest).toFixed(2)}` +
      `   (bare / minimal Hono: ${(bare.cpuMicrosPerRequest / hono.cpuMicrosPerRequest).toFixed(2)}, the framework's own ceiling)`,
  );

  // Generated here, loaded in a fresh process: the child's time and memory are the load's alone.
  const dir = mkdtempSync(join(tmpdir(), 'jk-mock-bench-'));
  const fixturePath = join(dir, 'generated-100k.yaml');
  const generateStarted = performance.now();
  writeFileSync(fixturePath, generateFixtureYaml({ seed: 1, parts: 100_000, catalogs: 1, boms: 3 }));
  const generateMs = performance.now() - generateStarted;
  const load = await child<LoadReport>(['load', fixturePath]).finally(() => rmSync(dir, { recursive: true, force: true }));
  console.log(`\nload of a generated ${load.parts.toLocaleString('en')}-part catalog (read + parseFixture + createMockApp, fresh process)`);
  console.log(
    `  time ${load.loadMs.toFixed(0)} ms (target ≤ 2000: ${load.loadMs <= 2000 ? 'met' : 'MISSED'})   RSS ${load.rssMb.toFixed(0)} MB (target ≤ 300: ${load.rssMb <= 300 ? 'met' : 'MISSED'})`,
  );
  console.log(
    `  [RSS of that process before loading (Node + tsx + modules): ${load.rssBeforeMb.toFixed(0)} MB; generating the YAML, not timed: ${generateMs.toFixed(0)} ms]`,
  );
  console.log(`part-number lookup, GET /catalog/<id>/item?partNumber=<random pn>, ${LOOKUPS} in-process requests each`);
  for (const lookup of load.lookups)
    console.log(`  ${lookup.parts.toLocaleString('en').padStart(7)} parts: ${lookup.microsPerLookup.toFixed(1)} µs per lookup`);
  const [small, large] = load.lookups;
  if (small && large)
    console.log(
      `  100k / 1k time ratio: ${(large.microsPerLookup / small.microsPerLookup).toFixed(2)} (≈ 1 means no scan; a scan would be ~100)`,
    );
}

interface Throughput {
  rps: number;
  p50: number;
  p99: number;
  bytes: number;
  cpuMicrosPerRequest: number;
  /** req/s of each round, in order. */
  rounds: number[];
}

/** Starts every server, then measures them in turn, round after round; the median round of each is its figure. */
async function throughput(kinds: ServerKind[]): Promise<Throughput[]> {
  const servers = kinds.map((kind) =>
    spawn(process.execPath, ['--import', 'tsx', import.meta.filename, kind], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] }),
  );
  try {
    const targets = await Promise.all(
      servers.map(async (server) => {
        const [line] = (await once(server.stdout!, 'data')) as [Buffer]; // stdio[1] is 'pipe'
        return JSON.parse(line.toString()) as { url: string; path: string; headers: Record<string, string> };
      }),
    );
    // A short warm-up so every server is measured with a hot JIT.
    for (const { url, path, headers } of targets) await autocannon({ url: url + path, headers, connections: CONNECTIONS, duration: 1 });
    const results: Throughput[][] = kinds.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, { url, path, headers }] of targets.entries()) {
        const server = servers[i]!;
        const cpuBefore = await serverCpuMicros(server);
        const result = await autocannon({ url: url + path, headers, connections: CONNECTIONS, duration: SECONDS });
        const cpuMicros = (await serverCpuMicros(server)) - cpuBefore;
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${kinds[i]}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        results[i]!.push({
          rps: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          bytes: Math.round(result.throughput.total / result.requests.total),
          cpuMicrosPerRequest: cpuMicros / result.requests.total,
          rounds: [],
        });
      }
    }
    return results.map((rounds) => {
      const byRps = [...rounds].sort((a, b) => a.rps - b.rps);
      const middle = byRps[Math.floor(byRps.length / 2)]!;
      const cpu = rounds.map((r) => r.cpuMicrosPerRequest).sort((a, b) => a - b);
      return { ...middle, cpuMicrosPerRequest: cpu[Math.floor(cpu.length / 2)]!, rounds: rounds.map((r) => r.rps) };
    });
  } finally {
    for (const server of servers) server.kill('SIGTERM');
  }
}

/** The server process's CPU time so far (user + system), asked over IPC: a per-request cost that other load on the machine does not skew. */
async function serverCpuMicros(server: ChildProcess): Promise<number> {
  server.send('cpu');
  const [usage] = (await once(server, 'message')) as [NodeJS.CpuUsage];
  return usage.user + usage.system;
}

interface LoadReport {
  parts: number;
  loadMs: number;
  rssMb: number;
  rssBeforeMb: number;
  lookups: Array<{ parts: number; microsPerLookup: number }>;
}

async function child<T>(args: string[]): Promise<T> {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', import.meta.filename, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(proc, 'exit')) as [number];
  if (code !== 0) throw new Error(`bench child ${args.join(' ')} exited ${code}`);
  return JSON.parse(out) as T;
}

// ---- children ------------------------------------------------------------------------------------

async function demoSession(fixture: Fixture, app: ReturnType<typeof createMockApp>) {
  const appKey = fixture.account.appKeys[0] ?? '';
  const user = fixture.account.users[0] ?? { username: '', password: '' };
  const login = await app.request('http://bench/login', {
    method: 'POST',
    headers: { 'x-openbom-appkey': appKey },
    body: JSON.stringify(user),
  });
  const { access_token } = (await login.json()) as { access_token: string };
  return { 'x-openbom-appkey': appKey, 'x-openbom-accesstoken': access_token };
}

/**
 * Serves the biggest BOM of the default fixture: through the mock, as the same bytes from a bare node:http server,
 * or from a minimal Hono app on the same listen().
 */
async function serve(kind: ServerKind): Promise<void> {
  const fixture = loadDefaultFixture();
  const app = createMockApp({ fixture, rateLimit: 0 });
  const headers = await demoSession(fixture, app);
  const bom = [...fixture.boms].sort((a, b) => b.rows.length - a.rows.length)[0];
  if (!bom) throw new Error('the default fixture has no BOM');
  const path = `/bom/${bom.id}`;
  const servers: Record<ServerKind, () => Promise<string>> = {
    'serve-mock': async () => (await listen(app, { host: '127.0.0.1', port: 0 })).url,
    'serve-bare': () => serveBare(app, path, headers),
    'serve-hono': () => serveMinimalHono(app, path, headers),
  };
  const url = await servers[kind]();
  process.on('message', () => process.send?.(process.cpuUsage()));
  process.stdout.write(`${JSON.stringify({ url, path, headers })}\n`);
  process.once('SIGTERM', () => process.exit(0));
}

/** A bare node:http server answering every request with the exact bytes the mock sends for `path` on its origin. */
async function serveBare(app: ReturnType<typeof createMockApp>, path: string, headers: Record<string, string>): Promise<string> {
  let body = Buffer.alloc(0);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.byteLength });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  // Same origin as the server, so the file URLs in the body are the ones the mock would send.
  body = Buffer.from(await (await app.request(`${url}${path}`, { headers })).arrayBuffer());
  return url;
}

/**
 * The fastest a Hono app can answer on our listen(): one route, no middleware, a synchronous handler returning the
 * same pre-encoded bytes (Hono then skips compose and @hono/node-server writes the response without awaiting).
 */
async function serveMinimalHono(app: ReturnType<typeof createMockApp>, path: string, headers: Record<string, string>): Promise<string> {
  let body = new Uint8Array(0);
  const minimal = new Hono();
  minimal.get('/bom/:bomId', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
  const { url } = await listen(minimal, { host: '127.0.0.1', port: 0 });
  body = new Uint8Array(await (await app.request(`${url}${path}`, { headers })).arrayBuffer());
  return url;
}

async function loadAndLookup(fixturePath: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const rssBeforeMb = process.memoryUsage().rss / 1024 / 1024;
  const started = performance.now();
  const large = parseFixture(readFileSync(fixturePath, 'utf8'), { sourceName: fixturePath });
  const largeApp = createMockApp({ fixture: large, rateLimit: 0 });
  const loadMs = performance.now() - started;
  gc();
  const rssMb = process.memoryUsage().rss / 1024 / 1024;

  const smallFixture = parseFixture(generateFixtureYaml({ seed: 1, parts: 1_000, catalogs: 1, boms: 3 }));
  const smallApp = createMockApp({ fixture: smallFixture, rateLimit: 0 });
  // Each size measured twice, alternating, best of two: the first rounds also warm the JIT up.
  const sizes = [
    { fixture: smallFixture, app: smallApp, best: Number.POSITIVE_INFINITY },
    { fixture: large, app: largeApp, best: Number.POSITIVE_INFINITY },
  ];
  for (let round = 0; round < 2; round++) {
    for (const size of sizes) size.best = Math.min(size.best, await timeLookups(size.fixture, size.app));
  }
  const lookups = sizes.map((size) => ({ parts: size.fixture.catalogs[0]?.parts.length ?? 0, microsPerLookup: size.best }));
  const report: LoadReport = { parts: large.catalogs.reduce((n, c) => n + c.parts.length, 0), loadMs, rssMb, rssBeforeMb, lookups };
  process.stdout.write(JSON.stringify(report));
}

async function timeLookups(fixture: Fixture, app: ReturnType<typeof createMockApp>): Promise<number> {
  const headers = await demoSession(fixture, app);
  const catalog = fixture.catalogs[0];
  if (!catalog) throw new Error('no catalog');
  const partNumbers = catalog.parts.map((part) => partNumberOf(part.row));
  const pick = (i: number) => encodeURIComponent(partNumbers[(i * 7919) % partNumbers.length] ?? '');
  const request = async (i: number) => {
    const res = await app.request(`http://bench/catalog/${catalog.id}/item?partNumber=${pick(i)}`, { headers });
    if (res.status !== 200) throw new Error(`lookup answered ${res.status}`);
    await res.arrayBuffer();
  };
  for (let i = 0; i < 500; i++) await request(i); // warm-up
  const started = performance.now();
  for (let i = 0; i < LOOKUPS; i++) await request(i);
  return ((performance.now() - started) * 1000) / LOOKUPS;
}
