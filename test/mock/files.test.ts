import { describe, expect, it } from 'vitest';
import { IDS } from './fixture-builder.js';
import { BASE, bodyOf, startMock } from './helpers.js';

const DENIED = { error: 'Request has expired or the signature does not match.' };

async function redirectFor(api: (path: string) => Promise<Response>, docId: string, name: string): Promise<string> {
  const res = await api(`/document/${docId}/image?filename=${encodeURIComponent(name)}`);
  expect(res.status).toBe(302);
  return res.headers.get('location') ?? '';
}

describe('GET /document/<id>/image → signed storage', () => {
  it('redirects to a signed URL that serves the bytes without OpenBOM headers', async () => {
    const { api, app } = await startMock();
    const location = await redirectFor(api, IDS.mechanical, '55-554354_rev119.pdf');
    expect(location).toMatch(new RegExp(`^${BASE}/__storage/${IDS.mechanical}/55-554354_rev119\\.pdf\\?expires=\\d+&signature=[0-9a-f]{64}$`));
    const file = await app.request(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-length')).toBe(String('%PDF-1.4 revision 119'.length));
    expect(await file.text()).toBe('%PDF-1.4 revision 119');
    // The other revision's file really is different.
    expect(await (await app.request(await redirectFor(api, IDS.mechanical, '55-554354_rev120.pdf'))).text()).toBe('%PDF-1.4 revision 120 with changes');
  });

  it('answers HEAD with the headers only', async () => {
    const { api, app } = await startMock();
    const head = await app.request(await redirectFor(api, IDS.mechanical, 'bolt.png'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/png');
    expect(head.headers.get('content-length')).toBe('8');
    expect(await head.text()).toBe('');
  });

  it('refuses an expired URL', async () => {
    const { api, app, clock } = await startMock({ storageUrlTtlSeconds: 60 });
    const location = await redirectFor(api, IDS.mechanical, 'bolt.png');
    clock.advance(59_000);
    expect((await app.request(location)).status).toBe(200);
    clock.advance(1_000);
    const expired = await app.request(location);
    expect(expired.status).toBe(403);
    expect(await bodyOf(expired)).toEqual(DENIED);
  });

  it('refuses altered URLs: other file, other expiry, other signature, no signature', async () => {
    const { api, app } = await startMock();
    const location = new URL(await redirectFor(api, IDS.mechanical, 'bolt.png'));
    const variants = [
      location.href.replace('bolt.png', '55-554354_rev119.pdf'),
      location.href.replace(/expires=(\d+)/, (_, s: string) => `expires=${Number(s) + 3600}`),
      location.href.replace(/signature=([0-9a-f])/, (_, c: string) => `signature=${c === '0' ? '1' : '0'}`),
      `${location.origin}${location.pathname}`,
    ];
    for (const variant of variants) {
      const res = await app.request(variant);
      expect(res.status, variant).toBe(403);
      expect(await bodyOf(res)).toEqual(DENIED);
    }
  });

  it('answers 404 for a validly signed URL whose file is gone', async () => {
    const { api, app } = await startMock();
    const location = await redirectFor(api, IDS.mechanical, 'bolt.png');
    expect((await api(`/catalog/${IDS.mechanical}`, { method: 'DELETE' })).status).toBe(200);
    const gone = await app.request(location);
    expect(gone.status).toBe(404);
    expect(await bodyOf(gone)).toEqual({ error: 'File not found.' });
  });

  it('answers unknown files and documents with 404 and a missing filename with 400', async () => {
    const { api } = await startMock();
    const file = await api(`/document/${IDS.mechanical}/image?filename=nope.png`);
    expect(file.status).toBe(404);
    expect(await bodyOf(file)).toEqual({ error: 'File not found.' });
    expect(await bodyOf(await api('/document/nope/image?filename=bolt.png'))).toEqual({ error: 'Document not found.' });
    expect((await api(`/document/${IDS.mechanical}/image`)).status).toBe(400);
  });

  it('needs the OpenBOM headers on /document but not on storage', async () => {
    const { call, api, app } = await startMock();
    expect((await call(`/document/${IDS.mechanical}/image?filename=bolt.png`)).status).toBe(401);
    const location = await redirectFor(api, IDS.mechanical, 'bolt.png');
    expect((await app.request(location, { headers: { 'X-OpenBOM-AppKey': 'wrong' } })).status).toBe(200);
  });
});

describe('uploads', () => {
  function form(fields: Record<string, string | Blob>, fileName = 'photo.png'): FormData {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      if (value instanceof Blob) data.append(name, value, fileName);
      else data.append(name, value);
    }
    return data;
  }
  const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])], { type: 'image/png' });

  it('stores a catalog image, sets the cell and serves the bytes (201)', async () => {
    const { api, app } = await startMock();
    const res = await api(`/catalog/${IDS.mechanical}/image`, { method: 'POST', body: form({ file: png, partNumber: '10-000002', imageProperty: 'Thumbnail image' }) });
    expect(res.status).toBe(201);
    expect(await bodyOf(res)).toEqual({});
    const item = await bodyOf(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`));
    expect(item['Thumbnail image']).toBe(`${BASE}/document/${IDS.mechanical}/image?filename=photo.png`);
    const bytes = new Uint8Array(await (await app.request(await redirectFor(api, IDS.mechanical, 'photo.png'))).arrayBuffer());
    expect([...bytes]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  });

  it('stores a BOM image through /document/<id>/image, keeping earlier files under the same name', async () => {
    const { api, app } = await startMock();
    const pdf = new Blob(['new drawing'], { type: 'application/pdf' });
    const res = await api(`/document/${IDS.robot}/image`, { method: 'POST', body: form({ file: pdf, partNumber: 'ARM-1', imageProperty: 'Drawing' }, '55-554354_rev120.pdf') });
    expect(res.status).toBe(201);
    const bom = await bodyOf(await api(`/bom/${IDS.robot}?useview=false`));
    expect(bom.cells[0][5]).toBe(`${BASE}/document/${IDS.robot}/image?filename=55-554354_rev120-2.pdf`);
    expect(await (await app.request(await redirectFor(api, IDS.robot, '55-554354_rev120-2.pdf'))).text()).toBe('new drawing');
    expect(await (await app.request(await redirectFor(api, IDS.robot, '55-554354_rev120.pdf'))).text()).toBe('%PDF-1.4 revision 120 with changes');
  });

  it('answers BAD_REQUEST when a field is missing, the part or column is unknown, or the body is not multipart', async () => {
    const { api } = await startMock();
    const cases: Array<[FormData | string, string]> = [
      [form({ partNumber: '10-000002', imageProperty: 'Thumbnail image' }), '"file"'],
      [form({ file: png, imageProperty: 'Thumbnail image' }), '"partNumber"'],
      [form({ file: png, partNumber: '10-000002' }), '"imageProperty"'],
      [form({ file: png, partNumber: 'NOPE', imageProperty: 'Thumbnail image' }), 'NOPE'],
      [form({ file: png, partNumber: '10-000002', imageProperty: 'Colour' }), 'Colour'],
      ['{"file":"x"}', 'multipart'],
    ];
    for (const [body, mentions] of cases) {
      const res = await api(`/catalog/${IDS.mechanical}/image`, { method: 'POST', body });
      expect(res.status, mentions).toBe(400);
      const { error } = await bodyOf(res);
      expect(error).toMatch(/^BAD_REQUEST/);
      expect(error).toContain(mentions);
    }
    expect((await api('/catalog/nope/image', { method: 'POST', body: form({ file: png, partNumber: 'x', imageProperty: 'y' }) })).status).toBe(404);
  });
});
