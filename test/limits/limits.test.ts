/**
 * The request limits of every server (mock, adapter, demo) on real sockets, with small limits so slow clients are
 * cut off within the test: over-long URL → 414, oversized head → 431, a head or body that is too slow → 408 and the
 * connection closed, each in that API's own error shape; oversized bodies on the mock → 413; connection cap.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Hono } from 'hono';
import { createMockApp } from '../../src/mock/app.js';
import { DEFAULT_LIMITS } from '../../src/shared/limits.js';
import { listen, type FetchApp, type ListenOptions, type RunningServer } from '../../src/shared/server.js';
import { APP_KEY, PASSWORD, USERNAME, buildTestFixture } from '../mock/fixture-builder.js';
import { exchange, parseResponses } from '../fuzz/support/raw-http.js';
import { API_KEY, API_KEY_HEADER, createDemoTarget, type AdapterTarget } from '../fuzz/support/targets.js';
import { loadSpec, type LoadedSpec } from '../support/openapi.js';

// Short enough for the test, long enough that a busy machine (50 ms between drips here) does not trip them by accident.
const LIMITS = {
  maxUrlLength: 1024,
  maxHeaderSize: 4096,
  headersTimeoutMs: 300,
  requestTimeoutMs: 900,
  bodyIdleTimeoutMs: 300,
} satisfies ListenOptions;

interface ServerUnderTest {
  name: string;
  spec: LoadedSpec;
  /** A GET that is served normally, and the headers it needs. */
  get: string;
  headers: Record<string, string>;
  /** A request whose body the server reads (so a stalled body is noticed while it is being read). */
  upload: { path: string; headers: Record<string, string> };
  /** The message of an error answer, whatever the API's shape. */
  messageOf(body: any): string;
}

const servers = new Map<string, RunningServer>();
let adapterTarget: (AdapterTarget & { demo: FetchApp }) | undefined;

const UNDER_TEST: ServerUnderTest[] = [
  {
    name: 'mock',
    spec: loadSpec('spec/openbom.yaml'),
    get: '/catalogs',
    headers: { 'x-openbom-appkey': APP_KEY },
    upload: { path: '/login', headers: { 'x-openbom-appkey': APP_KEY, 'content-type': 'application/json' } },
    messageOf: (body) => body.error,
  },
  {
    name: 'adapter',
    spec: loadSpec('spec/jakamo-file-callback.yaml'),
    get: '/materials/documents?materialId=55-554354',
    headers: { [API_KEY_HEADER]: API_KEY },
    upload: { path: '/suppliers/54454543/documents', headers: { [API_KEY_HEADER]: API_KEY, 'content-type': 'application/json' } },
    messageOf: (body) => body.errors[0].message,
  },
  {
    name: 'demo',
    spec: loadSpec('spec/jakamo-file-callback.yaml'),
    get: '/materials/documents?materialId=55-554354',
    headers: { [API_KEY_HEADER]: API_KEY },
    upload: { path: '/suppliers/54454543/documents', headers: { [API_KEY_HEADER]: API_KEY, 'content-type': 'application/json' } },
    messageOf: (body) => body.errors[0].message,
  },
];

beforeAll(async () => {
  adapterTarget = await createDemoTarget();
  const mock = createMockApp({ fixture: buildTestFixture(), rateLimit: 0, maxBodyBytes: 64 * 1024 });
  servers.set('mock', await listen(mock, LIMITS));
  const login = await mock.request('/login', {
    method: 'POST',
    headers: UNDER_TEST[0]!.upload.headers,
    body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
  });
  UNDER_TEST[0]!.headers['x-openbom-accesstoken'] = ((await login.json()) as { access_token: string }).access_token;
  servers.set('adapter', await listen(adapterTarget.app, LIMITS));
  servers.set('demo', await listen(adapterTarget.demo, LIMITS));
  // Compiling a validator or filling a cache blocks the event loop; with timeouts this short, a block while a test
  // runs would time out innocent requests. Both happen here, before the clocks matter.
  for (const server of UNDER_TEST) {
    server.spec.validatorAt('/components/schemas/Error');
    const warm = await fetch(`${servers.get(server.name)!.url}${server.get}`, { headers: server.headers });
    expect(warm.status).toBe(200);
    await warm.body?.cancel();
  }
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((server) => server.close()));
  await adapterTarget?.close();
});

const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

// Each server's cases run concurrently (they wait on timeouts); the servers keep serving afterwards (checked below).
describe.concurrent.each(UNDER_TEST)('limits of the $name on a socket', (server) => {
  const port = () => servers.get(server.name)!.port;
  const url = (target: string) => `${servers.get(server.name)!.url}${target}`;
  const errorShape = (body: unknown) => server.spec.validatorAt('/components/schemas/Error')(body);
  const headerLines = Object.entries(server.headers).map(([name, value]) => `${name}: ${value}`);

  it('serves a URL of exactly the limit, and answers one byte longer with 414 in its own error shape', async () => {
    const padded = (length: number) =>
      `${server.get}${server.get.includes('?') ? '&' : '?'}pad=${'p'.repeat(length - server.get.length - 5)}`;
    const atLimit = await fetch(url(padded(LIMITS.maxUrlLength)), { headers: server.headers });
    expect(atLimit.status).toBe(200);
    await atLimit.body?.cancel();

    const over = await fetch(url(padded(LIMITS.maxUrlLength + 1)), { headers: server.headers });
    expect(over.status).toBe(414);
    expect(over.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await over.json();
    expect(errorShape(body)).toBe(true);
    expect(server.messageOf(body)).toBe(
      `The request URL is ${LIMITS.maxUrlLength + 1} bytes long; at most ${LIMITS.maxUrlLength} are accepted.`,
    );
  });

  it('answers a request head over maxHeaderSize with 431 in its own error shape, and closes the connection', async () => {
    const response = await fetch(url(server.get), { headers: { ...server.headers, 'x-padding': 'h'.repeat(LIMITS.maxHeaderSize) } });
    expect(response.status).toBe(431);
    expect(response.headers.get('connection')).toBe('close');
    const body = await response.json();
    expect(errorShape(body)).toBe(true);
    expect(server.messageOf(body)).toBe(`The request line and headers exceed ${LIMITS.maxHeaderSize} bytes.`);
  });

  it('cuts off a head trickled slower than headersTimeoutMs with 408', async () => {
    const lines = [
      `GET ${server.get} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...headerLines,
      ...Array.from({ length: 20 }, (_, i) => `X-Slow-${i}: x`),
    ];
    const { data, elapsedMs, piecesSent } = await exchange(
      port(),
      lines.map((line) => `${line}\r\n`),
      { delayMs: 50, end: false },
    );
    const [response] = parseResponses(data, false);
    expect(response?.status).toBe(408);
    expect(errorShape(JSON.parse(response!.body.toString()))).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 20);
    // Cut off while the client was still sending its head: not after it, however busy the machine.
    expect(piecesSent).toBeLessThan(lines.length);
  });

  it('cuts off a body that stops arriving for bodyIdleTimeoutMs with 408, and closes the connection', async () => {
    const start = head([
      `POST ${server.upload.path} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...Object.entries(server.upload.headers).map(([n, v]) => `${n}: ${v}`),
      'Content-Length: 1000',
    ]);
    const { data, elapsedMs } = await exchange(port(), [start, '{"fileName":'], { end: false });
    const [response] = parseResponses(data, false);
    expect(response?.status).toBe(408);
    const body = JSON.parse(response!.body.toString());
    expect(errorShape(body)).toBe(true);
    expect(server.messageOf(body)).toBe(`The request body stalled for ${LIMITS.bodyIdleTimeoutMs} ms.`);
    expect(elapsedMs).toBeGreaterThanOrEqual(LIMITS.bodyIdleTimeoutMs - 20);
    expect(elapsedMs).toBeLessThan(LIMITS.requestTimeoutMs);
  });

  it('cuts off a body that keeps trickling at requestTimeoutMs (a slowloris never goes idle)', async () => {
    const start = head([
      `POST ${server.upload.path} HTTP/1.1`,
      'Host: 127.0.0.1',
      ...Object.entries(server.upload.headers).map(([n, v]) => `${n}: ${v}`),
      'Content-Length: 1000',
    ]);
    const drip = Array.from({ length: 60 }, () => ' ');
    const { data, elapsedMs, piecesSent } = await exchange(port(), [start, ...drip], { delayMs: 50, end: false });
    const [response] = parseResponses(data, false);
    expect(response?.status).toBe(408);
    expect(errorShape(JSON.parse(response!.body.toString()))).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 20);
    // Cut off mid-drip: the request never completed (60 drips take 3 s, three times the limit).
    expect(piecesSent).toBeLessThan(1 + drip.length);
  });

  it('answers a request without Host, or with a malformed one, with 400 in its own error shape', async () => {
    for (const hostLine of [[], ['Host: a b']]) {
      const { data } = await exchange(port(), head([`GET ${server.get} HTTP/1.1`, ...hostLine, ...headerLines]));
      const [response] = parseResponses(data, false);
      expect(response?.status).toBe(400);
      expect(errorShape(JSON.parse(response!.body.toString()))).toBe(true);
    }
  });
});

describe('after all of that', () => {
  it.each(UNDER_TEST)('the $name still serves normally', async (server) => {
    const response = await fetch(`${servers.get(server.name)!.url}${server.get}`, { headers: server.headers });
    expect(response.status).toBe(200);
    await response.body?.cancel();
  });
});

describe('body size', () => {
  it('the mock answers a body over its limit with 413 in its own shape, without reading it all', async () => {
    const response = await fetch(`${servers.get('mock')!.url}/login`, {
      method: 'POST',
      headers: { 'x-openbom-appkey': APP_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'u', password: 'p'.repeat(64 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'Request entity too large.' });
  });

  it('the adapter and the demo answer a large body on a path that takes none at once (405), never buffering it', async () => {
    await Promise.all(
      ['adapter', 'demo'].map(async (name) => {
        const { data, elapsedMs } = await exchange(
          servers.get(name)!.port,
          [
            head([
              'POST /materials/documents HTTP/1.1',
              'Host: 127.0.0.1',
              `${API_KEY_HEADER}: ${API_KEY}`,
              `Content-Length: ${50 * 1024 * 1024}`,
            ]),
            'x'.repeat(64 * 1024),
          ],
          { end: false },
        );
        const [response] = parseResponses(data, false);
        expect(response?.status).toBe(405);
        expect(elapsedMs).toBeLessThan(LIMITS.requestTimeoutMs + 900);
      }),
    );
  });
});

describe('connection cap', () => {
  it('closes connections beyond maxConnections as they arrive, and serves again once one is free', async () => {
    const server = await listen(createMockApp({ fixture: buildTestFixture(), rateLimit: 0 }), { maxConnections: 2 });
    const open = () =>
      new Promise<Socket>((resolve) => {
        const socket = connect(server.port, '127.0.0.1', () => resolve(socket));
      });
    const connections = () =>
      new Promise<number>((resolve, reject) => server.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
    try {
      const held = [await open(), await open()];
      // The server has accepted both before the third arrives.
      await vi.waitFor(async () => expect(await connections()).toBe(2));
      const refused = await exchange(server.port, head(['GET /catalogs HTTP/1.1', 'Host: 127.0.0.1', `x-openbom-appkey: ${APP_KEY}`]));
      expect(refused.data.length).toBe(0);
      held[0]!.destroy();
      await vi.waitFor(async () => expect(await connections()).toBe(1));
      const served = await exchange(
        server.port,
        head(['GET /catalogs HTTP/1.1', 'Host: 127.0.0.1', `x-openbom-appkey: ${APP_KEY}`, 'Connection: close']),
      );
      expect(parseResponses(served.data, false)[0]?.status).toBe(401);
      held[1]!.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('limits without a socket, and their settings', () => {
  it('the URL limit applies in-process too (default 8 KiB), in each API shape', async () => {
    const mock = createMockApp({ fixture: buildTestFixture(), rateLimit: 0 });
    const long = `/catalogs?q=${'q'.repeat(DEFAULT_LIMITS.maxUrlLength)}`;
    const response = await mock.request(long, { headers: { 'x-openbom-appkey': APP_KEY } });
    expect(response.status).toBe(414);
    expect((await response.json()).error).toMatch(/^The request URL is \d+ bytes long; at most 8192 are accepted\.$/);
    const demo = await adapterTarget!.demo.fetch(new Request(`http://demo.test${long.replace('/catalogs', '/materials/documents')}`));
    expect(demo.status).toBe(414);
    expect(await demo.json()).toMatchObject({ message: 'URI too long', errors: [{ message: expect.stringContaining('at most 8192') }] });
  });

  it('an app without enforceLimits still gets the status, as Node would send it (no body)', async () => {
    const bare = new Hono().get('*', (c) => c.text('ok'));
    const server = await listen(bare, { maxHeaderSize: 2048 });
    try {
      const { data } = await exchange(server.port, head(['GET / HTTP/1.1', 'Host: 127.0.0.1', `X-Big: ${'b'.repeat(4096)}`]));
      const [response] = parseResponses(data, false);
      expect(response?.status).toBe(431);
      expect(response?.body.length).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('refuses settings that cannot work', async () => {
    const app = new Hono();
    await expect(listen(app, { headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).rejects.toThrow(
      'headersTimeoutMs must not exceed requestTimeoutMs',
    );
    await expect(listen(app, { maxUrlLength: 0 })).rejects.toThrow('maxUrlLength must be a positive integer');
  });
});
