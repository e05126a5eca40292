import { describe, expect, it } from 'vitest';
import { parseFixture } from '../../src/fixtures/load.js';
import { ConnectionDropped } from '../../src/mock/errors.js';
import { APP_KEY, IDS } from './fixture-builder.js';
import { bodyOf, jsonBody, startMock } from './helpers.js';

describe('admin guard', () => {
  it('is open without an admin token and exempt from OpenBOM auth and the rate limit', async () => {
    const { admin } = await startMock({ rateLimit: 1 });
    for (let i = 0; i < 3; i++) expect((await admin('/__admin/faults')).status).toBe(200);
  });

  it('requires the admin token as Bearer or X-Admin-Token when one is set', async () => {
    const { admin } = await startMock({ adminToken: 's3cret-admin' });
    const refused = await admin('/__admin/requests');
    expect(refused.status).toBe(401);
    expect(await bodyOf(refused)).toEqual({ error: 'Missing or invalid admin token.' });
    expect((await admin('/__admin/requests', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await admin('/__admin/requests', { headers: { Authorization: 'Bearer s3cret-admin' } })).status).toBe(200);
    expect((await admin('/__admin/requests', { headers: { 'x-admin-token': 's3cret-admin' } })).status).toBe(200);
  });

  it('answers unknown admin paths and methods in JSON', async () => {
    const { admin } = await startMock();
    expect((await admin('/__admin/nothing')).status).toBe(404);
    const wrong = await admin('/__admin/reset');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('journal', () => {
  it('records API and storage requests with masked secrets, oldest first, but not admin calls', async () => {
    const { api, admin, app, tokens, clock } = await startMock();
    clock.advance(5000);
    await api(`/bom/${IDS.robot}?useview=false`);
    const location = (await api(`/document/${IDS.mechanical}/image?filename=bolt.png`)).headers.get('location') ?? '';
    await app.request(location);
    const { requests } = await bodyOf(await admin('/__admin/requests'));
    expect(requests.map((r: any) => [r.method, r.path.split('?')[0], r.status, r.kind])).toEqual([
      ['POST', '/login', 200, 'api'],
      ['GET', `/bom/${IDS.robot}`, 200, 'api'],
      ['GET', `/document/${IDS.mechanical}/image`, 302, 'api'],
      ['GET', `/__storage/${IDS.mechanical}/bolt.png`, 200, 'storage'],
    ]);
    expect(requests[1]).toMatchObject({
      path: `/bom/${IDS.robot}?useview=false`,
      time: new Date(clock.now()).toISOString(),
      appKey: 'sha256:47c1c724',
      accessToken: expect.stringMatching(/^sha256:[0-9a-f]{8}$/),
    });
    expect(requests[1].durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(requests)).not.toContain(tokens.access_token);
    expect(JSON.stringify(requests)).not.toContain(APP_KEY);
  });

  it('filters by ?since and clears', async () => {
    const { api, admin, clock } = await startMock();
    clock.advance(60_000);
    const since = new Date(clock.now()).toISOString();
    await api('/boms');
    expect((await bodyOf(await admin(`/__admin/requests?since=${since}`))).requests.map((r: any) => r.path)).toEqual(['/boms']);
    expect((await admin('/__admin/requests?since=yesterday')).status).toBe(400);
    expect(await bodyOf(await admin('/__admin/requests', { method: 'DELETE' }))).toEqual({ cleared: 2 });
    expect((await bodyOf(await admin('/__admin/requests'))).requests).toEqual([]);
  });

  it('keeps only the most recent entries', async () => {
    const { api, admin } = await startMock({ journalSize: 3 });
    for (const path of ['/boms', '/catalogs', '/templates', '/orderboms']) await api(path);
    expect((await bodyOf(await admin('/__admin/requests'))).requests.map((r: any) => r.path)).toEqual([
      '/catalogs',
      '/templates',
      '/orderboms',
    ]);
  });
});

describe('faults', () => {
  const addFault = async (admin: (path: string, init?: RequestInit) => Promise<Response>, rule: unknown) => {
    const res = await admin('/__admin/faults', jsonBody(rule));
    expect(res.status).toBe(201);
    return bodyOf(res);
  };

  it('returns a status, body and headers for matching requests, for N times, journaled', async () => {
    const { api, admin } = await startMock({ validate: false });
    const rule = await addFault(admin, {
      method: 'get',
      path: '/catalog/*',
      status: 503,
      body: { error: 'Down for maintenance.' },
      headers: { 'Retry-After': '7' },
      times: 2,
    });
    expect(rule).toMatchObject({ id: expect.any(String), method: 'GET', path: '/catalog/*', status: 503, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await api(`/catalog/${IDS.mechanical}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await bodyOf(res)).toEqual({ error: 'Down for maintenance.' });
    }
    expect((await api(`/catalog/${IDS.mechanical}`)).status).toBe(200);
    // Other paths and methods were never affected; the rule is gone.
    expect((await bodyOf(await admin('/__admin/faults'))).faults).toEqual([]);
    const statuses = (await bodyOf(await admin('/__admin/requests'))).requests.map((r: any) => r.status);
    expect(statuses).toEqual([200, 503, 503, 200]);
  });

  it("applies before authentication, with the contract's words by default", async () => {
    const { call, admin } = await startMock({ validate: false });
    await addFault(admin, { path: '/**', status: 500 });
    const res = await call('/boms', { appKey: null });
    expect(res.status).toBe(500);
    expect(await bodyOf(res)).toEqual({ error: 'Something went wrong. Please try again later.' });
  });

  it('adds latency and otherwise lets the request through, adding its headers', async () => {
    const { api, admin } = await startMock({ validate: false });
    await addFault(admin, { path: '/boms', latencyMs: 40, headers: { 'X-Injected': 'yes' } });
    const started = performance.now();
    const res = await api('/boms');
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-injected')).toBe('yes');
    expect(await bodyOf<any[]>(res)).toHaveLength(3);
  });

  it('drops the connection: in-process the request rejects, and the journal says status 0', async () => {
    const { api, admin } = await startMock({ validate: false });
    await addFault(admin, { path: '/boms', drop: true, times: 1 });
    await expect(api('/boms')).rejects.toBeInstanceOf(ConnectionDropped);
    expect((await api('/boms')).status).toBe(200);
    expect((await bodyOf(await admin('/__admin/requests'))).requests.slice(-2).map((r: any) => r.status)).toEqual([0, 200]);
  });

  it('fires with the given probability using the injected dice; misses do not use up times', async () => {
    const rolls = [0.9, 0.1, 0.6, 0.2];
    const { api, admin } = await startMock({ validate: false, random: () => rolls.shift() ?? 1 });
    await addFault(admin, { path: '/boms', status: 502, probability: 0.5, times: 1 });
    expect((await api('/boms')).status).toBe(200); // 0.9 misses
    expect((await api('/boms')).status).toBe(502); // 0.1 hits, times used up
    expect((await api('/boms')).status).toBe(200); // rule gone: no roll taken
    expect(rolls).toEqual([0.6, 0.2]);
  });

  it('never matches admin paths; lists, deletes one and clears', async () => {
    const { admin } = await startMock();
    const first = await addFault(admin, { path: '/**', status: 500 });
    await addFault(admin, { path: '/boms', latencyMs: 1 });
    expect((await admin('/__admin/faults')).status).toBe(200);
    expect((await bodyOf(await admin('/__admin/faults'))).faults).toHaveLength(2);
    expect((await admin(`/__admin/faults/${first.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await admin(`/__admin/faults/${first.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(await bodyOf(await admin('/__admin/faults', { method: 'DELETE' }))).toEqual({ cleared: 1 });
  });

  it('rejects invalid rules with 400 naming the field', async () => {
    const { admin } = await startMock();
    const cases: Array<[unknown, string]> = [
      [{ status: 500 }, 'path'],
      [{ path: 'boms', status: 500 }, 'path'],
      [{ path: '/boms' }, 'at least one'],
      [{ path: '/boms', status: 99 }, 'status'],
      [{ path: '/boms', latencyMs: -1 }, 'latencyMs'],
      [{ path: '/boms', status: 500, times: 0 }, 'times'],
      [{ path: '/boms', status: 500, probability: 2 }, 'probability'],
      [{ path: '/boms', status: 500, colour: 'red' }, 'colour'],
      [[1], 'object'],
    ];
    for (const [rule, mentions] of cases) {
      const res = await admin('/__admin/faults', jsonBody(rule));
      expect(res.status, JSON.stringify(rule)).toBe(400);
      expect((await bodyOf(res)).error).toContain(mentions);
    }
    expect((await admin('/__admin/faults', { method: 'POST', body: '{' })).status).toBe(400);
  });
});

describe('reset, token expiry and state', () => {
  it('reset restores the fixture, clears journal and faults, and keeps tokens valid', async () => {
    const { api, admin } = await startMock();
    await api(`/bom/${IDS.gripper}`, { method: 'DELETE' });
    await admin('/__admin/faults', jsonBody({ path: '/nothing', status: 500 }));
    expect(await bodyOf(await admin('/__admin/reset', { method: 'POST' }))).toEqual({ reset: true });
    expect((await api(`/bom/${IDS.gripper}`)).status).toBe(200);
    expect((await bodyOf(await admin('/__admin/faults'))).faults).toEqual([]);
    expect((await bodyOf(await admin('/__admin/requests'))).requests.map((r: any) => r.path)).toEqual([`/bom/${IDS.gripper}`]);
  });

  it('POST /__admin/tokens/expire expires access tokens; refresh tokens still renew', async () => {
    const { api, admin, call, tokens, login } = await startMock();
    await login();
    expect(await bodyOf(await admin('/__admin/tokens/expire', { method: 'POST' }))).toEqual({ expired: 2 });
    expect((await api('/boms')).status).toBe(401);
    const renewed = await bodyOf(await call('/token/renew', jsonBody({ refresh_token: tokens.refresh_token })));
    expect((await call('/boms', { token: renewed.access_token })).status).toBe(200);
  });

  it('GET /__admin/state is fixture YAML that loads back equal to the current data', async () => {
    const { api, admin } = await startMock();
    await api(`/bom/${IDS.gripper}/parts`, jsonBody([{ partNumber: 'NEW-1', properties: { Name: 'New', Quantity: 1 } }], 'PUT'));
    const png = new FormData();
    png.append('file', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'new.png');
    png.append('partNumber', '10-000002');
    png.append('imageProperty', 'Thumbnail image');
    await api(`/catalog/${IDS.mechanical}/image`, { method: 'POST', body: png });
    await api('/bom/create', jsonBody({ docName: 'Created', templateId: IDS.template }));

    const res = await admin('/__admin/state');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/yaml/);
    const yaml = await res.text();
    const reloaded = parseFixture(yaml, { sourceName: 'state.yaml' });
    const before = await Promise.all(['/boms', `/bom/${IDS.gripper}`, `/catalog/${IDS.mechanical}`].map(async (p) => bodyOf(await api(p))));
    const again = await startMock({ fixture: reloaded });
    const after = await Promise.all(
      ['/boms', `/bom/${IDS.gripper}`, `/catalog/${IDS.mechanical}`].map(async (p) => bodyOf(await again.api(p))),
    );
    expect(after).toEqual(before);
    // And the dump of the reloaded data is the same text: nothing lost or changed on the way.
    expect(await (await again.admin('/__admin/state')).text()).toBe(yaml);
    // The uploaded file travels inside the YAML, bytes and all.
    const nut = reloaded.catalogs
      .find((catalog) => catalog.id === IDS.mechanical)
      ?.parts.find((part) => part.row['Part Number'] === '10-000002');
    expect(nut?.row['Thumbnail image']).toEqual({
      kind: 'file',
      name: 'new.png',
      contentType: 'image/png',
      bytes: new Uint8Array([1, 2, 3]),
    });
  });
});
