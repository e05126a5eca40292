/**
 * What a request can make a server write: a log line and an error body carry at most a bounded, escaped excerpt of
 * the path and parameters sent (issue 18.3: 8 KiB paths, logged and echoed in full, wrote 367 MiB of log in 10 s).
 * On real sockets, for the adapter, the demo's origin and the mock (excerpt() and the logger: test/shared/excerpt.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockApp } from '../../src/mock/app.js';
import { DEFAULT_LIMITS, ERROR_MESSAGE_MAX_CHARS } from '../../src/shared/limits.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { APP_KEY, buildTestFixture } from '../mock/fixture-builder.js';
import { API_KEY, API_KEY_HEADER, createDemoTarget, type AdapterTarget } from '../fuzz/support/targets.js';

/** One request line's worth of log: method, an excerpt of the path, status, timings. */
const MAX_LOG_LINE_BYTES = 600;
/** An error body around one or a few excerpts. */
const MAX_ERROR_BODY_BYTES = 1_200;

let target: AdapterTarget & { demo: { fetch: (request: Request) => Response | Promise<Response> } };
let adapter: RunningServer;
let demo: RunningServer;
let mock: RunningServer;
const mockLogger = createMemoryLogger();

beforeAll(async () => {
  target = await createDemoTarget();
  adapter = await listen(target.app);
  demo = await listen(target.demo);
  mock = await listen(createMockApp({ fixture: buildTestFixture(), rateLimit: 0, logger: mockLogger }));
});

afterAll(async () => {
  await Promise.all([adapter?.close(), demo?.close(), mock?.close()]);
  await target?.close();
});

const adapterLog = () => target.loggers[0]!.lines;
/** A path as long as the URL limit allows (8 KiB in all), made of a hostile mix: text, a newline, a bidi override. */
const longPath = (prefix: string) => `${prefix}${'%0A%E2%80%AEx'.repeat(Math.floor((DEFAULT_LIMITS.maxUrlLength - prefix.length) / 13))}`;
const bytes = (text: string) => Buffer.byteLength(text);

describe('the adapter on a socket, for requests without a key', () => {
  it.each([
    ['an unknown path', '/', 404],
    ['a guarded path', '/materials/', 401],
  ])('%s of 8 KiB: one log line of a few hundred bytes, naming the length that was sent', async (_case, prefix, status) => {
    const path = longPath(prefix);
    expect(path.length).toBeGreaterThan(DEFAULT_LIMITS.maxUrlLength - 20);
    const before = adapterLog().length;
    const response = await fetch(`${adapter.url}${path}`);
    expect(response.status).toBe(status);
    const body = await response.text();

    const lines = adapterLog().slice(before);
    expect(lines).toHaveLength(1);
    expect(bytes(lines[0]!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const logged = JSON.parse(lines[0]!) as { msg: string; path: string; status: number };
    expect(logged).toMatchObject({ msg: 'request', status });
    expect(logged.path.startsWith(path.slice(0, 100))).toBe(true);
    expect(logged.path).toMatch(new RegExp(`… \\(${path.length} chars\\)$`));
    expect(bytes(body)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
  });

  it('the 404 body quotes an escaped excerpt of the path: no newline, no bidi control, the original length', async () => {
    for (const server of [adapter, demo]) {
      const path = longPath('/nowhere/');
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(404);
      const body = await response.text();
      expect(bytes(body)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
      const { errors } = JSON.parse(body) as { errors: Array<{ message: string }> };
      const message = errors[0]!.message;
      expect(message).toMatch(/^No such endpoint: GET \/nowhere\/\\u\{a\}\\u\{202e\}x/);
      expect(message).toMatch(/… \(\d+ chars\)$/);
      expect(message).not.toMatch(/[\n\u202e]/);
    }
  });

  it('47,000 such requests would log a few tens of MiB, not 367: the log grows by a bounded amount per request', async () => {
    const before = adapterLog().length;
    const path = longPath('/');
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const response = await fetch(`${adapter.url}${path}`);
        await response.body?.cancel();
      }),
    );
    const lines = adapterLog().slice(before);
    expect(lines).toHaveLength(50);
    const logBytes = lines.reduce((sum, line) => sum + bytes(line), 0);
    expect(logBytes).toBeLessThanOrEqual(50 * MAX_LOG_LINE_BYTES);
    expect(logBytes).toBeLessThan(50 * path.length); // what the log took before: more than the path, per request
  });
});

describe('the adapter on a socket, with the key', () => {
  it('a download of an unknown file quotes bounded excerpts of each parameter', async () => {
    const query = new URLSearchParams({
      materialId: '55-554354',
      revision: 'r'.repeat(500),
      column: 'c'.repeat(2_000),
      fileName: 'f\u202e'.repeat(300),
    });
    const before = adapterLog().length;
    const response = await fetch(`${adapter.url}/materials/documents/download?${query}`, { headers: { [API_KEY_HEADER]: API_KEY } });
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(bytes(body)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
    const message = (JSON.parse(body) as { errors: Array<{ message: string }> }).errors[0]!.message;
    expect(message).toContain('… (2000 chars)');
    expect(message).toContain('f\\u{202e}f');
    expect(message).not.toContain('\u202e');
    const requestLine = adapterLog()
      .slice(before)
      .find((line) => line.includes('"msg":"request"'));
    expect(bytes(requestLine!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
  });
});

describe('the mock on a socket', () => {
  it('an error that quotes what the request sent (a user name) stays bounded and escaped', async () => {
    const username = `${'u'.repeat(60_000)}\n`;
    const response = await fetch(`${mock.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-openbom-appkey': APP_KEY },
      body: JSON.stringify({ username: `\u202e${username}`, password: 'wrong' }),
    });
    expect(response.status).toBe(401);
    const { error } = (await response.json()) as { error: string };
    expect(error.length).toBeLessThanOrEqual(ERROR_MESSAGE_MAX_CHARS + 30);
    expect(error).toMatch(/^Unable to authenticate user\[\\u\{202e\}u+… \(600\d\d chars\)$/);
  });
});
