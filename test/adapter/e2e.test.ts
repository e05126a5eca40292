/**
 * The adapter against the real OpenBOM mock, both on real sockets on 127.0.0.1, wired as `jakamo-kit serve` wires them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseContentDisposition } from 'content-disposition';
import { createMockApp } from '../../src/mock/app.js';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import type { CatalogPart, Fixture, FileValue, Row } from '../../src/fixtures/types.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { createAdapterApp } from '../../src/adapter/app.js';
import { loadAdapterConfig, type AdapterFlags } from '../../src/adapter/config.js';
import { openBomClientFromConfig } from '../../src/adapter/openbom/index.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const KEY = 'e2e-jakamo-key-current-1111';
const ROTATED_KEY = 'e2e-jakamo-key-previous-2222';
const ENV = {
  JAKAMO_API_KEYS: `${KEY},${ROTATED_KEY}`,
  OPENBOM_APP_KEY: 'demo-app-key',
  OPENBOM_USERNAME: 'demo@example.com',
  OPENBOM_PASSWORD: 'demo-password',
};
const SECRETS = [KEY, ROTATED_KEY, ENV.OPENBOM_APP_KEY, ENV.OPENBOM_USERNAME, ENV.OPENBOM_PASSWORD];
const PART = '55-554354';
const ODD_PART = 'JK-E2E-ODD-NAME';
const ODD_NAME = 'Spec "v2" – Zürich draft.pdf';

/** The default fixture plus one part whose file name needs quoting and UTF-8 in Content-Disposition. */
function testFixture(): Fixture {
  const fixture = loadDefaultFixture();
  const oddFile: FileValue = {
    kind: 'file',
    name: ODD_NAME,
    contentType: 'application/pdf',
    bytes: new TextEncoder().encode('%PDF-1.4 odd name'),
  };
  fixture.catalogs[0]!.parts.push({
    row: { 'Part Number': ODD_PART, Name: 'Odd', Description: 'Odd file name', Revision: 'A', Drawing: oddFile },
    revisions: [],
  });
  return fixture;
}

const fixture = testFixture();
const partOf = (pn: string): CatalogPart => fixture.catalogs.flatMap((c) => c.parts).find((p) => p.row['Part Number'] === pn)!;
const filesIn = (row: Row) => Object.values(row).filter((v): v is FileValue => typeof v === 'object' && v !== null && v.kind === 'file');
const revisionRow = (pn: string, revision: string) => partOf(pn).revisions.find((r) => r.revision === revision)!.row;

const servers: RunningServer[] = [];
const loggers: Array<{ lines: string[] }> = [];
const bodies: string[] = [];

/** `rateLimit: 0` turns the mock's own 5/s limit off, for tests about something else (they run ~1 s faster each). */
async function startMock({ rateLimit }: { rateLimit?: number } = {}): Promise<RunningServer> {
  const mock = createMockApp({ fixture: structuredClone(fixture), ...(rateLimit === undefined ? {} : { rateLimit }) });
  // Passes the node-server bindings through (the mock uses them to drop connections); MockApp's typed env is narrower than FetchApp's.
  const server = await listen({ fetch: (request, env) => mock.fetch(request, env) });
  servers.push(server);
  return server;
}

/** The adapter as `serve` builds it: config from flags and env, links on its own listening URL. */
async function startAdapter(mockUrl: string, flags: AdapterFlags = {}) {
  const logger = createMemoryLogger();
  loggers.push(logger);
  // eslint-disable-next-line prefer-const -- assigned once the port is known; the fetch closure reads it later
  let app: ReturnType<typeof createAdapterApp> | undefined;
  const server = await listen({ fetch: (request) => app!.fetch(request) });
  servers.push(server);
  const config = loadAdapterConfig({ flags: { openbomUrl: mockUrl, publicBaseUrl: server.url, ...flags }, env: ENV });
  // Backoff at its shortest (jitter 0): the waits are still real, only not randomly longer.
  const openbom = openBomClientFromConfig(config.openbom, { logger, random: () => 0 });
  app = createAdapterApp({ config, openbom, logger });
  return { url: server.url, logger };
}

/** A request to the adapter; every answer is validated against the spec, JSON ones are kept for the secret scan. */
async function call(
  url: string,
  { key = KEY, header = 'X-API-KEY', method = 'GET' }: { key?: string | null; header?: string; method?: string } = {},
) {
  const response = await fetch(url, { method, headers: key === null ? {} : { [header]: key } });
  const { pathname, search } = new URL(url);
  const body = await expectValidResponse(spec, method, pathname + search, response);
  if (!response.headers.get('content-type')?.startsWith('application/json')) return { response, body: undefined };
  bodies.push(JSON.stringify(body));
  return { response, body: body as any };
}

const listing = (adapter: { url: string }, materialId: string, revision?: string) =>
  `${adapter.url}/materials/documents?${new URLSearchParams(revision === undefined ? { materialId } : { materialId, revision })}`;

async function admin(mockUrl: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${mockUrl}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
  return response.json();
}

interface JournalEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  kind: 'api' | 'storage';
}
const journal = async (mockUrl: string): Promise<JournalEntry[]> => (await admin(mockUrl, 'GET', '/requests')).requests;

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('adapter against the mock: listings and downloads', () => {
  let mock: RunningServer;
  let adapter: Awaited<ReturnType<typeof startAdapter>>;
  // OpenBOM's rate limit is not what these tests are about (see 'upstream trouble'): off on both sides.
  const unlimited = { requestsPerSecond: 1000 };
  beforeAll(async () => {
    mock = await startMock({ rateLimit: 0 });
    adapter = await startAdapter(mock.url, unlimited);
  });

  it('lists the latest revision without a revision, another list with 119, the same with an empty one', async () => {
    const latest = await call(listing(adapter, PART));
    expect(latest.response.status).toBe(200);
    expect(latest.response.headers.get('cache-control')).toBe('no-store');
    expect(latest.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(filesIn(partOf(PART).row).map((f) => f.name));
    expect(latest.body.data.map((d: { fileName: string }) => d.fileName)).toContain('55-554354_rev120_drawing.pdf');
    for (const document of latest.body.data) expect(document.link.startsWith(`${adapter.url}/materials/documents/download?`)).toBe(true);

    const older = await call(listing(adapter, PART, '119'));
    const olderNames = older.body.data.map((d: { fileName: string }) => d.fileName);
    expect(olderNames).toEqual(filesIn(revisionRow(PART, '119')).map((f) => f.name));
    expect(olderNames).toContain('55-554354_rev119_drawing.pdf');
    expect(olderNames).not.toEqual(latest.body.data.map((d: { fileName: string }) => d.fileName));

    const explicit = await call(listing(adapter, PART, '120'));
    expect(explicit.body.data.map((d: { fileName: string }) => d.fileName)).toEqual(
      latest.body.data.map((d: { fileName: string }) => d.fileName),
    );
    const empty = await call(listing(adapter, PART, ''));
    expect(empty.body).toEqual(latest.body);
  });

  it('answers 200 with [] for an unknown material or revision and for a part without files', async () => {
    for (const [materialId, revision] of [
      ['NO-SUCH-PART', undefined],
      [PART, '999'],
      ['55-590100', undefined],
    ] as const) {
      const { response, body } = await call(listing(adapter, materialId, revision));
      expect(response.status).toBe(200);
      expect(body).toEqual({ data: [] });
    }
  });

  it('answers 400 with the error object when materialId is missing or empty', async () => {
    for (const query of ['', '?materialId=', '?revision=119']) {
      const { response, body } = await call(`${adapter.url}/materials/documents${query}`);
      expect(response.status).toBe(400);
      expect(body.errors).toEqual([expect.objectContaining({ field: 'materialId' })]);
    }
  });

  it('downloads exactly the fixture bytes through each listed link, for both revisions', async () => {
    for (const [revision, row] of [
      [undefined, partOf(PART).row],
      ['119', revisionRow(PART, '119')],
    ] as const) {
      const { body } = await call(listing(adapter, PART, revision));
      for (const file of filesIn(row)) {
        const link = body.data.find((d: { fileName: string }) => d.fileName === file.name).link;
        const { response } = await call(link);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe(file.contentType);
        expect(response.headers.get('content-length')).toBe(String(file.bytes.byteLength));
        expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(file.bytes))).toBe(true);
      }
    }
  });

  it('quotes an awkward file name in Content-Disposition and still serves it', async () => {
    const { body } = await call(listing(adapter, ODD_PART));
    expect(body.data).toEqual([expect.objectContaining({ fileName: ODD_NAME, type: 'Drawing', description: 'Odd file name' })]);
    const { response } = await call(body.data[0].link);
    expect(response.status).toBe(200);
    const disposition = response.headers.get('content-disposition')!;
    expect(disposition).toBe(
      `attachment; filename="Spec \\"v2\\" ? Z?rich draft.pdf"; filename*=UTF-8''Spec%20%22v2%22%20%E2%80%93%20Z%C3%BCrich%20draft.pdf`,
    );
    expect(parseContentDisposition(disposition).parameters.filename).toBe(ODD_NAME);
    expect(await response.text()).toBe('%PDF-1.4 odd name');
  });

  it('answers HEAD with the download headers and no body', async () => {
    const { body } = await call(listing(adapter, PART));
    const link = body.data.find((d: { type: string }) => d.type === 'Drawing').link;
    const { response } = await call(link, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(
      String(filesIn(partOf(PART).row).find((f) => f.name.endsWith('drawing.pdf'))!.bytes.byteLength),
    );
    expect(response.headers.get('content-disposition')).toContain('55-554354_rev120_drawing.pdf');
    expect(await response.text()).toBe('');
  });

  it('answers 404 for a file outside the listing and 400 for missing parameters', async () => {
    const base = `${adapter.url}/materials/documents/download`;
    for (const query of [
      `materialId=${PART}&column=Drawing&fileName=55-554354_rev119_drawing.pdf`, // exists, but not in the latest revision
      `materialId=${PART}&column=Drawing&fileName=..%2F..%2F__admin%2Fstate`,
      `materialId=${PART}&column=Vendor&fileName=Pulley%20Works%20Oy`,
      `materialId=NOPE&column=Drawing&fileName=x.pdf`,
    ]) {
      const { response } = await call(`${base}?${query}`);
      expect(response.status).toBe(404);
    }
    const { response, body } = await call(`${base}?materialId=${PART}`);
    expect(response.status).toBe(400);
    expect(body.errors.map((e: { field: string }) => e.field)).toEqual(['column', 'fileName']);
  });

  it('checks the key on listing and download: missing, wrong, header name in any case, rotated keys', async () => {
    const { body } = await call(listing(adapter, PART));
    const targets = [listing(adapter, PART), body.data[0].link as string];
    for (const url of targets) {
      expect((await call(url, { key: null })).response.status).toBe(401);
      expect((await call(url, { key: 'not-the-key' })).response.status).toBe(401);
      expect((await call(url, { key: KEY.slice(0, -1) })).response.status).toBe(401);
      expect((await call(url, { key: KEY, header: 'Authorization' })).response.status).toBe(401);
      expect((await call(url, { key: KEY, header: 'x-api-key' })).response.status).toBe(200);
      expect((await call(url, { key: KEY, header: 'X-Api-Key' })).response.status).toBe(200);
      expect((await call(url, { key: ROTATED_KEY })).response.status).toBe(200);
    }
    const refused = await call(targets[0]!, { key: 'not-the-key' });
    expect(refused.body).toEqual({ message: 'Unauthorized', errors: [{ message: 'Missing or invalid API key in the X-API-KEY header.' }] });
  });

  it('honours a configured key header name', async () => {
    const custom = await startAdapter(mock.url, { ...unlimited, apiKeyHeader: 'X-Jakamo-Secret' });
    expect((await call(listing(custom, PART))).response.status).toBe(401);
    expect((await call(listing(custom, PART), { header: 'x-jakamo-secret' })).response.status).toBe(200);
  });
});

describe('adapter against the mock: upstream trouble', () => {
  it('keeps answering 200 when every access token expires mid-run', async () => {
    const mock = await startMock({ rateLimit: 0 });
    const adapter = await startAdapter(mock.url, { requestsPerSecond: 1000 });
    expect((await call(listing(adapter, PART))).response.status).toBe(200);
    expect((await admin(mock.url, 'POST', '/tokens/expire')).expired).toBeGreaterThan(0);
    // An uncached listing needs OpenBOM again, with the expired token first.
    const { response, body } = await call(listing(adapter, PART, '119'));
    expect(response.status).toBe(200);
    expect(body.data.length).toBeGreaterThan(0);
    const download = await call(body.data[0].link);
    expect(download.response.status).toBe(200);
    const revisionsPath = `/catalog/${fixture.catalogs[0]!.id}/revisions/partnumber/${PART}`;
    const entries = (await journal(mock.url)).map((entry) => ({ ...entry, path: entry.path.split('?')[0] }));
    const refused = entries.findIndex((entry) => entry.path === revisionsPath && entry.status === 401);
    expect(refused).toBeGreaterThan(0);
    // Renewed with the refresh token (no second login), then the same request again.
    expect(entries.slice(refused + 1, refused + 3).map((entry) => `${entry.method} ${entry.path}`)).toEqual([
      'POST /token/renew',
      `GET ${revisionsPath}`,
    ]);
    expect(entries.filter((entry) => entry.path === '/login')).toHaveLength(1);
  });

  it('rides out a 429 storm, and answers 502 once the retry budget is spent', async () => {
    const mock = await startMock();
    await admin(mock.url, 'POST', '/faults', {
      method: 'GET',
      path: '/**',
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { error: 'Too many requests. The limit is 5 requests per second.' },
      times: 2,
    });
    const patient = await startAdapter(mock.url, { maxRetries: 3 });
    expect((await call(listing(patient, PART))).response.status).toBe(200);
    expect((await journal(mock.url)).filter((entry) => entry.status === 429)).toHaveLength(2);

    await admin(mock.url, 'POST', '/faults', {
      method: 'GET',
      path: '/**',
      status: 429,
      headers: { 'Retry-After': '1' },
      body: { error: 'Too many requests.' },
    });
    const impatient = await startAdapter(mock.url, { maxRetries: 1 });
    const { response, body } = await call(listing(impatient, PART));
    expect(response.status).toBe(502);
    expect(body).toMatchObject({ message: 'Bad gateway', errors: [{ message: expect.stringContaining('429') }] });
  });

  it('rides out a burst of 500s, and answers 502 with the error object when they persist', async () => {
    const mock = await startMock();
    await admin(mock.url, 'POST', '/faults', {
      path: '/catalog/*',
      status: 500,
      body: { error: 'Something went wrong. Please try again later.' },
      times: 3,
    });
    const adapter = await startAdapter(mock.url, { maxRetries: 3, requestsPerSecond: 5 });
    expect((await call(listing(adapter, PART))).response.status).toBe(200);

    await admin(mock.url, 'POST', '/faults', {
      path: '/catalog/**',
      status: 500,
      body: { error: 'Something went wrong. Please try again later.' },
    });
    const { response, body } = await call(listing(adapter, PART, '119'));
    expect(response.status).toBe(502);
    expect(body.errors[0].message).toContain('HTTP 500');
    await admin(mock.url, 'DELETE', '/faults');
    expect((await call(listing(adapter, PART, '119'))).response.status).toBe(200);
  });

  it('answers 502 when OpenBOM is unreachable', async () => {
    const closed = await startMock();
    const url = closed.url;
    await closed.close();
    const adapter = await startAdapter(url, { maxRetries: 1, timeout: 2000 });
    const { response, body } = await call(listing(adapter, PART));
    expect(response.status).toBe(502);
    expect(body.errors[0].message).toContain('unreachable');
  });

  it('serves 50 concurrent cold listings with one login and never more than 5 requests a second', async () => {
    const mock = await startMock();
    const adapter = await startAdapter(mock.url);
    await admin(mock.url, 'DELETE', '/requests');
    const asks: Array<[string, string | undefined]> = [
      [PART, undefined],
      [PART, '119'],
      [PART, '120'],
      ['55-570110', 'B'],
      ['10-100120', 'A'],
      ['NO-SUCH-PART', undefined],
    ];
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => call(listing(adapter, ...asks[i % asks.length]!))));
    expect(responses.map((r) => r.response.status)).toEqual(Array(50).fill(200));

    const entries = (await journal(mock.url)).filter((entry) => entry.kind === 'api');
    expect(entries.filter((entry) => entry.path === '/login')).toHaveLength(1);
    expect(entries.some((entry) => entry.status === 429)).toBe(false);
    // Single flight: each distinct revision lookup reached OpenBOM once.
    expect(entries.filter((entry) => entry.path.includes('/revisions/merged/'))).toHaveLength(4);
    const times = entries.map((entry) => Date.parse(entry.time)).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(5);
    for (let i = 0; i < times.length; i++) {
      const inWindow = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(5);
    }
  });
});

describe('secrets', () => {
  it('never appear in a log line or a response body', () => {
    const logged = loggers.flatMap((logger) => logger.lines);
    expect(logged.some((line) => line.includes('"msg":"request"'))).toBe(true);
    for (const text of [...logged, ...bodies]) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/eyJ[\w-]{20,}/); // no access or refresh token
    }
  });
});
