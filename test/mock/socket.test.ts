import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { createMockApp } from '../../src/mock/app.js';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { expectValidResponse } from '../support/openapi.js';
import { openBomSpec } from './helpers.js';

const DEMO = { appKey: 'demo-app-key', username: 'demo@example.com', password: 'demo-password' };

describe('on a real socket, with the default fixture', () => {
  let server: RunningServer;
  let headers: Record<string, string>;

  beforeAll(async () => {
    server = await listen(createMockApp({ fixture: loadDefaultFixture(), rateLimit: 0, maxBodyBytes: 64 * 1024 }), {
      host: '127.0.0.1',
      port: 0,
    });
    const login = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-openbom-appkey': DEMO.appKey },
      body: JSON.stringify({ username: DEMO.username, password: DEMO.password }),
    });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    headers = { 'x-openbom-appkey': DEMO.appKey, 'x-openbom-accesstoken': access_token };
  });
  afterAll(async () => {
    await server?.close();
  });

  const get = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${server.url}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
    if (!path.startsWith('/__')) await expectValidResponse(openBomSpec(), init.method ?? 'GET', path, res);
    return res;
  };

  it("follows the part 55-554354 from catalog to the bytes of each revision's file", async () => {
    const catalogs = (await (await get('/catalogs')).json()) as Array<{ id: string }>;
    let found: { catalogId: string; merged: { columns: string[]; cells: unknown[][] } } | undefined;
    for (const { id } of catalogs) {
      const res = await get(`/catalog/${id}/revisions/merged/partnumber/55-554354`);
      if (res.status === 200) found = { catalogId: id, merged: (await res.json()) as never };
    }
    expect(found).toBeDefined();
    const { merged } = found!;
    const revisions = merged.cells.map((row) => String(row[0]));
    expect(revisions).toEqual(expect.arrayContaining(['119', '120']));
    // Every file URL of the two revisions; they must differ between 119 and 120 and serve real bytes.
    const urlsOf = (revision: string) =>
      (merged.cells.find((row) => String(row[0]) === revision) ?? []).filter(
        (cell): cell is string => typeof cell === 'string' && cell.startsWith(`${server.url}/document/`),
      );
    const urls119 = urlsOf('119');
    const urls120 = urlsOf('120');
    expect(urls119.length).toBeGreaterThan(0);
    expect(urls119).not.toEqual(urls120);
    for (const url of [...urls119, ...urls120]) {
      const redirect = await fetch(url, { headers, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get('location') ?? '';
      expect(location.startsWith(`${server.url}/__storage/`)).toBe(true);
      // Followed automatically, as clients do: fetch drops nothing we need, storage needs no headers.
      const file = await fetch(url, { headers });
      expect(file.status).toBe(200);
      const bytes = new Uint8Array(await file.arrayBuffer());
      expect(bytes.byteLength).toBeGreaterThan(0);
      expect(file.headers.get('content-length')).toBe(String(bytes.byteLength));
      expect(file.headers.get('content-type')).toMatch(/^(application|image|model)\//);
      const head = await fetch(location, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(bytes.byteLength));
    }
  });

  it('answers an oversized body with a JSON 413', async () => {
    const res = await get('/boms/byparams', {
      method: 'POST',
      body: JSON.stringify({ name: 'x'.repeat(100 * 1024) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'Request entity too large.' });
  });

  it('drops the socket for a drop fault: the client sees a network error, the server keeps serving', async () => {
    const rule = await fetch(`${server.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ path: '/templates', drop: true, times: 1 }),
    });
    expect(rule.status).toBe(201);
    await expect(fetch(`${server.url}/templates`, { headers })).rejects.toThrow(TypeError);
    expect((await get('/templates')).status).toBe(200);
    const { requests } = (await (await fetch(`${server.url}/__admin/requests`)).json()) as {
      requests: Array<{ path: string; status: number }>;
    };
    expect(requests.filter((r) => r.path === '/templates').map((r) => r.status)).toEqual([0, 200]);
  });

  it('delays responses by the injected latency', async () => {
    await fetch(`${server.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ path: '/catalogs', latencyMs: 60, times: 1 }) });
    const started = performance.now();
    expect((await get('/catalogs')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
  /** Writes `head`, waits for "100 Continue" when asked, then writes `body`; resolves with the raw response. */
  function rawRequest(head: string, body: Buffer, waitForContinue: boolean): Promise<string> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let received = '';
      let bodySent = false;
      const sendBody = () => {
        bodySent = true;
        socket.write(body);
      };
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (!bodySent && received.startsWith('HTTP/1.1 100')) {
          received = received.slice(received.indexOf('\r\n\r\n') + 4);
          sendBody();
        }
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
      socket.write(head);
      if (!waitForContinue) sendBody();
    });
  }

  it('takes uploads as curl sends large files (Expect: 100-continue) and as .NET streams them (chunked)', async () => {
    const catalog = '3f6c2a10-8d4e-4b7a-9c61-2e5d8a7b1c01';
    const boundary = '------------------------3a1c0e9f5b7d2468';
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)]);
    const part = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bolt.png"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n${part('partNumber', '55-590100')}${part('imageProperty', 'Thumbnail image')}--${boundary}--\r\n`),
    ]);
    const common = [
      `POST /catalog/${catalog}/image HTTP/1.1`,
      `Host: ${new URL(server.url).host}`,
      `X-OpenBOM-AppKey: ${headers['x-openbom-appkey']}`,
      `X-OpenBOM-AccessToken: ${headers['x-openbom-accesstoken']}`,
      `Content-Type: multipart/form-data; boundary=${boundary}`,
      'Connection: close',
    ];
    const curl = await rawRequest([...common, `Content-Length: ${body.length}`, 'Expect: 100-continue', '', ''].join('\r\n'), body, true);
    expect(curl).toMatch(/^HTTP\/1\.1 201 /);
    const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    const dotnet = await rawRequest([...common, 'Transfer-Encoding: chunked', '', ''].join('\r\n'), chunked, false);
    expect(dotnet).toMatch(/^HTTP\/1\.1 201 /);
    // The second upload of the same name is kept beside the first; both hold the bytes sent.
    const row = (await (await get(`/catalog/${catalog}/item?partNumber=55-590100`)).json()) as { columns: string[]; cells: string[][] };
    const cell = row.cells[0]?.[row.columns.indexOf('Thumbnail image')] ?? '';
    expect(cell).toMatch(/image\?filename=bolt-2\.png$/);
    const redirect = await fetch(cell, { headers, redirect: 'manual' });
    const file = await fetch(redirect.headers.get('location') ?? '');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(png);
  });
});
