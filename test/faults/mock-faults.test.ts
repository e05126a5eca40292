/**
 * The mock's own fault tools used by the fault matrix: `truncate`, the storage URL lifetime in /__admin/settings,
 * storage-flavoured 403s, and a restart on the same port. Admin and OpenBOM answers are checked against the spec.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDefaultFixture } from '../../src/fixtures/load.js';
import { isFileValue } from '../../src/fixtures/types.js';
import { createMockApp } from '../../src/mock/app.js';
import { ManualClock } from '../../src/shared/clock.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';
import { OPENBOM_SECRETS, download, startMockServer, type MockServer } from './rig.js';

const spec = loadSpec('spec/openbom.yaml');
const APP_KEY = OPENBOM_SECRETS.OPENBOM_APP_KEY;
const DRAWING = '55-554354_rev120_drawing.pdf';
const fixture = loadDefaultFixture();
const catalogId = fixture.catalogs[0]!.id;
const drawingBytes = (() => {
  const cell = fixture.catalogs[0]!.parts[0]!.row.Drawing;
  if (!isFileValue(cell) || cell.name !== DRAWING) throw new Error('the default fixture changed: no drawing on its first part');
  return cell.bytes;
})();

async function login(baseUrl: string): Promise<Record<string, string>> {
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-OpenBOM-AppKey': APP_KEY },
    body: JSON.stringify({ username: OPENBOM_SECRETS.OPENBOM_USERNAME, password: OPENBOM_SECRETS.OPENBOM_PASSWORD }),
  });
  expect(response.status).toBe(200);
  const { access_token } = (await response.json()) as { access_token: string };
  return { 'X-OpenBOM-AppKey': APP_KEY, 'X-OpenBOM-AccessToken': access_token };
}

/** An admin call whose answer must match the spec; returns status and body. */
async function adminCall(baseUrl: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await expectValidResponse(spec, method, path, response)) as any };
}

async function storageUrl(baseUrl: string, headers: Record<string, string>): Promise<string> {
  const redirect = await fetch(`${baseUrl}/document/${catalogId}/image?filename=${encodeURIComponent(DRAWING)}`, {
    headers,
    redirect: 'manual',
  });
  expect(redirect.status).toBe(302);
  return redirect.headers.get('location')!;
}

describe('mock fault tools on a real socket', () => {
  let mock: MockServer;
  let headers: Record<string, string>;
  beforeAll(async () => {
    mock = await startMockServer({ fixture, rateLimit: 0 });
    headers = await login(mock.url);
  });
  beforeEach(async () => {
    await adminCall(mock.url, 'POST', '/__admin/reset');
  });
  afterAll(async () => {
    await mock.close();
  });

  it('truncate: sends the whole Content-Length, only the first N bytes, then cuts the connection', async () => {
    const rule = await adminCall(mock.url, 'POST', '/__admin/faults', { path: '/__storage/**', truncate: 100, times: 1 });
    expect(rule).toMatchObject({ status: 201, body: { truncate: 100, times: 1 } });
    const cut = await download(await storageUrl(mock.url, headers), {});
    expect(cut.status).toBe(200);
    expect(cut.headers['content-length']).toBe(String(drawingBytes.byteLength));
    expect(cut.bytes.byteLength).toBe(100);
    expect(cut.bytes.equals(Buffer.from(drawingBytes.subarray(0, 100)))).toBe(true);
    expect(cut.complete).toBe(false);

    // The rule is used up: the next fetch is whole, and the server kept serving.
    const whole = await download(await storageUrl(mock.url, headers), {});
    expect(whole.complete).toBe(true);
    expect(whole.bytes.equals(Buffer.from(drawingBytes))).toBe(true);
  });

  it('truncate: cuts JSON answers and injected statuses too, and journals the status that was sent', async () => {
    await adminCall(mock.url, 'POST', '/__admin/faults', { path: '/catalogs', truncate: 5, times: 1 });
    await adminCall(mock.url, 'POST', '/__admin/faults', { path: '/templates', status: 503, truncate: 3, times: 1 });
    for (const [path, status, sent] of [
      ['/catalogs', 200, 5],
      ['/templates', 503, 3],
    ] as const) {
      const cut = await download(`${mock.url}${path}`, headers);
      expect(cut.status).toBe(status);
      expect(cut.bytes.byteLength).toBe(sent);
      expect(Number(cut.headers['content-length'])).toBeGreaterThan(sent);
      expect(cut.complete).toBe(false);
    }
    const { body } = await adminCall(mock.url, 'GET', '/__admin/requests');
    expect(body.requests.map((r: { path: string; status: number }) => [r.path, r.status])).toEqual([
      ['/catalogs', 200],
      ['/templates', 503],
    ]);
  });

  it('truncate: a body no longer than N arrives whole before the cut', async () => {
    await adminCall(mock.url, 'POST', '/__admin/faults', { path: '/__storage/**', truncate: 10_000_000, times: 1 });
    const whole = await download(await storageUrl(mock.url, headers), {});
    expect(whole.bytes.equals(Buffer.from(drawingBytes))).toBe(true);
    expect(whole.complete).toBe(true);
  });

  it('refuses a truncate that is not a byte count, or that comes with drop', async () => {
    for (const rule of [
      { path: '/**', truncate: -1 },
      { path: '/**', truncate: 1.5 },
      { path: '/**', truncate: '10' },
      { path: '/**', truncate: 10, drop: true },
    ]) {
      const { status, body } = await adminCall(mock.url, 'POST', '/__admin/faults', rule);
      expect(status, JSON.stringify(rule)).toBe(400);
      expect(body.error).toMatch(/truncate/);
    }
  });

  it('matches a pathological fault path against a long request path and keeps answering (the glob matcher is linear)', async () => {
    // As a regular expression this pattern backtracks exponentially on a long run of "a"s: the mock used to hang.
    const added = await adminCall(mock.url, 'POST', '/__admin/faults', { path: `/${'*a'.repeat(40)}`, status: 500 });
    expect(added.status).toBe(201);
    const longPath = `/${'a'.repeat(6000)}b`;
    const unmatched = await fetch(`${mock.url}${longPath}`, { headers, signal: AbortSignal.timeout(10_000) });
    expect(unmatched.status).toBe(404);
    const matched = await fetch(`${mock.url}/${'a'.repeat(6000)}`, { headers, signal: AbortSignal.timeout(10_000) });
    expect(matched.status).toBe(500);
    // And the server still answers everyone else.
    expect((await fetch(`${mock.url}/boms`, { headers })).status).toBe(200);
  });

  it('refuses a fault path longer than 1024 characters with a 400 naming the field', async () => {
    const refused = await adminCall(mock.url, 'POST', '/__admin/faults', { path: `/${'x'.repeat(1024)}`, status: 500 });
    expect(refused).toEqual({ status: 400, body: { error: 'Fault "path" must be at most 1024 characters.' } });
  });

  it("answers an injected 403 on storage in the storage's words", async () => {
    await adminCall(mock.url, 'POST', '/__admin/faults', { path: '/__storage/**', status: 403, times: 1 });
    const refused = await fetch(await storageUrl(mock.url, headers));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'Request has expired or the signature does not match.' });
  });

  it('settings: storageUrlTtlMs 0 makes new storage URLs expired on arrival; reset restores the start-up lifetime', async () => {
    expect(await adminCall(mock.url, 'GET', '/__admin/settings')).toEqual({ status: 200, body: { storageUrlTtlMs: 300_000 } });
    const earlier = await storageUrl(mock.url, headers);
    expect(await adminCall(mock.url, 'PATCH', '/__admin/settings', { storageUrlTtlMs: 0 })).toEqual({
      status: 200,
      body: { storageUrlTtlMs: 0 },
    });

    const expired = await fetch(await storageUrl(mock.url, headers));
    expect(expired.status).toBe(403);
    expect(await expired.json()).toEqual({ error: 'Request has expired or the signature does not match.' });
    // URLs signed before the change keep their own lifetime.
    expect((await fetch(earlier)).status).toBe(200);

    await adminCall(mock.url, 'POST', '/__admin/reset');
    expect((await adminCall(mock.url, 'GET', '/__admin/settings')).body).toEqual({ storageUrlTtlMs: 300_000 });
    expect((await fetch(await storageUrl(mock.url, headers))).status).toBe(200);
  });

  it('settings: refuses unknown fields and bad values with a 400 naming them', async () => {
    for (const [change, word] of [
      [{ storageUrlTtlMs: -1 }, 'storageUrlTtlMs'],
      [{ storageUrlTtlMs: 'soon' }, 'storageUrlTtlMs'],
      [{ storageUrlTtlMs: 86_400_001 }, 'storageUrlTtlMs'],
      [{ rateLimit: 1 }, 'rateLimit'],
      [[], 'object'],
    ] as const) {
      const { status, body } = await adminCall(mock.url, 'PATCH', '/__admin/settings', change);
      expect(status, JSON.stringify(change)).toBe(400);
      expect(body.error).toContain(word);
    }
    expect((await adminCall(mock.url, 'GET', '/__admin/settings')).body).toEqual({ storageUrlTtlMs: 300_000 });
  });

  it('restarts on the same port without state: old tokens are refused, a new login works', async () => {
    const { port, url } = mock;
    await mock.restart();
    expect(mock.port).toBe(port);
    expect(mock.url).toBe(url);
    // On fresh connections: a pooled keep-alive socket to the old process is dead (clients retry that, see the matrix).
    const stale = await download(`${url}/catalogs`, headers);
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.bytes.toString())).toEqual({ error: 'Missing or invalid access token.' });
    headers = await login(url);
    expect((await download(`${url}/catalogs`, headers)).status).toBe(200);
  });
});

describe('mock fault tools in-process', () => {
  it('truncate: the body breaks off with an error after N bytes, as fetch reports a cut connection', async () => {
    const clock = new ManualClock();
    const app = createMockApp({ fixture, clock, rateLimit: 0 });
    const login = await app.request('/login', {
      method: 'POST',
      headers: { 'X-OpenBOM-AppKey': APP_KEY },
      body: JSON.stringify({ username: OPENBOM_SECRETS.OPENBOM_USERNAME, password: OPENBOM_SECRETS.OPENBOM_PASSWORD }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const headers = { 'X-OpenBOM-AppKey': APP_KEY, 'X-OpenBOM-AccessToken': access_token };
    const whole = await (await app.request('/catalogs', { headers })).text();
    expect(
      (await app.request('/__admin/faults', { method: 'POST', body: JSON.stringify({ path: '/catalogs', truncate: 4 }) })).status,
    ).toBe(201);

    const response = await app.request('/catalogs', { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(whole)));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(whole.slice(0, 4));
    await expect(reader.read()).rejects.toThrow('connection dropped');
  });
});
