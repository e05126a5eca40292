/**
 * Every supplier-document route, success and error, in-process, over both stores; every JSON answer is checked
 * against spec/jakamo-file-callback.yaml.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { parse as parseContentDisposition } from 'content-disposition';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import {
  createFileSystemStore,
  createMemoryStore,
  createSupplierDocumentRoutes,
  type SupplierDocumentStore,
} from '../../src/adapter/supplier-documents/index.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';
import { KEY_HEADERS, PUBLIC_BASE_URL, requireTestKey, TEST_KEY, uploadBody } from './support.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const STORES: Array<[string, (clock: ManualClock) => Promise<SupplierDocumentStore>]> = [
  ['memory store', async (clock) => createMemoryStore({ clock })],
  [
    'filesystem store',
    async (clock) => {
      const dir = await mkdtemp(join(tmpdir(), 'jk-supplier-routes-'));
      tempDirs.push(dir);
      return createFileSystemStore({ dir, clock });
    },
  ],
];

describe.each(STORES)('supplier document routes over the %s', (_, makeStore) => {
  let clock: ManualClock;
  let app: ReturnType<typeof createSupplierDocumentRoutes>;
  let logger: ReturnType<typeof createMemoryLogger>;

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 2, 1, 12, 0, 0));
    logger = createMemoryLogger();
    app = createSupplierDocumentRoutes({
      store: await makeStore(clock),
      authorize: requireTestKey,
      publicBaseUrl: `${PUBLIC_BASE_URL}/`,
      logger,
    });
  });

  /** Sends a request and checks the answer against the spec; returns the response and its parsed JSON body. */
  async function call(method: string, path: string, body?: string, headers: Record<string, string> = KEY_HEADERS) {
    const response = await app.request(path, { method, headers, body });
    const json = (await expectValidResponse(spec, method, path, response)) as Record<string, unknown> & {
      errors?: Array<{ field?: string; message: string }>;
    };
    return { status: response.status, headers: response.headers, json, response };
  }
  const post = (supplier: string, body: string) => call('POST', `/suppliers/${supplier}/documents`, body);
  const put = (supplier: string, body: string) => call('PUT', `/suppliers/${supplier}/documents`, body);

  it('creates a document: 201 with the stored document and its link', async () => {
    const { status, json } = await post('54454543', uploadBody('file.txt', 'Hello, Jakamo!', [{ key: 'validTo', value: '2024-05-05' }]));
    expect(status).toBe(201);
    expect(json).toEqual({
      fileName: 'file.txt',
      metaData: [{ key: 'validTo', value: '2024-05-05' }],
      size: 14,
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:00.000Z',
      link: `${PUBLIC_BASE_URL}/suppliers/54454543/documents/file.txt`,
    });
    expect(logger.lines.join('')).toContain('supplier document created');
  });

  it('stores an absent metaData as [] and an empty contents as an empty file', async () => {
    const { status, json } = await post('S-1', JSON.stringify({ fileName: 'empty.bin', base64EncodedContents: '' }));
    expect(status).toBe(201);
    expect(json).toMatchObject({ metaData: [], size: 0 });
    const download = await app.request('/suppliers/S-1/documents/empty.bin', { headers: KEY_HEADERS });
    expect(download.headers.get('content-length')).toBe('0');
    expect((await download.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses a second POST of the same name with 400 saying to use PUT, and keeps the first', async () => {
    await post('S1', uploadBody('a.txt', 'first'));
    const again = await post('S1', uploadBody('a.txt', 'second'));
    expect(again.status).toBe(400);
    expect(again.json.message).toMatch(/already exists.*use PUT/);
    expect(again.json.errors).toEqual([expect.objectContaining({ field: 'fileName' })]);
    const download = await app.request('/suppliers/S1/documents/a.txt', { headers: KEY_HEADERS });
    expect(await download.text()).toBe('first');
  });

  it('keeps names apart per supplier and case, and takes NFC and NFD spellings of one name as one document (stored in NFC)', async () => {
    for (const [supplier, name] of [
      ['S1', 'Report.pdf'],
      ['S1', 'report.pdf'],
      ['S2', 'Report.pdf'],
      ['S1', 'Z\u00fcrich.pdf'],
    ] as const) {
      expect((await post(supplier, uploadBody(name, `${supplier}/${name}`))).status).toBe(201);
    }
    // The same name typed with a combining diaeresis (NFD, as macOS file names come) is the existing document.
    const again = await post('S1', uploadBody('Zu\u0308rich.pdf', 'NFD'));
    expect(again.status).toBe(400);
    expect(again.json.errors).toEqual([{ field: 'fileName', message: expect.stringContaining('use PUT') }]);
    const replaced = await put('S1', uploadBody('Zu\u0308rich.pdf', 'replaced through NFD'));
    expect(replaced.status).toBe(200);
    expect(replaced.json.fileName).toBe('Z\u00fcrich.pdf');
    const listed = await call('GET', '/suppliers/S1/documents');
    expect((listed.json.data as Array<{ fileName: string }>).map((d) => d.fileName)).toEqual([
      'Report.pdf',
      'Z\u00fcrich.pdf',
      'report.pdf',
    ]);
    for (const spelling of ['Z\u00fcrich.pdf', 'Zu\u0308rich.pdf']) {
      const download = await app.request(`/suppliers/S1/documents/${encodeURIComponent(spelling)}`, { headers: KEY_HEADERS });
      expect(await download.text()).toBe('replaced through NFD');
    }
    expect((await call('DELETE', `/suppliers/S1/documents/${encodeURIComponent('Zu\u0308rich.pdf')}`)).status).toBe(200);
    expect((await call('GET', `/suppliers/S1/documents/${encodeURIComponent('Z\u00fcrich.pdf')}`)).status).toBe(404);
  });

  it('lists a supplier\'s documents sorted by name; an unknown supplier gets {"data": []}', async () => {
    await post('S1', uploadBody('b.txt', 'bb'));
    await post('S1', uploadBody('a.txt', 'a'));
    const { status, json } = await call('GET', '/suppliers/S1/documents');
    expect(status).toBe(200);
    expect(json.data).toEqual([
      expect.objectContaining({ fileName: 'a.txt', size: 1, link: `${PUBLIC_BASE_URL}/suppliers/S1/documents/a.txt` }),
      expect.objectContaining({ fileName: 'b.txt', size: 2 }),
    ]);
    expect(await call('GET', '/suppliers/nobody-here/documents')).toMatchObject({ status: 200, json: { data: [] } });
  });

  it('replaces with PUT: 200, new contents and metaData, createdAt kept, updatedAt moved', async () => {
    await post('S1', uploadBody('a.txt', 'old', [{ key: 'v', value: '1' }]));
    clock.advance(60_000);
    const { status, json } = await put('S1', uploadBody('a.txt', 'newer', [{ key: 'v', value: '2' }]));
    expect(status).toBe(200);
    expect(json).toMatchObject({
      fileName: 'a.txt',
      metaData: [{ key: 'v', value: '2' }],
      size: 5,
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:01:00.000Z',
    });
    expect(await (await app.request('/suppliers/S1/documents/a.txt', { headers: KEY_HEADERS })).text()).toBe('newer');
    // PUT replaces the whole document: metaData left out becomes [].
    expect((await put('S1', uploadBody('a.txt', 'x'))).json.metaData).toEqual([]);
  });

  it('answers PUT of an unknown name with 404 naming fileName, and stores nothing', async () => {
    const { status, json } = await put('S1', uploadBody('missing.txt', 'x'));
    expect(status).toBe(404);
    expect(json.errors).toEqual([expect.objectContaining({ field: 'fileName', message: expect.stringMatching(/Use POST to create it/) })]);
    expect((await call('GET', '/suppliers/S1/documents')).json.data).toEqual([]);
  });

  it('deletes: 200 with the deleted document (no link); then 404 for it and gone from the list', async () => {
    await post('S1', uploadBody('a b.txt', 'abc', [{ key: 'k', value: 'v' }]));
    const path = `/suppliers/S1/documents/${encodeURIComponent('a b.txt')}`;
    const deleted = await call('DELETE', path);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({
      fileName: 'a b.txt',
      metaData: [{ key: 'k', value: 'v' }],
      size: 3,
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:00.000Z',
    });
    expect((await call('DELETE', path)).status).toBe(404);
    expect((await call('GET', path)).status).toBe(404);
    expect((await call('GET', '/suppliers/S1/documents')).json.data).toEqual([]);
    // The name is free again.
    expect((await post('S1', uploadBody('a b.txt', 'again'))).status).toBe(201);
  });

  it('downloads through the listed link with Content-Type, Content-Length and a quoted Content-Disposition', async () => {
    const name = 'Spec "v2" – Zürich draft.pdf';
    const bytes = Buffer.from('%PDF-1.4 supplier document');
    const link = (await post('S1', uploadBody(name, bytes))).json.link as string;
    const path = link.slice(PUBLIC_BASE_URL.length);
    const { status, headers, response } = await call('GET', path);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/pdf');
    expect(headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    const disposition = headers.get('content-disposition')!;
    expect(disposition).toMatch(/^attachment; filename="/);
    expect(parseContentDisposition(disposition).parameters.filename).toBe(name);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('quotes a plain token name too, and falls back to application/octet-stream for unknown extensions', async () => {
    await post('S1', uploadBody('plain', 'x'));
    const download = await app.request('/suppliers/S1/documents/plain', { headers: KEY_HEADERS });
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="plain"');
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('answers HEAD with the download headers and no body', async () => {
    await post('S1', uploadBody('a.csv', 'a,b\n1,2\n'));
    const head = await app.request('/suppliers/S1/documents/a.csv', { method: 'HEAD', headers: KEY_HEADERS });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/csv');
    expect(head.headers.get('content-length')).toBe('8');
    expect(head.headers.get('content-disposition')).toBe('attachment; filename="a.csv"');
    expect(await head.text()).toBe('');
    const missing = await app.request('/suppliers/S1/documents/none.csv', { method: 'HEAD', headers: KEY_HEADERS });
    expect(missing.status).toBe(404);
  });

  it.each([
    ['GET', '/suppliers/S1/documents'],
    ['POST', '/suppliers/S1/documents'],
    ['PUT', '/suppliers/S1/documents'],
    ['GET', '/suppliers/S1/documents/a.txt'],
    ['HEAD', '/suppliers/S1/documents/a.txt'],
    ['DELETE', '/suppliers/S1/documents/a.txt'],
  ])('answers %s %s without the key (or with a wrong one) with 401 and changes nothing', async (method, path) => {
    await post('S1', uploadBody('a.txt', 'kept'));
    const body = method === 'POST' || method === 'PUT' ? uploadBody('a.txt', 'changed') : undefined;
    for (const headers of [{ 'Content-Type': 'application/json' }, { 'X-API-KEY': `${TEST_KEY}x` }] as Array<Record<string, string>>) {
      const response = await app.request(path, { method, headers, body });
      expect(response.status).toBe(401);
      if (method !== 'HEAD') await expectValidResponse(spec, method, path, response);
    }
    expect(await (await app.request('/suppliers/S1/documents/a.txt', { headers: KEY_HEADERS })).text()).toBe('kept');
  });

  it.each([
    ['GET', '/suppliers/-bad/documents', 'supplierId'],
    ['GET', `/suppliers/${'x'.repeat(129)}/documents`, 'supplierId'],
    ['GET', '/suppliers/S1/documents/a%2Fb.txt', 'fileName'],
    ['GET', '/suppliers/S1/documents/a%5Cb.txt', 'fileName'],
    ['GET', '/suppliers/S1/documents/a..b', 'fileName'],
    ['DELETE', '/suppliers/S1/documents/a%00b', 'fileName'],
    ['DELETE', '/suppliers/bad%20id/documents/a.txt', 'supplierId'],
  ])('answers %s %s with 400 naming %s', async (method, path, field) => {
    const { status, json } = await call(method, path);
    expect(status).toBe(400);
    expect(json.errors!.map((e) => e.field)).toEqual([field]);
  });

  it('answers other methods on its paths with 405 and Allow', async () => {
    const collection = await app.request('/suppliers/S1/documents', { method: 'DELETE', headers: KEY_HEADERS });
    expect(collection.status).toBe(405);
    expect(collection.headers.get('allow')).toBe('GET, POST, PUT');
    const document = await app.request('/suppliers/S1/documents/a.txt', { method: 'PUT', headers: KEY_HEADERS, body: '{}' });
    expect(document.status).toBe(405);
    expect(document.headers.get('allow')).toBe('GET, HEAD, DELETE');
    expect(await document.json()).toEqual({ message: 'Method not allowed', errors: [{ message: expect.stringContaining('PUT') }] });
  });
});

describe('supplier document routes when the store fails', () => {
  const failing: SupplierDocumentStore = {
    stage: () => Promise.reject(new Error('EIO: disk on fire')),
    close: () => Promise.resolve(),
    list: () => Promise.reject(new Error('EIO: disk on fire')),
    get: () => Promise.reject(new Error('EIO: disk on fire')),
    create: () => Promise.reject(new Error('EIO: disk on fire')),
    replace: () => Promise.reject(new Error('EIO: disk on fire')),
    delete: () => Promise.reject(new Error('EIO: disk on fire')),
  };

  it.each([
    ['GET', '/suppliers/S1/documents', undefined],
    ['POST', '/suppliers/S1/documents', uploadBody('a.txt', 'x')],
    ['PUT', '/suppliers/S1/documents', uploadBody('a.txt', 'x')],
    ['GET', '/suppliers/S1/documents/a.txt', undefined],
    ['DELETE', '/suppliers/S1/documents/a.txt', undefined],
  ])('answers %s %s with 500 and the error object, logging the cause but not telling the client', async (method, path, body) => {
    const logger = createMemoryLogger();
    const app = createSupplierDocumentRoutes({ store: failing, authorize: requireTestKey, publicBaseUrl: PUBLIC_BASE_URL, logger });
    const response = await app.request(path, { method, headers: KEY_HEADERS, body });
    expect(response.status).toBe(500);
    const json = await expectValidResponse(spec, method, path, response);
    expect(JSON.stringify(json)).not.toContain('disk on fire');
    expect(logger.lines.join('')).toContain('disk on fire');
  });
});

describe('mounted at the root of another app, as the adapter mounts it', () => {
  it('serves its routes, keeps its own error handler, and leaves other paths to the parent', async () => {
    const parent = new Hono();
    parent.get('/materials/documents', (c) => c.json({ data: [] }));
    parent.notFound((c) => c.json({ message: 'Not found', errors: [{ message: 'No such endpoint' }] }, 404));
    parent.onError((_, c) => c.json({ message: 'parent handler', errors: [] }, 500));
    const store = createMemoryStore();
    parent.route('/', createSupplierDocumentRoutes({ store, authorize: requireTestKey, publicBaseUrl: PUBLIC_BASE_URL }));

    expect(
      (await parent.request('/suppliers/S1/documents', { method: 'POST', headers: KEY_HEADERS, body: uploadBody('a.txt', 'x') })).status,
    ).toBe(201);
    expect(await (await parent.request('/suppliers/S1/documents/a.txt', { headers: KEY_HEADERS })).text()).toBe('x');
    expect((await parent.request('/materials/documents')).status).toBe(200);
    expect((await parent.request('/elsewhere')).status).toBe(404);

    store.list = () => Promise.reject(new Error('EIO'));
    const failed = await parent.request('/suppliers/S1/documents', { headers: KEY_HEADERS });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({
      message: 'Internal server error',
      errors: [{ message: expect.stringContaining('document store failed') }],
    });
  });
});
