import { describe, expect, it } from 'vitest';
import { IDS } from './fixture-builder.js';
import { BASE, bodyOf, itemRow, startMock } from './helpers.js';

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
    expect(location).toMatch(
      new RegExp(`^${BASE}/__storage/${IDS.mechanical}/55-554354_rev119\\.pdf\\?expires=\\d+&signature=[0-9a-f]{64}$`),
    );
    const file = await app.request(location);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-length')).toBe(String('%PDF-1.4 revision 119'.length));
    expect(await file.text()).toBe('%PDF-1.4 revision 119');
    // The other revision's file really is different.
    expect(await (await app.request(await redirectFor(api, IDS.mechanical, '55-554354_rev120.pdf'))).text()).toBe(
      '%PDF-1.4 revision 120 with changes',
    );
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
    const res = await api(`/catalog/${IDS.mechanical}/image`, {
      method: 'POST',
      body: form({ file: png, partNumber: '10-000002', imageProperty: 'Thumbnail image' }),
    });
    expect(res.status).toBe(201);
    expect(await bodyOf(res)).toEqual({});
    const item = await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`));
    expect(item['Thumbnail image']).toBe(`${BASE}/document/${IDS.mechanical}/image?filename=photo.png`);
    const bytes = new Uint8Array(await (await app.request(await redirectFor(api, IDS.mechanical, 'photo.png'))).arrayBuffer());
    expect([...bytes]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  });

  it('stores a BOM image through /document/<id>/image, keeping earlier files under the same name', async () => {
    const { api, app } = await startMock();
    const pdf = new Blob(['new drawing'], { type: 'application/pdf' });
    const res = await api(`/document/${IDS.robot}/image`, {
      method: 'POST',
      body: form({ file: pdf, partNumber: 'ARM-1', imageProperty: 'Drawing' }, '55-554354_rev120.pdf'),
    });
    expect(res.status).toBe(201);
    const bom = await bodyOf(await api(`/bom/${IDS.robot}?useview=false`));
    expect(bom.cells[0][5]).toBe(`${BASE}/document/${IDS.robot}/image?filename=55-554354_rev120-2.pdf`);
    expect(await (await app.request(await redirectFor(api, IDS.robot, '55-554354_rev120-2.pdf'))).text()).toBe('new drawing');
    expect(await (await app.request(await redirectFor(api, IDS.robot, '55-554354_rev120.pdf'))).text()).toBe(
      '%PDF-1.4 revision 120 with changes',
    );
  });

  it('answers BAD_REQUEST when a field is missing, the part or column is unknown, or the body is not multipart', async () => {
    const { api } = await startMock();
    const cases: Array<[FormData | string, string]> = [
      [form({ partNumber: '10-000002', imageProperty: 'Thumbnail image' }), '"file"'],
      [form({ file: png, imageProperty: 'Thumbnail image' }), '"partNumber"'],
      [form({ file: png, partNumber: '10-000002' }), '"imageProperty"'],
      [form({ file: png, partNumber: 'NOPE', imageProperty: 'Thumbnail image' }), 'NOPE'],
      [form({ file: png, partNumber: '10-000002', imageProperty: 'Colour' }), 'Colour'],
      [form({ file: png, partNumber: '10-000002', imageProperty: 'Cost' }), 'number property'],
      ['{"file":"x"}', 'multipart'],
    ];
    for (const [body, mentions] of cases) {
      const res = await api(`/catalog/${IDS.mechanical}/image`, { method: 'POST', body });
      expect(res.status, mentions).toBe(400);
      const { error } = await bodyOf(res);
      expect(error).toMatch(/^BAD_REQUEST/);
      expect(error).toContain(mentions);
    }
    expect(
      (await api('/catalog/nope/image', { method: 'POST', body: form({ file: png, partNumber: 'x', imageProperty: 'y' }) })).status,
    ).toBe(404);
  });
});

/**
 * Upload bodies byte for byte as real clients write them (boundaries, header order, quoting and line ends as they
 * send them), so the parser is tested against what arrives on the wire rather than against what fetch() builds.
 */
describe('uploads from real clients', () => {
  const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x0d, 0x0a, 0x2d, 0x2d, 0xff, 0xd9]);
  const crlf = (...lines: Array<string | Buffer>) =>
    Buffer.concat(
      lines.map((line) => (typeof line === 'string' ? Buffer.from(`${line}\r\n`, 'utf8') : Buffer.concat([line, Buffer.from('\r\n')]))),
    );

  async function upload(api: (path: string, init?: RequestInit) => Promise<Response>, contentType: string, body: Buffer) {
    return api(`/catalog/${IDS.mechanical}/image`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
  }

  async function storedFile(api: (path: string) => Promise<Response>, app: { request: (url: string) => Response | Promise<Response> }) {
    const cell = (await itemRow(await api(`/catalog/${IDS.mechanical}/item?partNumber=10-000002`)))['Thumbnail image'] as string;
    const name = new URL(cell).searchParams.get('filename') ?? '';
    const file = await app.request(await redirectFor(api, IDS.mechanical, name));
    return { name, type: file.headers.get('content-type'), bytes: Buffer.from(await file.arrayBuffer()) };
  }

  it('.NET HttpClient: quoted boundary, unquoted names, filename* in UTF-8, text/plain fields, an extra catalogId field', async () => {
    const { api, app } = await startMock();
    const boundary = '5b1e6a2c-0f7d-4c1e-9d1a-3c2b7e8f9a10';
    const body = crlf(
      `--${boundary}`,
      'Content-Type: image/jpeg',
      'Content-Disposition: form-data; name=file; filename="=?utf-8?B?QsO8Z2VsLmpwZw==?="; filename*=utf-8\'\'B%C3%BCgel.jpg',
      '',
      JPEG,
      `--${boundary}`,
      'Content-Type: text/plain',
      'Content-Disposition: form-data; name=partNumber',
      '',
      '10-000002',
      `--${boundary}`,
      'Content-Type: text/plain',
      'Content-Disposition: form-data; name=imageProperty',
      '',
      'Thumbnail image',
      `--${boundary}`,
      'Content-Type: text/plain',
      'Content-Disposition: form-data; name=catalogId',
      '',
      IDS.mechanical,
      `--${boundary}--`,
    );
    const res = await upload(api, `multipart/form-data; boundary="${boundary}"`, body);
    expect(res.status).toBe(201);
    expect(await storedFile(api, app)).toEqual({ name: 'Bügel.jpg', type: 'image/jpeg', bytes: JPEG });
  });

  it('Python requests: fields first, a file part without Content-Type (typed from its name)', async () => {
    const { api, app } = await startMock();
    const boundary = '0f3d6c2e9b8a4f5e8d7c6b5a49382716';
    const body = crlf(
      `--${boundary}`,
      'Content-Disposition: form-data; name="partNumber"',
      '',
      '10-000002',
      `--${boundary}`,
      'Content-Disposition: form-data; name="imageProperty"',
      '',
      'Thumbnail image',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="image.jpg"',
      '',
      JPEG,
      `--${boundary}--`,
    );
    expect((await upload(api, `multipart/form-data; boundary=${boundary}`, body)).status).toBe(201);
    expect(await storedFile(api, app)).toEqual({ name: 'image.jpg', type: 'image/jpeg', bytes: JPEG });
  });

  it('curl --form (and PHP curl): dashed boundary, the file first with its Content-Type', async () => {
    const { api, app } = await startMock();
    const boundary = '------------------------d74496d66958873e';
    const body = crlf(
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="image.jpg"',
      'Content-Type: image/jpeg',
      '',
      JPEG,
      `--${boundary}`,
      'Content-Disposition: form-data; name="partNumber"',
      '',
      '10-000002',
      `--${boundary}`,
      'Content-Disposition: form-data; name="imageProperty"',
      '',
      'Thumbnail image',
      `--${boundary}--`,
    );
    expect((await upload(api, `multipart/form-data; boundary=${boundary}`, body)).status).toBe(201);
    expect(await storedFile(api, app)).toEqual({ name: 'image.jpg', type: 'image/jpeg', bytes: JPEG });
  });

  it('Java (Apache HttpClient MultipartEntityBuilder): Content-Transfer-Encoding and charset parameters', async () => {
    const { api, app } = await startMock();
    const boundary = 'hN3v8Qk2yZ_0a9XJc7Lr-PqW1t';
    const body = crlf(
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="photo.png"',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: binary',
      '',
      JPEG,
      `--${boundary}`,
      'Content-Disposition: form-data; name="partNumber"',
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: 8bit',
      '',
      '10-000002',
      `--${boundary}`,
      'Content-Disposition: form-data; name="imageProperty"',
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Thumbnail image',
      `--${boundary}--`,
    );
    expect((await upload(api, `multipart/form-data; boundary=${boundary}; charset=UTF-8`, body)).status).toBe(201);
    // application/octet-stream says nothing: the type comes from the name, as for a part without Content-Type.
    expect(await storedFile(api, app)).toEqual({ name: 'photo.png', type: 'image/png', bytes: JPEG });
  });

  it('refuses what is really malformed with 400 BAD_REQUEST (no boundary, cut off, file as a plain field) and an oversized body with 413', async () => {
    const { api } = await startMock({ maxBodyBytes: 4096 });
    const boundary = 'abc123';
    const complete = crlf(
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.png"',
      '',
      JPEG,
      `--${boundary}`,
      'Content-Disposition: form-data; name="partNumber"',
      '',
      '10-000002',
      `--${boundary}`,
      'Content-Disposition: form-data; name="imageProperty"',
      '',
      'Thumbnail image',
      `--${boundary}--`,
    );
    const cases: Array<[string, Buffer, string]> = [
      ['multipart/form-data', complete, 'boundary'],
      [`multipart/form-data; boundary=${boundary}`, complete.subarray(0, complete.length - 12), 'malformed'],
      [
        `multipart/form-data; boundary=${boundary}`,
        crlf(`--${boundary}`, 'Content-Disposition: form-data; name="file"', '', 'not a file part', `--${boundary}--`),
        '"file" must be a file part',
      ],
      [`multipart/form-data; boundary=${boundary}`, Buffer.alloc(0), 'malformed'],
    ];
    for (const [contentType, body, mentions] of cases) {
      const res = await upload(api, contentType, body);
      expect(res.status, mentions).toBe(400);
      const { error } = await bodyOf(res);
      expect(error).toMatch(/^BAD_REQUEST: /);
      expect(error).toContain(mentions);
    }
    const large = crlf(
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.png"',
      '',
      Buffer.alloc(5000),
      `--${boundary}--`,
    );
    const tooLarge = await upload(api, `multipart/form-data; boundary=${boundary}`, large);
    expect(tooLarge.status).toBe(413);
    expect(await bodyOf(tooLarge)).toEqual({ error: 'Request entity too large.' });
  });
});
