/**
 * The fault matrix: the adapter in front of the OpenBOM mock, both on real sockets, with faults injected through the
 * mock's admin API. Each row asserts what Jakamo sees: 200 after retries within a bounded time, 502 with the error
 * object, or a download that ends in a cut connection (never a complete-looking short or corrupt file).
 * docs/faults.md is the table of these rows. Timeouts and retries are kept small so the file runs fast.
 *
 * The part index is kept warm (loaded with the first listing, refreshed in the background), so a listing of a part's
 * current row needs no OpenBOM call: the listing rows ask for a named revision, whose lookups
 * (`/catalog/<id>/revisions/…`) are on the request path. Rows about the redirect to storage run on a fresh adapter,
 * which has no storage redirect to reuse yet.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listen } from '../../src/shared/server.js';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import type { FileValue, Fixture } from '../../src/fixtures/types.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';
import {
  JAKAMO_KEY,
  OPENBOM_SECRETS,
  admin,
  download,
  journal,
  listingUrl,
  maxInAnyWindow,
  startAdapterServer,
  startMockServer,
  type AdapterServer,
  type AdapterSettings,
  type JournalEntry,
  type ListedDocument,
  type MockServer,
} from './rig.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const PART = '55-554354';
/** A revision of PART: its listing asks OpenBOM for the part's revisions and their merged rows. */
const REVISION = '119';
const REVISIONS_PATH = '/catalog/*/revisions/partnumber/*';
const isRevisionsCall = (entry: JournalEntry) => /^\/catalog\/[^/]+\/revisions\/partnumber\//.test(entry.path);
const BIG_PART = 'FAULTS-BIG-1';
/** 1 MiB in a pattern, so that a short or shifted copy cannot pass for the file. */
const BIG_FILE: FileValue = {
  kind: 'file',
  name: 'big-assembly.step',
  contentType: 'model/step',
  bytes: Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7 + (i >> 10)) % 251),
};
const TIMEOUT_MS = 400;
const MAX_RETRIES = 2;
/** Backoff before retry n is at most 250·2ⁿ ms: 250 + 500 for two retries. */
const MAX_BACKOFF_MS = 750;
/** Three attempts that each time out, their backoffs, and slack for a loaded machine. */
const TIMEOUT_BUDGET_MS = (MAX_RETRIES + 1) * TIMEOUT_MS + MAX_BACKOFF_MS + 1000;
/** Backoffs at their shortest (no jitter): the bounds below still allow the longest. */
const SETTINGS: AdapterSettings = {
  timeoutMs: TIMEOUT_MS,
  maxRetries: MAX_RETRIES,
  requestsPerSecond: 50,
  cacheTtlSeconds: 0,
  random: () => 0,
};

function faultsFixture(): Fixture {
  const fixture = loadDefaultFixture();
  fixture.catalogs[0]!.parts.push({
    row: { 'Part Number': BIG_PART, Name: 'Big', Description: 'A large file', Revision: 'A', 'CAD Model': BIG_FILE },
    revisions: [],
  });
  return fixture;
}

const logger = createMemoryLogger();
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function startPair(settings: Partial<AdapterSettings> = {}, rateLimit = 0): Promise<{ mock: MockServer; adapter: AdapterServer }> {
  const mock = await startMockServer({ fixture: faultsFixture(), rateLimit });
  const adapter = await startAdapter(mock.url, settings);
  closers.push(() => mock.close());
  return { mock, adapter };
}

/** Another adapter on a running mock: its own tokens, index and (no) storage redirects. */
async function startAdapter(mockUrl: string, settings: Partial<AdapterSettings> = {}): Promise<AdapterServer> {
  const adapter = await startAdapterServer(mockUrl, { ...SETTINGS, ...settings, logger });
  closers.push(() => adapter.close());
  return adapter;
}

/** A JSON call to the adapter, validated against the File Callback spec; with the time it took. */
async function call(url: string) {
  const started = performance.now();
  const response = await fetch(url, { headers: { 'X-API-KEY': JAKAMO_KEY } });
  const body = (await expectValidResponse(spec, 'GET', new URL(url).pathname + new URL(url).search, response)) as any;
  return { status: response.status, body, ms: performance.now() - started };
}

async function linkOf(adapterUrl: string, materialId: string, fileName: string): Promise<string> {
  const { status, body } = await call(listingUrl(adapterUrl, materialId));
  expect(status).toBe(200);
  const document = (body.data as ListedDocument[]).find((d) => d.fileName === fileName);
  if (!document) throw new Error(`${fileName} is not listed for ${materialId}`);
  return document.link;
}

const fault = (mockUrl: string, rule: Record<string, unknown>) => admin<{ id: string }>(mockUrl, 'POST', '/faults', rule);
/** How many times a fault rule has applied so far (`times` counts down as it does). */
async function timesApplied(mockUrl: string, id: string, times: number): Promise<number> {
  const { faults } = await admin<{ faults: Array<{ id: string; times?: number }> }>(mockUrl, 'GET', '/faults');
  return times - (faults.find((rule) => rule.id === id)?.times ?? 0);
}
const pathOnly = (entry: JournalEntry) => `${entry.method} ${entry.path.split('?')[0]} ${entry.status}`;

function expectBadGateway(answer: { status: number; body: any }, reason: string | RegExp) {
  expect(answer.status).toBe(502);
  expect(answer.body).toEqual({ message: 'Bad gateway', errors: [{ message: expect.stringMatching(reason) }] });
}

/** The whole big file, byte for byte, in a message that ended cleanly. */
async function expectWholeFile(link: string) {
  const received = await download(link);
  expect(received.status).toBe(200);
  expect(received.complete).toBe(true);
  expect(received.headers['content-length']).toBe(String(BIG_FILE.bytes.byteLength));
  expect(received.bytes.equals(Buffer.from(BIG_FILE.bytes))).toBe(true);
}

describe('fault matrix: adapter against a misbehaving mock', () => {
  let mock: MockServer;
  let adapter: AdapterServer;
  let bigLink: string;
  beforeAll(async () => {
    ({ mock, adapter } = await startPair());
    bigLink = await linkOf(adapter.url, BIG_PART, BIG_FILE.name);
  });
  beforeEach(async () => {
    // Data, faults, journal and settings back to the start; the adapter keeps its tokens.
    await admin(mock.url, 'POST', '/reset');
  });

  describe('upstream latency past the timeout', () => {
    it('once: times out, retries, 200', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, latencyMs: 2000, times: 1 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expect(answer.status).toBe(200);
      expect(answer.body.data.length).toBeGreaterThan(0);
      expect(await timesApplied(mock.url, id, 1)).toBe(1);
      expect(answer.ms).toBeGreaterThanOrEqual(TIMEOUT_MS);
    });

    it('persistent: every attempt times out, 502 within the bounded time', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, latencyMs: 5000, times: 10 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expectBadGateway(answer, `timed out after ${TIMEOUT_MS} ms`);
      expect(await timesApplied(mock.url, id, 10)).toBe(MAX_RETRIES + 1);
      expect(answer.ms).toBeGreaterThanOrEqual((MAX_RETRIES + 1) * TIMEOUT_MS);
      expect(answer.ms).toBeLessThan(TIMEOUT_BUDGET_MS);
    });

    it('storage slow to answer, once: the download is retried and whole', async () => {
      const { id } = await fault(mock.url, { path: '/__storage/**', latencyMs: 2000, times: 1 });
      await expectWholeFile(bigLink);
      expect(await timesApplied(mock.url, id, 1)).toBe(1);
    });
  });

  describe('connection dropped before the answer', () => {
    it('listing, once: retried, 200', async () => {
      await fault(mock.url, { path: REVISIONS_PATH, drop: true, times: 1 });
      expect((await call(listingUrl(adapter.url, PART, REVISION))).status).toBe(200);
      expect((await journal(mock.url)).filter(isRevisionsCall).map((entry) => entry.status)).toEqual([0, 200]);
    });

    it('listing, persistent: 502', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, drop: true, times: 10 });
      expectBadGateway(await call(listingUrl(adapter.url, PART, REVISION)), 'unreachable');
      expect(await timesApplied(mock.url, id, 10)).toBe(MAX_RETRIES + 1);
    });

    it('the redirect to storage, once: retried, the download is whole', async () => {
      const fresh = await startAdapter(mock.url);
      const link = await linkOf(fresh.url, BIG_PART, BIG_FILE.name);
      const { id } = await fault(mock.url, { path: '/document/*/image', drop: true, times: 1 });
      await expectWholeFile(link);
      expect(await timesApplied(mock.url, id, 1)).toBe(1);
    });
  });

  describe('answer cut mid-body (truncated)', () => {
    it('listing JSON, once: retried, 200', async () => {
      await fault(mock.url, { path: REVISIONS_PATH, truncate: 20, times: 1 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expect(answer.status).toBe(200);
      expect((await journal(mock.url)).filter(isRevisionsCall)).toHaveLength(2);
    });

    it('listing JSON, persistent: 502', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, truncate: 20, times: 10 });
      expectBadGateway(await call(listingUrl(adapter.url, PART, REVISION)), 'unreachable');
      expect(await timesApplied(mock.url, id, 10)).toBe(MAX_RETRIES + 1);
    });

    it.each([0, 65_536])(
      'file cut after %i bytes: Jakamo gets a cut connection short of Content-Length, never a short complete file',
      async (bytes) => {
        // node-server reports the adapter's broken pass-through on the console; keep it, and make sure it is only that.
        const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
        try {
          await fault(mock.url, { path: '/__storage/**', truncate: bytes, times: 1 });
          const received = await download(bigLink);
          expect(received.status).toBe(200);
          expect(received.headers['content-length']).toBe(String(BIG_FILE.bytes.byteLength));
          expect(received.complete).toBe(false);
          expect(received.bytes.byteLength).toBeLessThanOrEqual(bytes);
          expect(received.bytes.equals(Buffer.from(BIG_FILE.bytes.subarray(0, received.bytes.byteLength)))).toBe(true);
          for (const [error] of printed.mock.calls) expect(String(error)).toMatch(/terminated/);
        } finally {
          printed.mockRestore();
        }
        // The next download is whole again.
        await expectWholeFile(bigLink);
      },
    );
  });

  describe('5xx bursts', () => {
    it('short burst on OpenBOM: 200 after retries', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, status: 503, times: 2 });
      expect((await call(listingUrl(adapter.url, PART, REVISION))).status).toBe(200);
      expect(await timesApplied(mock.url, id, 2)).toBe(2);
    });

    it('short burst on storage: the download is retried and whole', async () => {
      await fault(mock.url, { path: '/__storage/**', status: 500, times: 2 });
      await expectWholeFile(bigLink);
    });

    it('longer than the retry budget: 502 with the error object', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, status: 500, times: 10 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expectBadGateway(answer, 'HTTP 500');
      expect(await timesApplied(mock.url, id, 10)).toBe(MAX_RETRIES + 1);
      expect(answer.ms).toBeLessThan(MAX_BACKOFF_MS + 1000);
    });

    it('a well-formed but wrong 200 (no columns and cells): 502 at once, not retried', async () => {
      const { id } = await fault(mock.url, {
        path: '/catalog/*/revisions/merged/partnumber/*',
        status: 200,
        body: { unexpected: true },
        times: 10,
      });
      expectBadGateway(await call(listingUrl(adapter.url, PART, REVISION)), 'without columns and cells');
      expect(await timesApplied(mock.url, id, 10)).toBe(1);
    });
  });

  describe('429 storms', () => {
    it('with Retry-After: 1, twice: waits as told, 200', async () => {
      await fault(mock.url, { path: REVISIONS_PATH, status: 429, headers: { 'Retry-After': '1' }, times: 2 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeGreaterThanOrEqual(2000);
      expect(answer.ms).toBeLessThan(4000);
    });

    it('without Retry-After, twice: exponential backoff, 200', async () => {
      await fault(mock.url, { path: REVISIONS_PATH, status: 429, times: 2 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(MAX_BACKOFF_MS + 1000);
    });

    it('Retry-After longer than a Jakamo request can wait (120 s): 502 at once', async () => {
      await fault(mock.url, { path: REVISIONS_PATH, status: 429, headers: { 'Retry-After': '120' }, times: 10 });
      const answer = await call(listingUrl(adapter.url, PART, REVISION));
      expectBadGateway(answer, /429|rate limit/);
      expect(answer.ms).toBeLessThan(1000);
    });

    it('longer than the retry budget: 502', async () => {
      const { id } = await fault(mock.url, { path: REVISIONS_PATH, status: 429, times: 10 });
      expectBadGateway(await call(listingUrl(adapter.url, PART, REVISION)), 'HTTP 429');
      expect(await timesApplied(mock.url, id, 10)).toBe(MAX_RETRIES + 1);
    });
  });

  describe('tokens revoked during a download', () => {
    it('between the listing and the download: renews with the refresh token, 200 and the whole file', async () => {
      // With listings cached, the download's first OpenBOM call is the redirect itself, made with the revoked token.
      const cached = await startAdapter(mock.url, { cacheTtlSeconds: 60 });
      const link = await linkOf(cached.url, BIG_PART, BIG_FILE.name);
      expect((await admin<{ expired: number }>(mock.url, 'POST', '/tokens/expire')).expired).toBeGreaterThan(0);
      await admin(mock.url, 'DELETE', '/requests');
      await expectWholeFile(link);
      expect((await journal(mock.url)).map(pathOnly)).toEqual([
        expect.stringMatching(/^GET \/document\/.+\/image 401$/),
        'POST /token/renew 200',
        expect.stringMatching(/^GET \/document\/.+\/image 302$/),
        expect.stringMatching(/^GET \/__storage\/.+ 200$/),
      ]);
    });
  });

  describe('storage URL expired between the 302 and the fetch', () => {
    const fileCalls = async () => (await journal(mock.url)).map(pathOnly).filter((entry) => /^GET \/(document|__storage)\//.test(entry));

    it('once: the adapter asks OpenBOM for a fresh redirect, 200 and the whole file', async () => {
      const fresh = await startAdapter(mock.url);
      const link = await linkOf(fresh.url, BIG_PART, BIG_FILE.name);
      await fault(mock.url, { path: '/__storage/**', status: 403, times: 1 });
      await expectWholeFile(link);
      expect(await fileCalls()).toEqual([
        expect.stringMatching(/^GET \/document\/.+\/image 302$/),
        expect.stringMatching(/^GET \/__storage\/.+ 403$/),
        expect.stringMatching(/^GET \/document\/.+\/image 302$/),
        expect.stringMatching(/^GET \/__storage\/.+ 200$/),
      ]);
    });

    it('a reused redirect refused (403): dropped, one fresh redirect, 200 and the whole file', async () => {
      await expectWholeFile(bigLink);
      await admin(mock.url, 'DELETE', '/requests');
      await fault(mock.url, { path: '/__storage/**', status: 403, times: 1 });
      await expectWholeFile(bigLink);
      await expectWholeFile(bigLink);
      expect(await fileCalls()).toEqual([
        expect.stringMatching(/^GET \/__storage\/.+ 403$/),
        expect.stringMatching(/^GET \/document\/.+\/image 302$/),
        expect.stringMatching(/^GET \/__storage\/.+ 200$/),
        expect.stringMatching(/^GET \/__storage\/.+ 200$/),
      ]);
    });

    it('every storage URL already expired (storageUrlTtlMs 0): one fresh redirect, then 502 — not a 404', async () => {
      const fresh = await startAdapter(mock.url);
      const link = await linkOf(fresh.url, BIG_PART, BIG_FILE.name);
      await admin(mock.url, 'PATCH', '/settings', { storageUrlTtlMs: 0 });
      const received = await download(link);
      expect(received.status).toBe(502);
      expect(JSON.parse(received.bytes.toString())).toEqual({
        message: 'Bad gateway',
        errors: [{ message: expect.stringContaining('HTTP 403') }],
      });
      expect((await journal(mock.url)).filter((entry) => entry.kind === 'storage').map((entry) => entry.status)).toEqual([403, 403]);
    });
  });

  describe('repeat downloads', () => {
    it('two downloads of a file cost one OpenBOM call: the storage redirect is reused while valid', async () => {
      const fresh = await startAdapter(mock.url);
      const link = await linkOf(fresh.url, BIG_PART, BIG_FILE.name);
      await admin(mock.url, 'DELETE', '/requests');
      await expectWholeFile(link);
      await expectWholeFile(link);
      const entries = await journal(mock.url);
      expect(entries.filter((entry) => entry.path.startsWith('/document/')).map(pathOnly)).toEqual([
        expect.stringMatching(/^GET \/document\/.+\/image 302$/),
      ]);
      expect(entries.filter((entry) => entry.kind === 'storage').map((entry) => entry.status)).toEqual([200, 200]);
    });
  });

  describe('redirects the adapter does not follow', () => {
    it('OpenBOM redirecting to a data: URL: 502, nothing of it streamed back', async () => {
      const fresh = await startAdapter(mock.url);
      const link = await linkOf(fresh.url, BIG_PART, BIG_FILE.name);
      await fault(mock.url, {
        path: '/document/*/image',
        status: 302,
        headers: { Location: 'data:text/plain,root:x:0:0:root' },
        times: 10,
      });
      const received = await download(link);
      expect(received.status).toBe(502);
      expect(received.bytes.toString()).not.toContain('root:x');
      expect(JSON.parse(received.bytes.toString())).toEqual({
        message: 'Bad gateway',
        errors: [{ message: expect.stringContaining('data:') }],
      });
    });

    it('the storage host redirecting to another origin (a loopback admin page): 502, the page never fetched', async () => {
      let adminHits = 0;
      const adminPage = await listen({
        fetch: () => {
          adminHits++;
          return new Response('admin secrets', { headers: { 'Content-Type': 'text/plain' } });
        },
      });
      closers.push(() => adminPage.close());
      const fresh = await startAdapter(mock.url);
      const link = await linkOf(fresh.url, BIG_PART, BIG_FILE.name);
      await fault(mock.url, { path: '/__storage/**', status: 302, headers: { Location: `${adminPage.url}/admin` }, times: 10 });
      const received = await download(link);
      expect(received.status).toBe(502);
      expect(received.bytes.toString()).not.toContain('admin secrets');
      expect(JSON.parse(received.bytes.toString())).toEqual({
        message: 'Bad gateway',
        errors: [{ message: expect.stringContaining('another origin') }],
      });
      expect(adminHits).toBe(0);
    });
  });

  afterEach(() => {
    // Nothing the adapter logged may carry a key, a password or a token, whatever the fault.
    for (const line of logger.lines) {
      for (const secret of [JAKAMO_KEY, ...Object.values(OPENBOM_SECRETS)]) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/eyJ[\w-]{20,}/);
    }
  });
});

describe('fault matrix: the OpenBOM rate limit under lag and hang-ups', () => {
  it('a request that reaches OpenBOM late does not let the next ones squeeze into its second: no 429, ≤ 5 a second', async () => {
    const mock = await startMockServer({ fixture: faultsFixture(), rateLimit: 5 });
    closers.push(() => mock.close());
    // The first request (the login) leaves 300 ms after its start, as after a slow connect or a busy event loop.
    let delayed = false;
    const lagging: typeof fetch = async (input, init) => {
      if (!delayed) {
        delayed = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      return fetch(input, init);
    };
    const adapter = await startAdapter(mock.url, { requestsPerSecond: 5, cacheTtlSeconds: 60, fetch: lagging });
    const answers = await Promise.all(['119', '120', ''].map((revision) => call(listingUrl(adapter.url, PART, revision))));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    const api = (await journal(mock.url)).filter((entry) => entry.kind === 'api');
    expect(api.length).toBeGreaterThan(5);
    expect(api.filter((entry) => entry.status === 429)).toEqual([]);
    expect(maxInAnyWindow(api, 1000)).toBeLessThanOrEqual(5);
  });

  it('a download whose Jakamo client hangs up while it waits for its turn is dropped, never sent to OpenBOM', async () => {
    const fixture = faultsFixture();
    const mock = await startMockServer({ fixture, rateLimit: 0 });
    closers.push(() => mock.close());
    // Each download asks OpenBOM (redirect reuse off), so that downloads stand for any request waiting for a permit;
    // one catalog to index, so that the listing before them costs two requests (the login and that catalog).
    const adapter = await startAdapter(mock.url, {
      requestsPerSecond: 2,
      cacheTtlSeconds: 60,
      reuseRedirects: false,
      timeoutMs: 1_000,
      catalogs: [fixture.catalogs[0]!.id],
    });
    const link = await linkOf(adapter.url, BIG_PART, BIG_FILE.name);
    await admin(mock.url, 'DELETE', '/requests');
    const redirects = async () => (await journal(mock.url)).filter((entry) => entry.path.startsWith('/document/')).length;

    // Both permits are busy with slow redirects (slow, not past the timeout); a third download queues behind them,
    // and its client gives up.
    const { id } = await fault(mock.url, { path: '/document/*/image', latencyMs: 300, times: 2 });
    const slow = [download(link), download(link)];
    await vi.waitFor(async () => expect(await timesApplied(mock.url, id, 2)).toBe(2), { timeout: 5_000, interval: 10 });
    await expect(fetch(link, { headers: { 'X-API-KEY': JAKAMO_KEY }, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    for (const received of await Promise.all(slow)) expect(received.complete).toBe(true);
    // The next download queues where the abandoned one stood: had that one not been dropped, it would reach OpenBOM
    // first, and this one would make four.
    await expectWholeFile(link);
    expect(await redirects()).toBe(3);
  });
});

describe('fault matrix: the mock restarted mid-run', () => {
  it('while down: 502 once the budget is spent; back without state: the adapter logs in again, 200', async () => {
    // Listings cached for a minute: no background refresh of the index runs during the row.
    const { mock, adapter } = await startPair({ maxRetries: 3, cacheTtlSeconds: 60 });
    expect((await call(listingUrl(adapter.url, PART))).status).toBe(200);

    await mock.stop();
    const whileDown = await call(listingUrl(adapter.url, PART, '120'));
    expectBadGateway(whileDown, 'unreachable');

    // A request that starts while the mock is down and finishes after it is back: the retries bridge the gap.
    const retries = () => logger.lines.filter((line) => line.includes('"openbom retry"')).length;
    const retriedBefore = retries();
    const pending = call(listingUrl(adapter.url, PART, '119'));
    await vi.waitFor(() => expect(retries()).toBeGreaterThan(retriedBefore), { interval: 10 });
    await mock.start();
    const bridged = await pending;
    expect(bridged.status).toBe(200);
    expect(bridged.body.data.map((d: ListedDocument) => d.fileName)).toContain('55-554354_rev119_drawing.pdf');

    // The new process knows neither the access nor the refresh token: refused, renewal refused, a fresh login.
    const entries = (await journal(mock.url)).map(pathOnly);
    expect(entries[0]).toMatch(/ 401$/);
    expect(entries.slice(1, 3)).toEqual(['POST /token/renew 401', 'POST /login 200']);
    expect(entries.filter((entry) => entry.startsWith('POST /login'))).toHaveLength(1);

    await expectWholeFile(await linkOf(adapter.url, BIG_PART, BIG_FILE.name));
  });
});
