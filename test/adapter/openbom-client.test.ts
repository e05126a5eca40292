import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { createOpenBomClient, OpenBomError, parseRetryAfter, UnsafeFileUrlError, type OpenBomClientOptions } from '../../src/adapter/openbom-client.js';
import { API_ORIGIN, APP_KEY, createFakeOpenBom, fileUrl, PASSWORD, STORAGE_ORIGIN, USERNAME, type FakeOpenBom } from './support/fake-openbom.js';

function setup(overrides: Partial<OpenBomClientOptions> = {}) {
  const fake = createFakeOpenBom();
  const clock = new ManualClock();
  const logger = createMemoryLogger();
  const sleeps: number[] = [];
  const client = createOpenBomClient({
    baseUrl: API_ORIGIN,
    appKey: APP_KEY,
    username: USERNAME,
    password: PASSWORD,
    // Late-bound so a test can wrap fake.fetch after the client exists.
    fetch: (input, init) => fake.fetch(input, init),
    clock,
    requestsPerSecond: 5,
    timeoutMs: 1_000,
    maxRetries: 3,
    logger,
    // Waiting moves the manual clock instead of real time, after letting whatever was already granted run.
    sleep: async (ms) => {
      await new Promise((resolve) => setImmediate(resolve));
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { fake, clock, logger, sleeps, client };
}

const paths = (fake: FakeOpenBom) => fake.apiCalls().map((call) => `${call.method} ${new URL(call.url).pathname}`);

describe('OpenBOM client: authentication', () => {
  it('logs in once for many concurrent requests and sends the app key and token on each', async () => {
    const { fake, client } = setup({ requestsPerSecond: 100 });
    await Promise.all(Array.from({ length: 10 }, () => client.listCatalogs()));
    expect(paths(fake).filter((p) => p === 'POST /login')).toHaveLength(1);
    const catalogCalls = fake.apiCalls().filter((call) => call.url.endsWith('/catalogs'));
    expect(catalogCalls).toHaveLength(10);
    for (const call of catalogCalls) {
      expect(call.headers['x-openbom-appkey']).toBe(APP_KEY);
      expect(call.headers['x-openbom-accesstoken']).toMatch(/^access-1-/);
    }
  });

  it('renews with the refresh token shortly before the access token expires', async () => {
    const { fake, client, clock } = setup();
    fake.tokenTtlSeconds = 3600;
    await client.listCatalogs();
    clock.advance(3600_000 - 30_000); // inside the renewal margin, before expiry
    await client.listCatalogs();
    expect(paths(fake)).toEqual(['POST /login', 'GET /catalogs', 'POST /token/renew', 'GET /catalogs']);
    expect(fake.apiCalls().at(-1)!.headers['x-openbom-accesstoken']).toMatch(/^access-2-/);
  });

  it('renews after a 401 and repeats the request without spending the retry budget', async () => {
    const { fake, client } = setup({ maxRetries: 0 });
    await client.listCatalogs();
    fake.expireTokens();
    await expect(client.listCatalogs()).resolves.toHaveLength(2);
    expect(paths(fake)).toEqual(['POST /login', 'GET /catalogs', 'GET /catalogs', 'POST /token/renew', 'GET /catalogs']);
  });

  it('falls back to a full login when renewal is refused', async () => {
    const { fake, client } = setup();
    await client.listCatalogs();
    fake.expireTokens();
    fake.intercept = (request) =>
      request.url.endsWith('/token/renew') ? Response.json({ error: 'Error renewing access token' }, { status: 401 }) : undefined;
    await expect(client.listCatalogs()).resolves.toHaveLength(2);
    expect(paths(fake).slice(2)).toEqual(['GET /catalogs', 'POST /token/renew', 'POST /login', 'GET /catalogs']);
  });

  it('fails with OpenBomError when the credentials are refused, and logs no secret', async () => {
    const { client, logger } = setup({ password: 'wrong-password-value' });
    await expect(client.listCatalogs()).rejects.toThrow(OpenBomError);
    const logged = logger.lines.join('\n');
    for (const secret of [APP_KEY, 'wrong-password-value', USERNAME]) expect(logged).not.toContain(secret);
  });
});

describe('OpenBOM client: rate limit and retries', () => {
  it('never starts more requests than allowed in any window, across concurrent callers', async () => {
    const { fake, client, clock } = setup({ requestsPerSecond: 5 });
    const startedAt: number[] = [];
    const inner = fake.fetch;
    fake.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      startedAt.push(clock.now());
      return inner(input, init);
    }) as typeof fetch;
    await Promise.all(Array.from({ length: 16 }, () => client.listCatalogs()));
    expect(startedAt).toHaveLength(17); // one login + 16 listings
    for (let i = 5; i < startedAt.length; i++) expect(startedAt[i]! - startedAt[i - 5]!).toBeGreaterThanOrEqual(1050);
    // A queue, not a crawl: 17 starts at 5 per window need three waits.
    expect(startedAt.at(-1)! - startedAt[0]!).toBe(3 * 1050);
  });

  it('honours Retry-After on 429 and holds every request back meanwhile', async () => {
    const { fake, client, sleeps } = setup();
    let limited = 2;
    fake.intercept = (request) =>
      request.url.endsWith('/catalogs') && limited-- > 0
        ? Response.json({ error: 'Too many requests. The limit is 5 requests per second.' }, { status: 429, headers: { 'Retry-After': '2' } })
        : undefined;
    await expect(client.listCatalogs()).resolves.toHaveLength(2);
    expect(sleeps.filter((ms) => ms >= 2000)).toHaveLength(2);
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(3);
  });

  it('gives up at once when Retry-After asks for longer than a caller would wait', async () => {
    const { fake, client, sleeps } = setup();
    fake.intercept = (request) =>
      request.url.endsWith('/catalogs') ? Response.json({ error: 'Too many requests.' }, { status: 429, headers: { 'Retry-After': '3600' } }) : undefined;
    await expect(client.listCatalogs()).rejects.toMatchObject({ status: 429 });
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx with exponential backoff and gives up with OpenBomError after the budget', async () => {
    const { fake, client, sleeps } = setup({ maxRetries: 3 });
    fake.intercept = (request) => (request.url.endsWith('/catalogs') ? Response.json({ error: 'Something went wrong.' }, { status: 500 }) : undefined);
    const failure = await client.listCatalogs().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenBomError);
    expect((failure as OpenBomError).message).toContain('after 4 attempts');
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(4);
    // random() = 0.5 → three quarters of 250, 500, 1000 ms.
    expect(sleeps).toEqual([188, 375, 750]);
  });

  it('does not retry a 4xx answer', async () => {
    const { fake, client } = setup();
    fake.intercept = (request) => (request.url.includes('/catalog/') ? Response.json({ error: 'Part not found.' }, { status: 404 }) : undefined);
    await expect(client.getCatalog('nope')).rejects.toMatchObject({ status: 404 });
    expect(paths(fake).filter((p) => p.startsWith('GET /catalog/'))).toHaveLength(1);
  });

  it('times out a hanging request and retries it', async () => {
    const { fake, client } = setup({ timeoutMs: 30, maxRetries: 1 });
    let hangs = 1;
    fake.intercept = (request) => {
      if (!request.url.endsWith('/catalogs') || hangs-- <= 0) return undefined;
      return new Promise<Response>((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason)));
    };
    await expect(client.listCatalogs()).resolves.toHaveLength(2);
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(2);
  });

  it('reports an unreachable OpenBOM as OpenBomError once retries are spent', async () => {
    const { client } = setup({ baseUrl: 'https://down.test', maxRetries: 2 });
    await expect(client.listCatalogs()).rejects.toThrow(/unreachable.*after 3 attempts/);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('OpenBOM client: files', () => {
  it('follows the redirect to storage without any OpenBOM header and streams the bytes', async () => {
    const { fake, client } = setup();
    const file = await client.openFile(fileUrl('cat-1', 'drawing-120.pdf'));
    expect(await new Response(file.body).text()).toBe('%PDF drawing 120');
    expect(file.contentType).toBe('application/pdf');
    expect(file.contentLength).toBe('16');
    const storageCalls = fake.calls.filter((call) => call.url.startsWith(STORAGE_ORIGIN));
    expect(storageCalls).toHaveLength(1);
    const headerNames = Object.keys(storageCalls[0]!.headers).join(',');
    expect(headerNames).not.toMatch(/openbom/i);
    expect(JSON.stringify(storageCalls[0]!.headers)).not.toContain('secret');
    const documentCall = fake.apiCalls().find((call) => call.url.includes('/document/'))!;
    expect(documentCall.headers['x-openbom-accesstoken']).toBeDefined();
  });

  it('answers headers only without a body when asked', async () => {
    const { client } = setup();
    const file = await client.openFile(fileUrl('cat-1', 'drawing-120.pdf'), { headersOnly: true });
    expect(file.body).toBeNull();
    expect(file.contentLength).toBe('16');
  });

  it.each([
    ['another origin', 'https://evil.test/document/cat-1/image?filename=a.pdf'],
    ['another scheme on the same host', 'http://openbom.test/document/cat-1/image?filename=a.pdf'],
    ['another path', `${API_ORIGIN}/catalogs?filename=a.pdf`],
    ['a path that climbs out', `${API_ORIGIN}/document/x/../../admin/image?filename=a`],
    ['no file name', `${API_ORIGIN}/document/cat-1/image`],
    ['credentials in the URL', 'https://user:pw@openbom.test/document/cat-1/image?filename=a.pdf'],
  ])('refuses to fetch %s (no SSRF)', async (_, url) => {
    const { fake, client } = setup();
    await expect(client.openFile(url)).rejects.toThrow(UnsafeFileUrlError);
    expect(fake.calls).toHaveLength(0);
  });

  it('cuts a storage stream that stalls longer than the timeout', async () => {
    const { fake, client } = setup({ timeoutMs: 30 });
    fake.intercept = (request) => {
      if (!request.url.startsWith(STORAGE_ORIGIN)) return undefined;
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          stream.enqueue(new TextEncoder().encode('first chunk'));
          request.signal.addEventListener('abort', () => stream.error(request.signal.reason));
        },
      });
      return new Response(body, { headers: { 'Content-Type': 'application/pdf' } });
    };
    const file = await client.openFile(fileUrl('cat-1', 'drawing-120.pdf'));
    const reader = file.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first chunk');
    await expect(reader.read()).rejects.toThrow();
  });

  it('surfaces a missing file as a 404 OpenBomError', async () => {
    const { client } = setup();
    await expect(client.openFile(fileUrl('cat-1', 'missing.pdf'))).rejects.toMatchObject({ status: 404 });
  });
});
