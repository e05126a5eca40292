/**
 * `jakamo-kit serve` starting up (issues 15.3 and 18.8), the built CLI in a child process against the mock on real
 * sockets: it logs in and loads the part index while already serving, tells a wrong setting in one line and keeps
 * serving, answers /healthz, /readyz and /metrics, and any start-up failure ends the process with one line.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { createMockApp } from '../../src/mock/app.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { runCli, spawnCli } from '../support/cli.js';
import { missing } from '../support/prerequisites.js';
import { RedisServer, redisServer } from '../replicas/support/redis-server.js';

const KEY = 'serve-start-key-7d31c0';
const ENV = {
  JAKAMO_API_KEYS: KEY,
  OPENBOM_APP_KEY: 'demo-app-key',
  OPENBOM_USERNAME: 'demo@example.com',
  OPENBOM_PASSWORD: 'demo-password',
};
const children = new Set<ChildProcess>();
let mock: RunningServer;

beforeAll(async () => {
  // No rate limit: each test starts its own serve, and two processes together may exceed 5 requests/s per app key.
  const app = createMockApp({ fixture: loadDefaultFixture(), rateLimit: 0 });
  mock = await listen({ fetch: (request, env) => app.fetch(request, env) });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await mock.close();
});

interface Serve {
  url: string;
  metricsUrl: string | undefined;
  lines: Array<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

/** Starts `serve` on a free port; resolves with its start-up line's URLs, and keeps collecting its log lines. */
function startServe(args: string[], env: Record<string, string> = {}): Promise<Serve> {
  const child = spawnCli(['serve', '--port', '0', '--data-dir', `/tmp/jk-serve-start-${process.pid}`, ...args], {
    env: { PATH: process.env.PATH, ...ENV, ...env },
  });
  children.add(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => (children.delete(child), done(code))));
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((started, failed) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === 'jakamo-kit serve listening') {
        started({
          url: entry.url as string,
          metricsUrl: entry.metrics as string | undefined,
          lines,
          stop: () => (child.kill('SIGTERM'), exited),
        });
      }
    });
    void exited.then((code) => failed(new Error(`serve exited with ${code} before listening: ${stderr}`)));
  });
}

const readyz = async (serve: Serve) => {
  const response = await fetch(`${serve.url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('serve at start', () => {
  it('loads the index while serving: /healthz at once, /readyz 200 once loaded, /metrics on its own port', async () => {
    const serve = await startServe(['--openbom-url', mock.url, '--metrics-port', '0']);
    try {
      expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
      await vi.waitFor(async () => expect((await readyz(serve)).status).toBe(200), { timeout: 10_000, interval: 50 });
      expect(serve.lines.filter((line) => line.msg === 'part index loaded')).toHaveLength(1);
      const listing = await fetch(`${serve.url}/materials/documents?materialId=55-554354`, { headers: { 'X-API-KEY': KEY } });
      expect(listing.status).toBe(200);
      expect(serve.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const metrics = await fetch(serve.metricsUrl!);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toMatch(/^jakamo_kit_jakamo_requests_total\{route="\/materials\/documents",status="200"\} 1$/m);
      expect(text).toMatch(/^jakamo_kit_openbom_requests_total\{endpoint="POST \/login",status="200"\} 1$/m);
      expect(text).toMatch(/^jakamo_kit_part_index_loaded 1$/m);
      expect(text).toMatch(/^jakamo_kit_process_resident_memory_bytes \d+/m);
      // The metrics port serves nothing else, and the main port does not serve metrics.
      expect((await fetch(`${serve.url}/metrics`)).status).toBe(404);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it.each([
    ['a wrong password', { OPENBOM_PASSWORD: 'not-the-password-51' }, 'check OPENBOM_USERNAME and OPENBOM_PASSWORD'],
    ['a wrong app key', { OPENBOM_APP_KEY: 'not-the-app-key-51' }, 'check OPENBOM_APP_KEY'],
  ])('with %s: one line naming the setting, /readyz 503 with the reason, and still serving', async (_, env, hint) => {
    const serve = await startServe(['--openbom-url', mock.url], env);
    try {
      await vi.waitFor(
        () => expect(serve.lines.some((line) => line.msg?.toString().startsWith('openbom not usable at start'))).toBe(true),
        { timeout: 10_000, interval: 50 },
      );
      const told = serve.lines.filter((line) => line.level === 'error' || line.level === 'warn');
      expect(told).toEqual([expect.objectContaining({ level: 'error', problem: expect.stringContaining(hint) })]);
      const { status, body } = await readyz(serve);
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 'not ready', reason: expect.stringContaining(hint) });
      expect(JSON.stringify([serve.lines, body])).not.toContain(Object.values(env)[0]);
      expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  it('with OpenBOM unreachable: a line naming --openbom-url, and /readyz 503', async () => {
    const serve = await startServe(['--openbom-url', 'http://127.0.0.1:9', '--max-retries', '0']);
    try {
      await vi.waitFor(
        async () => expect((await readyz(serve)).body).toMatchObject({ reason: expect.stringContaining('--openbom-url (OPENBOM_URL)') }),
        { timeout: 10_000, interval: 50 },
      );
      expect(serve.lines.filter((line) => line.level === 'error')).toEqual([
        expect.objectContaining({ problem: expect.stringContaining('--openbom-url') }),
      ]);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});

describe('serve start-up failures end the process, in one line', () => {
  it.each([
    ['--port', (port: number) => ['--port', String(port)]],
    ['--metrics-port', (port: number) => ['--port', '0', '--metrics-port', String(port)]],
  ])('a busy %s: exit 2 and one line saying so', async (option, args) => {
    const { port, server } = await occupiedPort();
    try {
      const result = runCli(['serve', '--openbom-url', mock.url, ...args(port)], { env: { PATH: process.env.PATH, ...ENV } });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`jakamo-kit: ${option}: port ${port} on 127.0.0.1 is already in use (0 picks a free one)\n`);
    } finally {
      server.close();
    }
  });

  it('names every missing secret at once', () => {
    const result = runCli(['serve'], { env: { PATH: process.env.PATH } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(
      /^jakamo-kit: JAKAMO_API_KEYS, OPENBOM_APP_KEY, OPENBOM_USERNAME, OPENBOM_PASSWORD are not set \(.*\)\n$/,
    );
  });
});

describe.skipIf(missing(redisServer))('serve with Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('exits (2, one line) when its port is busy, instead of staying alive holding Redis connections', async () => {
    const { port, server } = await occupiedPort();
    try {
      const result = runCli(['serve', '--openbom-url', mock.url, '--port', String(port), '--state-url', redis.url], {
        env: { PATH: process.env.PATH, ...ENV },
      });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`jakamo-kit: --port: port ${port} on 127.0.0.1 is already in use (0 picks a free one)\n`);
    } finally {
      server.close();
    }
  });

  it('answers /readyz 503 while Redis is down and 200 once it is back', async () => {
    const serve = await startServe(['--openbom-url', mock.url, '--state-url', redis.url]);
    try {
      await vi.waitFor(async () => expect((await readyz(serve)).status).toBe(200), { timeout: 10_000, interval: 50 });
      await redis.stop();
      await vi.waitFor(
        async () => expect(await readyz(serve)).toMatchObject({ status: 503, body: { reason: 'the shared state (Redis) is unreachable' } }),
        { timeout: 10_000, interval: 50 },
      );
      expect((await fetch(`${serve.url}/healthz`)).status).toBe(200);
      await redis.restart();
      await vi.waitFor(async () => expect((await readyz(serve)).status).toBe(200), { timeout: 10_000, interval: 100 });
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});
