/**
 * Supplier documents over a real socket on 127.0.0.1 with the filesystem store: the create → list → download →
 * replace → delete cycle, streamed downloads with their headers, and oversized bodies refused cleanly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseContentDisposition } from 'content-disposition';
import { createFileSystemStore, createSupplierDocumentRoutes } from '../../src/adapter/supplier-documents/index.js';
import { maxRequestBodyBytes } from '../../src/adapter/supplier-documents/routes.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';
import { KEY_HEADERS, requireTestKey, uploadBody } from './support.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const MAX_CONTENT_BYTES = 8 * 1024 * 1024;
const NAME = 'Spec "v2" – Zürich draft.pdf';

let server: RunningServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'jk-supplier-e2e-'));
  const store = await createFileSystemStore({ dir: dataDir });
  // Links are built on the server's own URL, known only once it listens.
  const routes: { app?: ReturnType<typeof createSupplierDocumentRoutes> } = {};
  server = await listen({ fetch: (request) => routes.app!.fetch(request) });
  routes.app = createSupplierDocumentRoutes({
    store,
    authorize: requireTestKey,
    publicBaseUrl: server.url,
    maxContentBytes: MAX_CONTENT_BYTES,
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A poll function: the files under `dir` this process holds open (Linux /proc). */
function openFilesUnder(dir: string) {
  return async () => {
    const targets = await Promise.all((await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')));
    return targets.filter((target) => target.startsWith(dir));
  };
}

async function call(method: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, { method, headers: KEY_HEADERS, ...init });
  if (method !== 'HEAD') await expectValidResponse(spec, method, path, response);
  return response;
}

describe('supplier documents over HTTP', () => {
  it('runs the create → list → download → replace → delete cycle, streaming the download with its headers', async () => {
    const collection = '/suppliers/54454543/documents';
    const first = randomBytes(3 * 1024 * 1024 + 17);
    const created = await call('POST', collection, { body: uploadBody(NAME, first, [{ key: 'validTo', value: '2024-05-05' }]) });
    expect(created.status).toBe(201);
    const { link } = (await created.json()) as { link: string };
    expect(link).toBe(`${server.url}/suppliers/54454543/documents/${encodeURIComponent(NAME)}`);

    const listed = (await (await call('GET', collection)).json()) as { data: Array<{ fileName: string; size: number; link: string }> };
    expect(listed.data).toEqual([expect.objectContaining({ fileName: NAME, size: first.length, link })]);

    const download = await fetch(link, { headers: { 'X-API-KEY': KEY_HEADERS['X-API-KEY'] } });
    await expectValidResponse(spec, 'GET', new URL(link).pathname, download);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-length')).toBe(String(first.length));
    expect(download.headers.get('transfer-encoding')).toBeNull();
    expect(parseContentDisposition(download.headers.get('content-disposition')!).parameters.filename).toBe(NAME);
    expect(Buffer.from(await download.arrayBuffer()).equals(first)).toBe(true);

    const head = await fetch(link, { method: 'HEAD', headers: { 'X-API-KEY': KEY_HEADERS['X-API-KEY'] } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(first.length));
    expect(head.headers.get('content-disposition')).toBe(download.headers.get('content-disposition'));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const second = randomBytes(1024);
    expect((await call('PUT', collection, { body: uploadBody(NAME, second) })).status).toBe(200);
    expect(Buffer.from(await (await fetch(link, { headers: KEY_HEADERS })).arrayBuffer()).equals(second)).toBe(true);

    const path = new URL(link).pathname;
    expect((await call('DELETE', path)).status).toBe(200);
    expect((await call('GET', path)).status).toBe(404);
    expect(await (await call('GET', collection)).json()).toEqual({ data: [] });
  });

  it.skipIf(process.platform !== 'linux')('releases the open file after a HEAD and after a client abandons a download', async () => {
    const path = '/suppliers/S2/documents/big.bin';
    await call('POST', '/suppliers/S2/documents', { body: uploadBody('big.bin', randomBytes(MAX_CONTENT_BYTES)) });
    expect((await fetch(`${server.url}${path}`, { method: 'HEAD', headers: KEY_HEADERS })).status).toBe(200);
    const abort = new AbortController();
    const download = await fetch(`${server.url}${path}`, { headers: KEY_HEADERS, signal: abort.signal });
    await download.body!.getReader().read();
    abort.abort();
    await expect.poll(openFilesUnder(dataDir), { timeout: 5_000 }).toEqual([]);
  });

  it('refuses the download link without the key', async () => {
    const response = await fetch(`${server.url}/suppliers/54454543/documents/any.pdf`);
    expect(response.status).toBe(401);
    await expectValidResponse(spec, 'GET', '/suppliers/54454543/documents/any.pdf', response);
  });

  it('answers a body over the cap with 400 naming base64EncodedContents, with Content-Length or chunked, and keeps serving', async () => {
    const oversized = uploadBody('big.bin', Buffer.alloc(maxRequestBodyBytes(MAX_CONTENT_BYTES), 1));
    const withLength = await call('POST', '/suppliers/S1/documents', { body: oversized });
    expect(withLength.status).toBe(400);
    expect(((await withLength.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual([
      'base64EncodedContents',
    ]);

    const bytes = Buffer.from(oversized);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 1024 * 1024) controller.enqueue(bytes.subarray(offset, offset + 1024 * 1024));
        controller.close();
      },
    });
    const streamed = await call('POST', '/suppliers/S1/documents', { body: chunked, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(400);

    expect((await call('GET', '/suppliers/S1/documents')).status).toBe(200);
  });

  it('answers invalid UTF-8 and deep nesting over the wire with 400', async () => {
    for (const body of [Buffer.from([0x7b, 0xff, 0x7d]), '{"metaData":' + '['.repeat(500_000)]) {
      const response = await call('POST', '/suppliers/S1/documents', { body });
      expect(response.status).toBe(400);
    }
  });
});
