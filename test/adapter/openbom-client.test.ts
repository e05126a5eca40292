import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import {
  createOpenBomClient,
  createTransport,
  OpenBomError,
  parseRetryAfter,
  UnsafeFileUrlError,
  type OpenBomClientOptions,
} from '../../src/adapter/openbom/index.js';
import { redirectUsableUntil, storageUrlExpiry } from '../../src/adapter/openbom/storage-urls.js';
import { createMemoryState } from '../../src/adapter/state/memory-state.js';
import type { AdapterTelemetry } from '../../src/adapter/telemetry.js';
import {
  API_ORIGIN,
  APP_KEY,
  createFakeOpenBom,
  DOC_1,
  fileUrl,
  PASSWORD,
  STORAGE_ORIGIN,
  USERNAME,
  type FakeOpenBom,
} from './support/fake-openbom.js';

/** Telemetry that records every call, as `name endpoint value…`. */
function recordingTelemetry(): AdapterTelemetry & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    jakamoRequest: (route, status) => events.push(`jakamo ${route} ${status}`),
    openBomRequest: (endpoint, status) => events.push(`request ${endpoint} ${status}`),
    openBomRetry: (endpoint, reason) => events.push(`retry ${endpoint} ${reason}`),
    limiterWait: (priority) => events.push(`wait ${priority}`),
    cacheLookup: (cache, outcome) => events.push(`cache ${cache} ${outcome}`),
  };
}

function setup(overrides: Partial<OpenBomClientOptions> = {}) {
  const fake = createFakeOpenBom();
  const clock = new ManualClock();
  const logger = createMemoryLogger();
  const sleeps: number[] = [];
  const options: OpenBomClientOptions = {
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
  };
  const client = createOpenBomClient(options);
  return { fake, clock, logger, sleeps, client, options };
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
    fake.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      startedAt.push(clock.now());
      return inner(input, init);
    };
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
        ? Response.json(
            { error: 'Too many requests. The limit is 5 requests per second.' },
            { status: 429, headers: { 'Retry-After': '2' } },
          )
        : undefined;
    await expect(client.listCatalogs()).resolves.toHaveLength(2);
    expect(sleeps.filter((ms) => ms >= 2000)).toHaveLength(2);
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(3);
  });

  it('gives up at once when Retry-After asks for longer than a caller would wait', async () => {
    const { fake, client, sleeps } = setup();
    fake.intercept = (request) =>
      request.url.endsWith('/catalogs')
        ? Response.json({ error: 'Too many requests.' }, { status: 429, headers: { 'Retry-After': '3600' } })
        : undefined;
    await expect(client.listCatalogs()).rejects.toMatchObject({ status: 429 });
    expect(sleeps).toEqual([]);
  });

  it('retries 5xx with exponential backoff and gives up with OpenBomError after the budget', async () => {
    const { fake, client, sleeps } = setup({ maxRetries: 3 });
    fake.intercept = (request) =>
      request.url.endsWith('/catalogs') ? Response.json({ error: 'Something went wrong.' }, { status: 500 }) : undefined;
    const failure = await client.listCatalogs().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenBomError);
    expect((failure as OpenBomError).message).toContain('after 4 attempts');
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(4);
    // random() = 0.5 → three quarters of 250, 500, 1000 ms.
    expect(sleeps).toEqual([188, 375, 750]);
  });

  it('does not retry a 4xx answer', async () => {
    const { fake, client } = setup();
    fake.intercept = (request) =>
      request.url.includes('/catalog/') ? Response.json({ error: 'Part not found.' }, { status: 404 }) : undefined;
    await expect(client.getCatalog('nope')).rejects.toMatchObject({ status: 404 });
    expect(paths(fake).filter((p) => p.startsWith('GET /catalog/'))).toHaveLength(1);
  });

  it('times out a hanging request and retries it', async () => {
    const { fake, client } = setup({ timeoutMs: 30, maxRetries: 1 });
    let hangs = 1;
    fake.intercept = (request) => {
      if (!request.url.endsWith('/catalogs') || hangs-- <= 0) return undefined;
      return new Promise<Response>((_, reject) => request.signal.addEventListener('abort', () => reject(request.signal.reason as Error)));
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
    const file = await client.openFile(fileUrl(DOC_1, 'drawing-120.pdf'));
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
    const file = await client.openFile(fileUrl(DOC_1, 'drawing-120.pdf'), { headersOnly: true });
    expect(file.body).toBeNull();
    expect(file.contentLength).toBe('16');
  });

  it.each([
    ['another origin', `https://evil.test/document/${DOC_1}/image?filename=a.pdf`],
    ['another scheme on the same host', `http://openbom.test/document/${DOC_1}/image?filename=a.pdf`],
    ['another path', `${API_ORIGIN}/catalogs?filename=a.pdf`],
    ['a path that climbs out', `${API_ORIGIN}/document/x/../../admin/image?filename=a`],
    ['an encoded slash in the id', `${API_ORIGIN}/document/${DOC_1}%2F..%2F..%2Fcatalogs/image?filename=a.pdf`],
    ['an encoded slash alone as the id', `${API_ORIGIN}/document/..%2Fcatalogs/image?filename=a.pdf`],
    ['an id that is not a UUID', `${API_ORIGIN}/document/cat-1/image?filename=a.pdf`],
    ['a UUID with something after it', `${API_ORIGIN}/document/${DOC_1}x/image?filename=a.pdf`],
    ['no file name', `${API_ORIGIN}/document/${DOC_1}/image`],
    ['a file name that is only a path', `${API_ORIGIN}/document/${DOC_1}/image?filename=..%2F..%2F`],
    ['credentials in the URL', `https://user:pw@openbom.test/document/${DOC_1}/image?filename=a.pdf`],
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
    const file = await client.openFile(fileUrl(DOC_1, 'drawing-120.pdf'));
    const reader = file.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first chunk');
    await expect(reader.read()).rejects.toThrow();
  });

  it('surfaces a missing file as a 404 OpenBomError', async () => {
    const { client } = setup();
    await expect(client.openFile(fileUrl(DOC_1, 'missing.pdf'))).rejects.toMatchObject({ status: 404 });
  });
});

describe('OpenBOM client: abandoned calls', () => {
  it('a caller that gives up during a backoff stops there: no further attempt reaches OpenBOM', async () => {
    const gaveUp = new AbortController();
    const { fake, client } = setup({
      maxRetries: 3,
      // The first backoff never ends by itself; the caller gives up during it.
      sleep: () => {
        gaveUp.abort(new Error('client went away'));
        return new Promise(() => {});
      },
    });
    fake.intercept = (request) =>
      request.url.endsWith('/catalogs') ? Response.json({ error: 'Something went wrong.' }, { status: 503 }) : undefined;
    await expect(client.listCatalogs({ signal: gaveUp.signal })).rejects.toThrow(/gave up/);
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(1);
  });

  it('a caller that gives up while its request is under way aborts the fetch, and it is not retried', async () => {
    const { fake, client } = setup({ maxRetries: 3 });
    const gaveUp = new AbortController();
    let aborted = false;
    fake.intercept = (request) => {
      if (!request.url.endsWith('/catalogs')) return undefined;
      queueMicrotask(() => gaveUp.abort(new Error('client went away')));
      return new Promise<Response>((_, reject) =>
        request.signal.addEventListener('abort', () => {
          aborted = true;
          reject(request.signal.reason as Error);
        }),
      );
    };
    await expect(client.listCatalogs({ signal: gaveUp.signal })).rejects.toThrow(/gave up/);
    expect(aborted).toBe(true);
    expect(paths(fake).filter((p) => p === 'GET /catalogs')).toHaveLength(1);
  });

  it('a caller that gives up while a login is under way stops waiting; the login serves the others', async () => {
    const { fake, client } = setup();
    let finishLogin!: () => void;
    const loginHeld = new Promise<void>((resolve) => (finishLogin = resolve));
    fake.intercept = async (request) => {
      if (!request.url.endsWith('/login')) return undefined;
      await loginHeld;
      return undefined;
    };
    const gaveUp = new AbortController();
    const abandoned = client.listCatalogs({ signal: gaveUp.signal });
    const patient = client.listCatalogs();
    await vi.waitFor(() => expect(paths(fake)).toEqual(['POST /login']));
    gaveUp.abort(new Error('client went away'));
    await expect(abandoned).rejects.toThrow(/gave up/);
    fake.intercept = undefined;
    finishLogin();
    await expect(patient).resolves.toHaveLength(2);
    expect(paths(fake)).toEqual(['POST /login', 'GET /catalogs']);
  });

  it('a download abandoned while waiting for a permit never reaches OpenBOM, not even its storage', async () => {
    const { fake, client } = setup({ requestsPerSecond: 1, reuseRedirects: false });
    await client.listCatalogs(); // the login took the only permit; it is back a window later
    const gaveUp = new AbortController();
    const abandoned = client.openFile(fileUrl(DOC_1, 'drawing-120.pdf'), { signal: gaveUp.signal });
    gaveUp.abort(new Error('client went away'));
    await expect(abandoned).rejects.toThrow(/gave up/);
    expect(fake.calls.filter((call) => call.url.includes('/document/') || call.url.startsWith(STORAGE_ORIGIN))).toEqual([]);
  });
});

describe('OpenBOM client: priorities and telemetry', () => {
  it('serves foreground calls before background ones waiting for the same permits', async () => {
    const { fake, client } = setup({ requestsPerSecond: 1 });
    await client.listCatalogs();
    const order: string[] = [];
    await Promise.all([
      client.getCatalog('cat-2', { priority: 'background' }).then(() => order.push('background')),
      client.getCatalog('cat-1').then(() => order.push('foreground')),
    ]);
    expect(order).toEqual(['foreground', 'background']);
    expect(paths(fake).slice(-2)).toEqual(['GET /catalog/cat-1', 'GET /catalog/cat-2']);
  });

  it('reports requests, retries, waits and redirect lookups by endpoint pattern, never with ids', async () => {
    const telemetry = recordingTelemetry();
    const { fake, client } = setup({ telemetry });
    let failures = 1;
    fake.intercept = (request) => (request.url.includes('/revisions/') && failures-- > 0 ? new Response('{}', { status: 502 }) : undefined);
    await client.listItemRevisions('cat-1', '55-554354', { priority: 'background' });
    await new Response((await client.openFile(fileUrl(DOC_1, 'drawing-120.pdf'))).body).text();
    expect(telemetry.events).toEqual([
      'wait foreground',
      'request POST /login 200',
      'wait background',
      'request GET /catalog/:id/revisions/partnumber/:partNumber 502',
      'retry GET /catalog/:id/revisions/partnumber/:partNumber 5xx',
      'wait background',
      'request GET /catalog/:id/revisions/partnumber/:partNumber 200',
      'cache redirect miss',
      'wait foreground',
      'request GET /document/:id/image 302',
      'request GET storage 200',
    ]);
    for (const event of telemetry.events) expect(event).not.toMatch(/cat-1|55-554354|drawing|access-|0b8f5a7e/);
  });

  it('offers any authenticated GET through the transport, with ids as parameters', async () => {
    const telemetry = recordingTelemetry();
    const { fake, options } = setup({ telemetry });
    const transport = createTransport(options);
    const table = await transport.getJson<{ columns: string[] }>('/catalog/:id', { params: { id: 'cat-1' }, priority: 'background' });
    expect(table.columns).toContain('Part Number');
    expect(paths(fake)).toEqual(['POST /login', 'GET /catalog/cat-1']);
    expect(fake.apiCalls()[1]!.headers['x-openbom-accesstoken']).toMatch(/^access-1-/);
    expect(telemetry.events).toContain('request GET /catalog/:id 200');
    await expect(transport.getJson('/catalog/:id', { params: { id: 'nope' } })).rejects.toMatchObject({ status: 404 });
  });
});

describe('OpenBOM client: storage redirects reused', () => {
  const drawing = fileUrl(DOC_1, 'drawing-120.pdf');
  const documentCalls = (fake: FakeOpenBom) => fake.apiCalls().filter((call) => call.url.includes('/document/')).length;
  const storageCalls = (fake: FakeOpenBom) => fake.calls.filter((call) => call.url.startsWith(STORAGE_ORIGIN)).length;
  const read = async (file: { body: ReadableStream<Uint8Array> | null }) => new Response(file.body).text();

  it('two downloads of a file cost one OpenBOM call while the redirect is valid, then a fresh one', async () => {
    const { fake, client, clock } = setup();
    // As S3 signs them: valid 300 s from the signing time.
    const signedAt = () => new Date(clock.now()).toISOString().replace(/[-:]|\.\d{3}/g, '');
    fake.storageQuery = () => `X-Amz-Date=${signedAt()}&X-Amz-Expires=300&X-Amz-Signature=abc`;
    expect(await read(await client.openFile(drawing))).toBe('%PDF drawing 120');
    expect(await read(await client.openFile(drawing))).toBe('%PDF drawing 120');
    expect(await client.openFile(drawing, { headersOnly: true })).toMatchObject({ contentLength: '16' });
    expect([documentCalls(fake), storageCalls(fake)]).toEqual([1, 3]);
    // 30 s short of the expiry it is no longer reused.
    clock.advance(270_000);
    await read(await client.openFile(drawing));
    expect(documentCalls(fake)).toBe(2);
  });

  it('shares one redirect among concurrent downloads of a file', async () => {
    const { fake, client } = setup();
    const files = await Promise.all(Array.from({ length: 5 }, () => client.openFile(drawing)));
    for (const file of files) expect(await read(file)).toBe('%PDF drawing 120');
    expect([documentCalls(fake), storageCalls(fake)]).toEqual([1, 5]);
  });

  it('a reused redirect that storage refuses (403) is dropped: one fresh redirect, and the download succeeds', async () => {
    const { fake, client } = setup();
    await read(await client.openFile(drawing));
    let refusals = 1;
    fake.intercept = (request) =>
      request.url.startsWith(STORAGE_ORIGIN) && refusals-- > 0 ? new Response('AccessDenied', { status: 403 }) : undefined;
    expect(await read(await client.openFile(drawing))).toBe('%PDF drawing 120');
    expect(documentCalls(fake)).toBe(2);
    // The fresh one is reused in turn.
    await read(await client.openFile(drawing));
    expect(documentCalls(fake)).toBe(2);
  });

  it('never reuses with reuse switched off, nor a URL already expired, nor across files', async () => {
    const off = setup({ reuseRedirects: false });
    await read(await off.client.openFile(drawing));
    await read(await off.client.openFile(drawing));
    expect(documentCalls(off.fake)).toBe(2);

    const expired = setup();
    expired.fake.storageQuery = () => `Expires=${Math.floor(expired.clock.now() / 1000)}&Signature=abc`;
    await read(await expired.client.openFile(drawing));
    await read(await expired.client.openFile(drawing));
    expect(documentCalls(expired.fake)).toBe(2);

    const other = setup();
    await read(await other.client.openFile(drawing));
    await read(await other.client.openFile(fileUrl(DOC_1, 'My "quoted" drawing ü.pdf')));
    expect(documentCalls(other.fake)).toBe(2);
  });

  it('keeps redirects in the shared state, where another client of the same state finds them', async () => {
    const state = createMemoryState();
    const first = setup({ state });
    await read(await first.client.openFile(drawing));
    const second = setup({ state, fetch: (input, init) => first.fake.fetch(input, init) });
    await read(await second.client.openFile(drawing));
    expect(documentCalls(first.fake)).toBe(1);
  });
});

describe('OpenBOM client: where a redirect may lead', () => {
  const drawing = fileUrl(DOC_1, 'drawing-120.pdf');

  it.each([
    ['a data: URL', 'data:text/plain,root:x:0:0'],
    ['a file: URL', 'file:///etc/passwd'],
    ['plain http from an https OpenBOM', 'http://storage.test/bucket/x'],
    ['a URL with credentials', 'https://user:pw@storage.test/bucket/x'],
    ['something that is not a URL', 'http://[::1'],
  ])('refuses OpenBOM redirecting to %s: an OpenBomError, nothing fetched', async (_, location) => {
    const { fake, client, logger } = setup();
    fake.intercept = (request) =>
      request.url.includes('/document/') ? new Response(null, { status: 302, headers: { Location: location } }) : undefined;
    await expect(client.openFile(drawing)).rejects.toThrow(OpenBomError);
    expect(fake.calls.filter((call) => !call.url.startsWith(API_ORIGIN))).toEqual([]);
    expect(logger.lines.join('\n')).not.toContain('root:x');
  });

  it('follows http storage when OpenBOM itself is http (the mock)', async () => {
    const { fake, client } = setup({ baseUrl: 'http://openbom.test' });
    const httpOrigin = 'http://openbom.test';
    const inner = fake.fetch;
    // The http OpenBOM: the same fake, reached over http; its storage over http too.
    fake.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith(httpOrigin)) return inner(url.replace(httpOrigin, API_ORIGIN), init);
      if (url.startsWith('http://storage.test')) return inner(url.replace('http://', 'https://'), init);
      return inner(input, init);
    };
    fake.intercept = (request) =>
      request.url.includes('/document/')
        ? new Response(null, {
            status: 302,
            headers: { Location: `http://storage.test/bucket/${encodeURIComponent(`${DOC_1}/drawing-120.pdf`)}` },
          })
        : undefined;
    const file = await client.openFile(`http://openbom.test/document/${DOC_1}/image?filename=drawing-120.pdf`);
    expect(await new Response(file.body).text()).toBe('%PDF drawing 120');
  });

  it('never follows the storage host redirecting to another origin (a loopback admin page), and fetches nothing there', async () => {
    const { fake, client } = setup();
    fake.intercept = (request) =>
      request.url.startsWith(STORAGE_ORIGIN)
        ? new Response(null, { status: 302, headers: { Location: 'http://127.0.0.1:6379/admin' } })
        : undefined;
    await expect(client.openFile(drawing)).rejects.toThrow(/another origin/);
    expect(fake.calls.filter((call) => call.url.includes('127.0.0.1'))).toEqual([]);
  });

  it('follows a redirect of the storage host within its own origin', async () => {
    const { fake, client } = setup();
    let moved = 1;
    fake.intercept = (request) =>
      request.url.startsWith(STORAGE_ORIGIN) && moved-- > 0
        ? new Response(null, {
            status: 307,
            headers: { Location: `/bucket/${encodeURIComponent(`${DOC_1}/drawing-120.pdf`)}?signature=moved` },
          })
        : undefined;
    const file = await client.openFile(drawing);
    expect(await new Response(file.body).text()).toBe('%PDF drawing 120');
    expect(fake.calls.filter((call) => call.url.startsWith(STORAGE_ORIGIN))).toHaveLength(2);
  });
});

describe('storage URL validity', () => {
  const at = Date.UTC(2026, 11, 7, 3, 15, 0);
  it.each([
    [
      'S3 SigV4',
      'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261207T031500Z&X-Amz-Expires=900&X-Amz-Signature=x',
      at + 900_000,
    ],
    ['S3 SigV4, lower-case names', 'https://b.s3.amazonaws.com/k?x-amz-date=20261207T031500Z&x-amz-expires=60', at + 60_000],
    ['GCS V4', 'https://storage.googleapis.com/b/k?X-Goog-Date=20261207T031500Z&X-Goog-Expires=600&X-Goog-Signature=x', at + 600_000],
    ['S3 SigV2 / CloudFront / the mock', `https://b.s3.amazonaws.com/k?Expires=${at / 1000 + 120}&Signature=x`, at + 120_000],
    ['Azure SAS', 'https://a.blob.core.windows.net/c/k?sv=2022-11-02&se=2026-12-07T04:15:00Z&sig=x', at + 3_600_000],
    ['nothing said', 'https://storage.example/k?signature=abc', undefined],
    ['nonsense', 'https://storage.example/k?X-Amz-Date=yesterday&X-Amz-Expires=a&Expires=soon&se=later', undefined],
  ])('reads the expiry of %s', (_, url, expected) => {
    expect(storageUrlExpiry(new URL(url))).toBe(expected);
  });

  it('reuses until shortly before the expiry, at most five minutes, 30 s when the URL does not say, never an expired one', () => {
    const s3 = (seconds: number) => new URL(`https://b/k?X-Amz-Date=20261207T031500Z&X-Amz-Expires=${seconds}`);
    expect(redirectUsableUntil(s3(300), at)).toBe(at + 270_000);
    expect(redirectUsableUntil(s3(40), at)).toBe(at + 30_000);
    expect(redirectUsableUntil(s3(86_400), at)).toBe(at + 300_000);
    expect(redirectUsableUntil(new URL('https://b/k?sig=x'), at)).toBe(at + 30_000);
    expect(redirectUsableUntil(s3(60), at + 61_000)).toBeLessThanOrEqual(at + 61_000);
  });
});

/** A self-signed certificate for 127.0.0.1 (valid to 2126), for a TLS server no machine trusts. Test-only key. */
const UNTRUSTED_TLS = {
  cert: `-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIURUNnEOR7nenYHes3jASJW0DdVcgwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTIwNzAzNTM1M1oYDzIxMjYxMTEz
MDM1MzUzWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATy1FYz0m+MmRXhVPqegslvGvSYj8DlJ63INXugmW5sNsvSbLfH9bQ9
zCNzM2qXu9dzYyAttrnAQgHSbatPd/dro2QwYjAdBgNVHQ4EFgQUCjiJvfEs01ee
NhZ9RnVBbbMXOTAwHwYDVR0jBBgwFoAUCjiJvfEs01eeNhZ9RnVBbbMXOTAwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC
IA3yRGhym2AneoSZa4QsZV6J3gtilCL9FmDRw8ncuBuuAiAOZrXqd3Idq3IEK4kA
O/tUjfNUi2cUJjJJYQBj9zVKwA==
-----END CERTIFICATE-----
`,
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgg3LPAqurxKShipK6
FkkkQtpE0M1zqtzpihXMgb1WdsyhRANCAATy1FYz0m+MmRXhVPqegslvGvSYj8Dl
J63INXugmW5sNsvSbLfH9bQ9zCNzM2qXu9dzYyAttrnAQgHSbatPd/dr
-----END PRIVATE KEY-----
`,
};

describe('OpenBOM client: a TLS failure is a misconfiguration, not a blip', () => {
  /** A server on 127.0.0.1 counting its connections; closed after `use`. */
  async function onSocket(server: HttpServer | HttpsServer, use: (origin: string, connections: () => number) => Promise<void>) {
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await use(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, () => connections);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it.each([
    [
      'a plain-HTTP server reached with https://',
      () => createHttpServer((_, response) => response.end('{}')),
      (origin: string) => `does not speak TLS: try ${origin.replace('https:', 'http:')}`,
    ],
    [
      'a self-signed certificate',
      () => createHttpsServer(UNTRUSTED_TLS, (_, response) => response.end('{}')),
      () => 'has a certificate that is not trusted (self-signed)',
    ],
  ])('%s fails at once, without retries, in one readable line', async (_name, server, cause) => {
    await onSocket(server(), async (origin, connections) => {
      const telemetry = recordingTelemetry();
      const { client, sleeps, logger } = setup({ baseUrl: origin, fetch: globalThis.fetch, maxRetries: 3, telemetry });
      const error = await client.listCatalogs().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(OpenBomError);
      expect((error as OpenBomError).message).toBe(`OpenBOM at ${origin} ${cause(origin)}`);
      expect((error as OpenBomError).status).toBeUndefined();
      expect((error as Error).message).not.toMatch(/SSL|routines|openssl|\n/i);
      expect(sleeps).toEqual([]); // no backoff
      expect(connections()).toBe(1);
      expect(telemetry.events.filter((event) => event.startsWith('retry'))).toEqual([]);
      expect(logger.lines.join('')).not.toContain('openbom retry');
    });
  });
});
