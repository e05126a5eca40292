import { describe, expect, it, vi } from 'vitest';
import { parse as parseContentDisposition } from 'content-disposition';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { createAdapterApp, type AdapterAppConfig } from '../../src/adapter/app.js';
import { API_ORIGIN, APP_KEY, clientOfFake, createFakeOpenBom, PASSWORD, USERNAME } from './support/fake-openbom.js';

const KEY = 'jakamo-key-current-0001';
const OLD_KEY = 'jakamo-key-previous-0002';
const BASE = 'https://adapter.example.com/api';

function setup(overrides: Partial<AdapterAppConfig> = {}) {
  const fake = createFakeOpenBom();
  const clock = new ManualClock();
  const logger = createMemoryLogger();
  const openbom = clientOfFake(fake, { clock, maxRetries: 1, logger });
  const config: AdapterAppConfig = {
    publicBaseUrl: BASE,
    apiKeyHeader: 'X-API-KEY',
    apiKeys: [KEY, OLD_KEY],
    cacheTtlSeconds: 60,
    openbom: { url: API_ORIGIN, catalogs: [] },
    mapping: { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' },
    ...overrides,
  };
  const app = createAdapterApp({ config, openbom, logger, clock });
  const get = (path: string, headers: Record<string, string> = { 'X-API-KEY': KEY }, method = 'GET') =>
    app.request(path, { method, headers });
  return { fake, clock, logger, app, get };
}

const list = (materialId: string, revision?: string) =>
  `/materials/documents?materialId=${encodeURIComponent(materialId)}${revision === undefined ? '' : `&revision=${encodeURIComponent(revision)}`}`;

async function json(response: Response): Promise<any> {
  return response.json();
}

describe('listing', () => {
  it('lists the current row files, typed by column, with links on the public base URL', async () => {
    const { get } = setup();
    const response = await get(list('55-554354'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await json(response);
    expect(body.data).toEqual([
      {
        fileName: 'drawing-120.pdf',
        description: 'Mounting bracket',
        type: 'Drawing',
        link: `${BASE}/materials/documents/download?materialId=55-554354&column=Drawing&fileName=drawing-120.pdf`,
      },
      {
        fileName: 'model-120.step',
        description: 'Mounting bracket',
        type: 'CAD Model',
        link: `${BASE}/materials/documents/download?materialId=55-554354&column=CAD+Model&fileName=model-120.step`,
      },
    ]);
  });

  it('picks an older revision from the merged revisions document', async () => {
    const { get } = setup();
    const body = await json(await get(list('55-554354', ' 119 ')));
    expect(body.data).toEqual([
      expect.objectContaining({
        fileName: 'drawing-119.pdf',
        description: 'Bracket rev 119',
        type: 'Drawing',
        link: expect.stringContaining('revision=119&'),
      }),
    ]);
  });

  it('treats an empty revision as the latest', async () => {
    const { get } = setup();
    const latest = await json(await get(list('55-554354')));
    expect(await json(await get(list('55-554354', '')))).toEqual(latest);
  });

  it('falls back to the current row when a part without revision history carries the asked revision', async () => {
    const { get } = setup();
    const body = await json(await get(list('UNICODE-1', '1')));
    expect(body.data.map((d: { fileName: string }) => d.fileName)).toEqual(['My "quoted" drawing ü.pdf']);
    expect(body.data[0].description).toBe('');
  });

  it.each([
    ['an unknown material', list('NO-SUCH-PART')],
    ['an unknown revision', list('55-554354', '999')],
    ['a part without files', list('NOFILES-1')],
    ['a part whose only file points outside OpenBOM', list('FOREIGN-1')],
  ])('answers 200 with an empty list for %s', async (_, path) => {
    const { get } = setup();
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ data: [] });
  });

  it('searches only the configured catalogs, first one winning', async () => {
    const { get, fake } = setup({ openbom: { url: API_ORIGIN, catalogs: ['cat-2', 'cat-1'] } });
    const body = await json(await get(list('55-554354')));
    expect(body.data.map((d: { fileName: string }) => d.fileName)).toEqual(['shadowed.pdf']);
    expect(fake.apiCalls().some((call) => call.url.endsWith('/catalogs'))).toBe(false);
  });

  it('uses the configured file columns and their types', async () => {
    const { get } = setup({
      mapping: {
        partNumberColumn: 'Part Number',
        revisionColumn: 'Revision',
        descriptionColumn: 'Name',
        files: [{ column: 'Drawing', type: 'Technical drawing' }],
      },
    });
    const body = await json(await get(list('55-554354')));
    expect(body.data).toEqual([
      expect.objectContaining({ fileName: 'drawing-120.pdf', type: 'Technical drawing', description: 'Bracket' }),
    ]);
  });

  it.each([
    ['missing', '/materials/documents'],
    ['empty', '/materials/documents?materialId='],
    ['blank', '/materials/documents?materialId=%20%20'],
  ])('answers 400 with the error object when materialId is %s', async (_, path) => {
    const { get } = setup();
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ message: 'Bad request', errors: [{ message: 'materialId is required.', field: 'materialId' }] });
  });

  it('caches the index and listings: a repeated listing costs no upstream call; an expired index is rebuilt in the background', async () => {
    const { get, fake, clock } = setup();
    await get(list('55-554354', '119'));
    const afterFirst = fake.calls.length;
    await get(list('55-554354', '119'));
    await get(list('55-554354'));
    expect(fake.calls.length).toBe(afterFirst);
    clock.advance(61_000);
    expect((await get(list('55-554354'))).status).toBe(200);
    await vi.waitFor(() => expect(fake.apiCalls().filter((call) => call.url.endsWith('/catalog/cat-1'))).toHaveLength(2));
  });

  it('shares one upstream load among identical concurrent listings', async () => {
    const { get, fake } = setup();
    const responses = await Promise.all(Array.from({ length: 20 }, async () => get(list('55-554354', '119'))));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const counts = fake.apiCalls().map((call) => new URL(call.url).pathname);
    expect(counts.filter((p) => p === '/login')).toHaveLength(1);
    expect(counts.filter((p) => p.includes('/revisions/merged/'))).toHaveLength(1);
    expect(counts.filter((p) => p === '/catalog/cat-1')).toHaveLength(1);
  });

  it('answers 502 with the error object when OpenBOM keeps failing, and recovers afterwards', async () => {
    const { get, fake } = setup();
    fake.intercept = (request) =>
      request.url.endsWith('/catalogs')
        ? Response.json({ error: 'Something went wrong. Please try again later.' }, { status: 503 })
        : undefined;
    const failed = await get(list('55-554354'));
    expect(failed.status).toBe(502);
    const body = await json(failed);
    expect(body).toMatchObject({ message: 'Bad gateway', errors: [{ message: expect.stringContaining('HTTP 503') }] });
    fake.intercept = undefined;
    expect((await get(list('55-554354'))).status).toBe(200);
  });
});

describe('authentication', () => {
  it.each([
    ['no key', {}],
    ['a wrong key', { 'X-API-KEY': 'nope' }],
    ['an empty key', { 'X-API-KEY': '' }],
    ['the key in another header', { Authorization: KEY }],
  ])('refuses %s with 401 on listing and download, before any upstream call', async (_, headers) => {
    const { get, fake } = setup();
    for (const path of [list('55-554354'), '/materials/documents/download?materialId=55-554354&column=Drawing&fileName=drawing-120.pdf']) {
      const response = await get(path, headers);
      expect(response.status).toBe(401);
      const body = await json(response);
      expect(body).toEqual({ message: 'Unauthorized', errors: [{ message: 'Missing or invalid API key in the X-API-KEY header.' }] });
    }
    expect(fake.calls).toHaveLength(0);
  });

  it('accepts every configured key, with the header name in any case', async () => {
    const { get } = setup();
    expect((await get(list('55-554354'), { 'x-api-key': KEY })).status).toBe(200);
    expect((await get(list('55-554354'), { 'X-Api-Key': OLD_KEY })).status).toBe(200);
  });

  it('reads the key from a configured header name', async () => {
    const { get } = setup({ apiKeyHeader: 'X-Jakamo-Token' });
    expect((await get(list('55-554354'), { 'X-API-KEY': KEY })).status).toBe(401);
    expect((await get(list('55-554354'), { 'x-jakamo-token': KEY })).status).toBe(200);
  });
});

describe('download', () => {
  const download = (column: string, fileName: string, extra = '') =>
    `/materials/documents/download?materialId=55-554354${extra}&column=${encodeURIComponent(column)}&fileName=${encodeURIComponent(fileName)}`;

  it('streams the file through with type, length and disposition', async () => {
    const { get } = setup();
    const response = await get(download('Drawing', 'drawing-120.pdf'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe('16');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename=drawing-120.pdf');
    expect(await response.text()).toBe('%PDF drawing 120');
  });

  it('follows the link a listing gave, path and query alike', async () => {
    const { get } = setup();
    const body = await json(await get(list('UNICODE-1')));
    const link = new URL(body.data[0].link);
    const response = await get(link.pathname.replace(/^\/api/, '') + link.search);
    expect(response.status).toBe(200);
    const disposition = response.headers.get('content-disposition')!;
    expect(disposition).toContain("filename*=UTF-8''My%20%22quoted%22%20drawing%20%C3%BC.pdf");
    expect(parseContentDisposition(disposition).parameters.filename).toBe('My "quoted" drawing ü.pdf');
    expect(await response.text()).toBe('%PDF unicode');
  });

  it('answers HEAD with the headers and no body', async () => {
    const { get } = setup();
    const response = await get(download('Drawing', 'drawing-120.pdf'), { 'X-API-KEY': KEY }, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('16');
    expect(response.headers.get('content-disposition')).toContain('drawing-120.pdf');
    expect(await response.text()).toBe('');
  });

  it.each([
    ['a file not in the listing', download('Drawing', 'other.pdf')],
    ['a file of another column', download('CAD Model', 'drawing-120.pdf')],
    ['a file of another revision', download('Drawing', 'drawing-120.pdf', '&revision=119')],
    ['an unknown material', '/materials/documents/download?materialId=X&column=Drawing&fileName=drawing-120.pdf'],
    ['a listed file OpenBOM no longer has', download('CAD Model', 'model-120.step')],
  ])('answers 404 for %s', async (_, path) => {
    const { get } = setup();
    const response = await get(path);
    expect(response.status).toBe(404);
    expect(await json(response)).toMatchObject({ message: 'Not found', errors: [{ message: expect.any(String) }] });
  });

  it('answers 400 naming every missing parameter', async () => {
    const { get } = setup();
    const response = await get('/materials/documents/download?column=Drawing');
    expect(response.status).toBe(400);
    expect((await json(response)).errors).toEqual([
      { message: 'materialId is required.', field: 'materialId' },
      { message: 'fileName is required.', field: 'fileName' },
    ]);
  });

  it('answers 502 when the storage keeps failing', async () => {
    const { get, fake } = setup();
    fake.intercept = (request) => (request.url.includes('storage.test') ? new Response('boom', { status: 500 }) : undefined);
    const response = await get(download('Drawing', 'drawing-120.pdf'));
    expect(response.status).toBe(502);
    expect(await json(response)).toMatchObject({ message: 'Bad gateway' });
  });
});

describe('other requests and logging', () => {
  it('answers 405 with Allow for other methods and 404 for other paths, in the error shape', async () => {
    const { get } = setup();
    const post = await get(list('55-554354'), { 'X-API-KEY': KEY }, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await json(post)).toMatchObject({ message: 'Method not allowed' });
    const other = await get('/nope');
    expect(other.status).toBe(404);
    expect(await json(other)).toMatchObject({ message: 'Not found', errors: [{ message: expect.any(String) }] });
  });

  it('logs one line per request with method, path, status, duration and upstream calls, and no secret', async () => {
    const { get, logger } = setup();
    await get(list('55-554354'));
    await get(list('55-554354'));
    await get(list('55-554354'), { 'X-API-KEY': 'wrong-key-value' });
    const requests = logger.lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/materials/documents?materialId=55-554354',
        status: 200,
        upstreamCalls: 4,
        durationMs: expect.any(Number),
      }),
      expect.objectContaining({ status: 200, upstreamCalls: 0 }),
      expect.objectContaining({ status: 401, upstreamCalls: 0 }),
    ]);
    const everything = logger.lines.join('\n');
    for (const secret of [KEY, OLD_KEY, 'wrong-key-value', APP_KEY, PASSWORD, USERNAME, 'access-1-secret', 'refresh-1-secret']) {
      expect(everything).not.toContain(secret);
    }
  });
});
