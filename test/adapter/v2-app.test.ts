/**
 * The v2 supplier-document routes as the adapter mounts them (in-process): the same key check and error object as
 * the v1 routes, the adapter's response headers and request log, the size limit from the configuration, and
 * nothing under /suppliers when no store is given.
 */
import { describe, expect, it } from 'vitest';
import { createAdapterApp, type AdapterAppConfig } from '../../src/adapter/app.js';
import { createMemoryStore, type SupplierDocumentStore } from '../../src/adapter/supplier-documents/index.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import { expectValid, loadSpec } from '../support/openapi.js';
import { API_ORIGIN, clientOfFake, createFakeOpenBom } from './support/fake-openbom.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const KEY = 'v2-app-key-current-0001';
const ROTATED_KEY = 'v2-app-key-previous-0002';
const BASE = 'https://adapter.example.com/api';
const COLLECTION = '/suppliers/54454543/documents';

/** `store: null` builds the adapter without a supplier-document store. */
function setup({
  store = createMemoryStore(),
  config = {},
}: { store?: SupplierDocumentStore | null; config?: Partial<AdapterAppConfig> } = {}) {
  const fake = createFakeOpenBom();
  const logger = createMemoryLogger();
  const openbom = clientOfFake(fake);
  const app = createAdapterApp({
    config: {
      publicBaseUrl: BASE,
      apiKeyHeader: 'X-Jakamo-Key',
      apiKeys: [KEY, ROTATED_KEY],
      cacheTtlSeconds: 60,
      openbom: { url: API_ORIGIN, catalogs: [] },
      mapping: { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' },
      ...config,
    },
    openbom,
    logger,
    ...(store ? { supplierDocuments: store } : {}),
  });
  /** A request (the body is sent with methods that take one), its answer validated against the spec. */
  const call = async (
    method: string,
    path: string,
    { key = KEY, body = undefined, validate = true }: { key?: string | null; body?: unknown; validate?: boolean } = {},
  ) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (key !== null) headers['X-Jakamo-Key'] = key;
    const sendsBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
    const response = await app.request(path, { method, headers, ...(sendsBody ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
    if (validate && method !== 'HEAD') expectValid(spec, method, path, response.status, json ?? text, response.headers);
    return { response, status: response.status, json, text };
  };
  return { app, call, logger };
}

const upload = (fileName: string, contents: string, metaData?: Array<{ key: string; value: string }>) => ({
  fileName,
  base64EncodedContents: Buffer.from(contents).toString('base64'),
  ...(metaData ? { metaData } : {}),
});

describe('the adapter with a supplier-document store', () => {
  it('serves the v2 cycle behind the configured key header, links on the public base URL', async () => {
    const { call } = setup();
    const created = await call('POST', COLLECTION, { body: upload('a.txt', 'first', [{ key: 'validTo', value: '2024-05-05' }]) });
    expect(created.status).toBe(201);
    expect(created.json.link).toBe(`${BASE}${COLLECTION}/a.txt`);

    const listed = await call('GET', COLLECTION, { key: ROTATED_KEY });
    expect(listed.json.data.map((d: { fileName: string }) => d.fileName)).toEqual(['a.txt']);
    expect((await call('GET', `${COLLECTION}/a.txt`)).text).toBe('first');

    expect((await call('PUT', COLLECTION, { body: upload('a.txt', 'second') })).status).toBe(200);
    expect((await call('GET', `${COLLECTION}/a.txt`)).text).toBe('second');
    expect((await call('DELETE', `${COLLECTION}/a.txt`)).status).toBe(200);
    expect((await call('GET', COLLECTION)).json).toEqual({ data: [] });
  });

  it.each([
    ['GET', COLLECTION],
    ['POST', COLLECTION],
    ['PUT', COLLECTION],
    ['GET', `${COLLECTION}/a.txt`],
    ['DELETE', `${COLLECTION}/a.txt`],
  ])('answers %s %s without the key, or with a wrong one, with the same 401 as the v1 routes', async (method, path) => {
    const { call } = setup();
    const v1 = await call('GET', '/materials/documents?materialId=55-554354', { key: null });
    for (const key of [null, 'not-the-key', KEY.toUpperCase()]) {
      const answer = await call(method, path, { key, body: upload('a.txt', 'x') });
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual(v1.json);
      expect(answer.text).not.toContain(KEY);
    }
  });

  it('does not store anything sent without the key', async () => {
    const store = createMemoryStore();
    const { call } = setup({ store });
    await call('POST', COLLECTION, { key: null, body: upload('sneaky.txt', 'x') });
    expect(await store.list('54454543')).toEqual([]);
  });

  it('puts Cache-Control: no-store on v2 answers and logs them in its request log, without the key', async () => {
    const { call, logger } = setup();
    const created = await call('POST', COLLECTION, { body: upload('b.txt', 'bytes') });
    const download = await call('GET', `${COLLECTION}/b.txt`);
    expect(created.response.headers.get('cache-control')).toBe('no-store');
    expect(download.response.headers.get('cache-control')).toBe('no-store');
    const requests = logger.lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(requests).toEqual([
      expect.objectContaining({ method: 'POST', path: COLLECTION, status: 201, upstreamCalls: 0 }),
      expect.objectContaining({ method: 'GET', path: `${COLLECTION}/b.txt`, status: 200, upstreamCalls: 0 }),
    ]);
    expect(logger.lines.join('\n')).not.toContain(KEY);
  });

  it('refuses contents over the configured maxDocumentBytes with 400 naming base64EncodedContents', async () => {
    const { call } = setup({ config: { maxDocumentBytes: 10 } });
    expect((await call('POST', COLLECTION, { body: upload('ten.txt', '0123456789') })).status).toBe(201);
    const tooBig = await call('POST', COLLECTION, { body: upload('eleven.txt', '0123456789A') });
    expect(tooBig.status).toBe(400);
    expect(tooBig.json.errors).toEqual([
      expect.objectContaining({ field: 'base64EncodedContents', message: expect.stringContaining('at most 10 bytes') }),
    ]);
  });

  it('answers 405 with the Allow of each path, v1 and v2, all valid against the spec', async () => {
    const { call } = setup();
    const allowOf = async (method: string, path: string) => {
      const answer = await call(method, path);
      expect(answer.status).toBe(405);
      expect(answer.json).toMatchObject({ message: 'Method not allowed', errors: [{ message: expect.any(String) }] });
      return answer.response.headers.get('allow');
    };
    expect(await allowOf('POST', '/materials/documents')).toBe('GET, HEAD');
    expect(await allowOf('DELETE', '/materials/documents/download')).toBe('GET, HEAD');
    expect(await allowOf('PATCH', COLLECTION)).toBe('GET, POST, PUT');
    expect(await allowOf('PUT', `${COLLECTION}/a.txt`)).toBe('GET, HEAD, DELETE');
  });

  it("keeps the v1 routes' own answers (the listing still reaches OpenBOM)", async () => {
    const { call } = setup();
    const listing = await call('GET', '/materials/documents?materialId=55-554354');
    expect(listing.status).toBe(200);
    expect(listing.json.data.length).toBeGreaterThan(0);
  });
});

describe('the adapter without a supplier-document store', () => {
  it.each([
    ['GET', COLLECTION],
    ['POST', COLLECTION],
    ['DELETE', `${COLLECTION}/a.txt`],
  ])('does not mount the v2 routes: %s %s is an unknown endpoint (404)', async (method, path) => {
    const { call } = setup({ store: null });
    // The spec describes the routes as mounted; here they are not, so the answer is the adapter's generic 404.
    const answer = await call(method, path, { body: upload('a.txt', 'x'), validate: false });
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ message: 'Not found', errors: [{ message: `No such endpoint: ${method} ${path}` }] });
  });
});
