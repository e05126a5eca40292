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
    server = await listen(createMockApp({ fixture: loadDefaultFixture(), rateLimit: 0, maxBodyBytes: 64 * 1024 }), { host: '127.0.0.1', port: 0 });
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

  it('follows the part 55-554354 from catalog to the bytes of each revision\'s file', async () => {
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
      (merged.cells.find((row) => String(row[0]) === revision) ?? []).filter((cell): cell is string => typeof cell === 'string' && cell.startsWith(`${server.url}/document/`));
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
    const res = await get('/boms/byparams', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(100 * 1024) }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'Request entity too large.' });
  });

  it('drops the socket for a drop fault: the client sees a network error, the server keeps serving', async () => {
    const rule = await fetch(`${server.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ path: '/templates', drop: true, times: 1 }) });
    expect(rule.status).toBe(201);
    await expect(fetch(`${server.url}/templates`, { headers })).rejects.toThrow(TypeError);
    expect((await get('/templates')).status).toBe(200);
    const { requests } = (await (await fetch(`${server.url}/__admin/requests`)).json()) as { requests: Array<{ path: string; status: number }> };
    expect(requests.filter((r) => r.path === '/templates').map((r) => r.status)).toEqual([0, 200]);
  });

  it('delays responses by the injected latency', async () => {
    await fetch(`${server.url}/__admin/faults`, { method: 'POST', body: JSON.stringify({ path: '/catalogs', latencyMs: 60, times: 1 }) });
    const started = performance.now();
    expect((await get('/catalogs')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});
