/**
 * Request validation: each rule answers 400 with the error object naming the field; hostile bodies never get a 5xx.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryStore, createSupplierDocumentRoutes, DEFAULT_MAX_CONTENT_BYTES } from '../../src/adapter/supplier-documents/index.js';
import { maxRequestBodyBytes } from '../../src/adapter/supplier-documents/routes.js';
import { isCanonicalBase64 } from '../../src/adapter/supplier-documents/validation.js';
import { expectValidResponse, loadSpec } from '../support/openapi.js';
import { KEY_HEADERS, PUBLIC_BASE_URL, requireTestKey } from './support.js';

const spec = loadSpec('spec/jakamo-file-callback.yaml');
const MAX_CONTENT_BYTES = 64;
const HELLO = 'aGVsbG8='; // "hello"

function newApp() {
  return createSupplierDocumentRoutes({
    store: createMemoryStore(),
    authorize: requireTestKey,
    publicBaseUrl: PUBLIC_BASE_URL,
    maxContentBytes: MAX_CONTENT_BYTES,
  });
}

async function send(body: BodyInit, { supplier = 'S1', method = 'POST', headers = KEY_HEADERS } = {}) {
  const path = `/suppliers/${supplier}/documents`;
  const response = await newApp().request(path, { method, headers, body });
  const json = (await expectValidResponse(spec, method, path, response)) as {
    message: string;
    errors: Array<{ message: string; field?: string }>;
  };
  return { status: response.status, json };
}

const upload = (fields: Record<string, unknown>) => JSON.stringify({ fileName: 'ok.txt', base64EncodedContents: HELLO, ...fields });

describe('field validation (POST and PUT)', () => {
  it.each<[string, Record<string, unknown>, string[]]>([
    ['a missing fileName', { fileName: undefined }, ['fileName']],
    ['a numeric fileName', { fileName: 7 }, ['fileName']],
    ['a null fileName', { fileName: null }, ['fileName']],
    ['an empty fileName', { fileName: '' }, ['fileName']],
    ['a fileName with /', { fileName: 'a/b.txt' }, ['fileName']],
    ['a fileName with \\', { fileName: 'a\\b.txt' }, ['fileName']],
    ['a traversal fileName', { fileName: '../../etc/passwd' }, ['fileName']],
    ['the fileName ..', { fileName: '..' }, ['fileName']],
    ['the fileName .', { fileName: '.' }, ['fileName']],
    ['a fileName containing ..', { fileName: 'v1..2.pdf' }, ['fileName']],
    ['a fileName with NUL', { fileName: 'a\u0000.txt' }, ['fileName']],
    ['a fileName with a newline', { fileName: 'a\n.txt' }, ['fileName']],
    ['a fileName with DEL', { fileName: 'a\u007f.txt' }, ['fileName']],
    ['a fileName with a C1 control', { fileName: 'a\u0085.txt' }, ['fileName']],
    ['a fileName with an unpaired surrogate', { fileName: 'a\ud800.txt' }, ['fileName']],
    ['a fileName with a right-to-left override (U+202E)', { fileName: 'invoice\u202Efdp.exe' }, ['fileName']],
    ['a fileName with a left-to-right mark (U+200E)', { fileName: 'a\u200E.txt' }, ['fileName']],
    ['a fileName with a first-strong isolate (U+2068)', { fileName: 'a\u2068b\u2069.txt' }, ['fileName']],
    ['a fileName with an Arabic letter mark (U+061C)', { fileName: 'a\u061C.txt' }, ['fileName']],
    ['a fileName with a line separator (U+2028)', { fileName: 'a\u2028b.txt' }, ['fileName']],
    ['a fileName with a paragraph separator (U+2029)', { fileName: 'a\u2029b.txt' }, ['fileName']],

    ['a fileName of 256 ASCII bytes', { fileName: 'a'.repeat(252) + '.txt' }, ['fileName']],
    ['a fileName of 128 characters but 256 UTF-8 bytes', { fileName: 'ä'.repeat(128) }, ['fileName']],
    ['a missing base64EncodedContents', { base64EncodedContents: undefined }, ['base64EncodedContents']],
    ['a numeric base64EncodedContents', { base64EncodedContents: 12 }, ['base64EncodedContents']],
    ['base64 without padding', { base64EncodedContents: 'aGVsbG8' }, ['base64EncodedContents']],
    ['base64 with extra padding', { base64EncodedContents: 'aGVsbG8==' }, ['base64EncodedContents']],
    ['base64 with a trailing newline', { base64EncodedContents: `${HELLO}\n` }, ['base64EncodedContents']],
    ['base64 with inner whitespace', { base64EncodedContents: 'aGVs bG8=' }, ['base64EncodedContents']],
    ['URL-safe base64', { base64EncodedContents: '-_-_' }, ['base64EncodedContents']],
    ['base64 with non-zero pad bits', { base64EncodedContents: 'aGVsbG9=' }, ['base64EncodedContents']],
    ['padding only', { base64EncodedContents: '====' }, ['base64EncodedContents']],
    ['padding inside', { base64EncodedContents: 'aG==bG8=' }, ['base64EncodedContents']],
    ['not base64 at all', { base64EncodedContents: 'not base64!' }, ['base64EncodedContents']],
    [
      'contents one byte over the limit',
      { base64EncodedContents: Buffer.alloc(MAX_CONTENT_BYTES + 1).toString('base64') },
      ['base64EncodedContents'],
    ],
    ['metaData as an object', { metaData: { key: 'a', value: 'b' } }, ['metaData']],
    ['metaData as a string', { metaData: 'validTo=2024' }, ['metaData']],
    ['a metaData item that is a string', { metaData: ['validTo'] }, ['metaData[0]']],
    ['a metaData item without key', { metaData: [{ value: 'b' }] }, ['metaData[0].key']],
    ['a metaData item without value', { metaData: [{ key: 'a' }] }, ['metaData[0].value']],
    [
      'a numeric metaData value',
      {
        metaData: [
          { key: 'a', value: 'b' },
          { key: 'n', value: 5 },
        ],
      },
      ['metaData[1].value'],
    ],
    ['a null metaData key', { metaData: [{ key: null, value: 'b' }] }, ['metaData[0].key']],
    ['a metaData item with an extra property', { metaData: [{ key: 'a', value: 'b', type: 'x' }] }, ['metaData[0].type']],
    ['a metaData key over 256 characters', { metaData: [{ key: 'k'.repeat(257), value: 'b' }] }, ['metaData[0].key']],
    ['more than 100 metaData entries', { metaData: Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: '' })) }, ['metaData']],
    [
      '5000 bad metaData entries (checked up to the limit + 1 only)',
      { metaData: Array.from({ length: 5000 }, () => 7) },
      ['metaData', ...Array.from({ length: 101 }, (_, i) => `metaData[${i}]`)],
    ],
    [
      'many problems at once',
      { fileName: '../x', base64EncodedContents: 'x', metaData: [{}] },
      ['fileName', 'base64EncodedContents', 'metaData[0].key', 'metaData[0].value'],
    ],
  ])('refuses %s with 400 naming the field', async (_, fields, expectedFields) => {
    for (const method of ['POST', 'PUT']) {
      const { status, json } = await send(upload(fields), { method });
      expect(status).toBe(400);
      expect(json.message).toBe('Bad request');
      expect(new Set(json.errors.map((error) => error.field))).toEqual(new Set(expectedFields));
      for (const error of json.errors) expect(error.message.startsWith(error.field!)).toBe(true);
    }
  });

  it("names supplierId when the path has a bad one, together with the body's problems", async () => {
    const { status, json } = await send(upload({ fileName: 'a/b' }), { supplier: '.hidden' });
    expect(status).toBe(400);
    expect(json.errors.map((error) => error.field)).toEqual(['supplierId', 'fileName']);
  });

  it.each([
    ['a fileName of exactly 255 UTF-8 bytes', { fileName: '€'.repeat(85) }],
    ['a name with spaces, quotes, dots and non-ASCII', { fileName: 'Spec "v2" – Zürich .draft.pdf' }],
    ['contents of exactly the limit', { base64EncodedContents: Buffer.alloc(MAX_CONTENT_BYTES, 7).toString('base64') }],
    [
      '100 metaData entries with empty and Unicode values',
      { metaData: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: i ? 'ä€😀' : '' })) },
    ],
    ['unknown top-level properties (ignored)', { description: 'not stored', nested: { deeper: [1, 2] } }],
  ])('accepts %s', async (_, fields) => {
    const { status, json } = await send(upload(fields));
    expect(status, JSON.stringify(json)).toBe(201);
    expect(Object.keys(json).sort()).toEqual(['createdAt', 'fileName', 'link', 'metaData', 'size', 'updatedAt']);
  });
});

describe('hostile bodies get 400 with the error object, never a 5xx', () => {
  it.each<[string, BodyInit]>([
    ['an empty body', ''],
    ['a body that is not JSON', '{"fileName": "a.txt",'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x66, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    [
      'an overlong UTF-8 encoding of "/"',
      Buffer.concat([Buffer.from('{"fileName":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('b","base64EncodedContents":""}')]),
    ],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"fileName"'],
    ['a JSON number', '42'],
    ['arrays nested 100 000 deep', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['objects nested 10 000 deep in metaData', `{"metaData":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`],
    ['an array of 200 000 values', `[${'0,'.repeat(200_000)}0]`],
  ])('%s', async (_, body) => {
    const { status, json } = await send(body);
    expect(status).toBe(400);
    expect(json.errors.length).toBeGreaterThan(0);
  });

  it('wrong types everywhere name each field', async () => {
    const { status, json } = await send(JSON.stringify({ fileName: [], base64EncodedContents: {}, metaData: 3 }));
    expect(status).toBe(400);
    expect(json.errors.map((error) => error.field)).toEqual(['fileName', 'base64EncodedContents', 'metaData']);
  });

  it('refuses a body over the size cap with 400 naming base64EncodedContents, with or without Content-Length', async () => {
    const cap = maxRequestBodyBytes(MAX_CONTENT_BYTES);
    const body = upload({ base64EncodedContents: Buffer.alloc(cap).toString('base64') });
    for (const headers of [KEY_HEADERS, { ...KEY_HEADERS, 'Content-Length': String(Buffer.byteLength(body)) }]) {
      const { status, json } = await send(body, { headers });
      expect(status).toBe(400);
      expect(json.errors).toEqual([
        { field: 'base64EncodedContents', message: expect.stringContaining(`at most ${MAX_CONTENT_BYTES} bytes`) },
      ]);
    }
  });
});

describe('strict base64', () => {
  it('accepts exactly what Buffer encodes, for every length mod 3', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = randomBytes(length);
      const encoded = bytes.toString('base64');
      expect(isCanonicalBase64(encoded)).toBe(true);
      expect(isCanonicalBase64(bytes.toString('base64url'))).toBe(encoded === bytes.toString('base64url'));
    }
  });

  it('takes a document of the default 50 MiB from a JSON writer that escapes "/" as "\\/" (about 1/64 of base64)', async () => {
    const app = createSupplierDocumentRoutes({ store: createMemoryStore(), authorize: requireTestKey, publicBaseUrl: PUBLIC_BASE_URL });
    const contents = randomBytes(DEFAULT_MAX_CONTENT_BYTES);
    const body = JSON.stringify({ fileName: 'max.bin', base64EncodedContents: contents.toString('base64') }).replaceAll('/', '\\/');
    // Past the base64 size plus 1 MiB: the proportional margin is what lets this body through.
    expect(Buffer.byteLength(body)).toBeGreaterThan(Math.ceil(DEFAULT_MAX_CONTENT_BYTES / 3) * 4 + 1024 * 1024);
    const response = await app.request('/suppliers/S1/documents', { method: 'POST', headers: KEY_HEADERS, body });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ size: DEFAULT_MAX_CONTENT_BYTES });
  });
});

describe('streamed bodies', () => {
  const contents = randomBytes(50);
  const encoded = contents.toString('base64');

  /** The body cut into pieces of `size` bytes, as a network may deliver it. */
  function inPieces(body: string, size: number): ReadableStream<Uint8Array> {
    const bytes = Buffer.from(body);
    return new ReadableStream({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += size) controller.enqueue(bytes.subarray(offset, offset + size));
        controller.close();
      },
    });
  }

  async function postStream(body: ReadableStream<Uint8Array>, store = createMemoryStore()) {
    const app = createSupplierDocumentRoutes({
      store,
      authorize: requireTestKey,
      publicBaseUrl: PUBLIC_BASE_URL,
      maxContentBytes: MAX_CONTENT_BYTES,
    });
    const response = await app.request('/suppliers/S1/documents', {
      method: 'POST',
      headers: KEY_HEADERS,
      body,
      duplex: 'half',
    } as RequestInit);
    return {
      status: response.status,
      json: (await response.json()) as { size?: number; fileName?: string; errors?: Array<{ field?: string; message: string }> },
      store,
    };
  }

  it.each([
    ['contents last', JSON.stringify({ fileName: 'a.bin', metaData: [{ key: 'k', value: '"q" \\ /' }], base64EncodedContents: encoded })],
    ['contents first', JSON.stringify({ base64EncodedContents: encoded, fileName: 'a.bin' })],
    ['"/" escaped as "\\/"', JSON.stringify({ fileName: 'a.bin', base64EncodedContents: encoded }).replaceAll('/', '\\/')],
    [
      'every contents character \\u-escaped',
      `{"fileName":"a.bin","base64EncodedContents":"${[...encoded].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}`,
    ],
    ['the member name \\u-escaped', `{"fileName":"a.bin","base64EncodedConten\\u0074s":"${encoded}"}`],
    ['whitespace around everything', `\n { "fileName" : "a.bin" ,\t"base64EncodedContents"\r\n:\n"${encoded}" } \n`],
    [
      'a nested member of the same name (ignored)',
      JSON.stringify({ fileName: 'a.bin', extra: { base64EncodedContents: 'not this' }, base64EncodedContents: encoded }),
    ],
  ])('stores the same bytes whatever the pieces the body arrives in: %s', async (_, body) => {
    for (const size of [1, 2, 3, 5, 7, 64, body.length]) {
      const { status, json, store } = await postStream(inPieces(body, size));
      expect(status, `pieces of ${size}: ${JSON.stringify(json)}`).toBe(201);
      expect(json.size).toBe(contents.length);
      const opened = (await store.get('S1', 'a.bin'))!;
      expect(Buffer.from(await new Response(opened.contents).arrayBuffer()).equals(contents)).toBe(true);
    }
  });

  it.each([
    [
      'a second base64EncodedContents',
      `{"fileName":"a.bin","base64EncodedContents":"${encoded}","base64EncodedContents":"${encoded}"}`,
      ['base64EncodedContents'],
    ],
    ['an escaped character that is not base64', `{"fileName":"a.bin","base64EncodedContents":"aGVs\\nbG8="}`, ['base64EncodedContents']],
    ['a non-ASCII character in the contents', `{"fileName":"a.bin","base64EncodedContents":"aGVsbG8é"}`, ['base64EncodedContents']],
    [
      'data after the padding in a later piece',
      `{"fileName":"a.bin","base64EncodedContents":"aGVsbG8=aGVsbG8="}`,
      ['base64EncodedContents'],
    ],
    ['an unterminated contents string', `{"fileName":"a.bin","base64EncodedContents":"${encoded}`, [undefined]],
  ])('refuses %s in any pieces with 400', async (_, body, fields) => {
    for (const size of [1, 3, 4, body.length]) {
      const { status, json } = await postStream(inPieces(body, size));
      expect(status).toBe(400);
      expect(json.errors!.map((error) => error.field)).toEqual(fields);
    }
  });

  it('refuses contents over the limit as soon as they decode past it, without reading the rest, and stages nothing', async () => {
    const store = createMemoryStore();
    let piecesRead = 0;
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(Buffer.from('{"fileName":"big.bin","base64EncodedContents":"'));
      },
      pull(controller) {
        piecesRead++;
        controller.enqueue(Buffer.from('AAAA'.repeat(16)));
      },
    });
    const { status, json } = await postStream(endless, store);
    expect(status).toBe(400);
    expect(json.errors).toEqual([
      { field: 'base64EncodedContents', message: expect.stringContaining(`at most ${MAX_CONTENT_BYTES} bytes`) },
    ]);
    // 64 bytes decoded from each 64-character piece is 48: the limit of 64 is passed on the second piece.
    expect(piecesRead).toBeLessThan(10);
    expect(await store.list('S1')).toEqual([]);
  });

  it('answers uploads beyond maxConcurrentUploads with 503, Retry-After and the error object, before reading their body', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowBody = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(Buffer.from('{"fileName":"slow.txt",'));
        await held;
        controller.enqueue(Buffer.from(`"base64EncodedContents":"${HELLO}"}`));
        controller.close();
      },
    });
    const app = createSupplierDocumentRoutes({
      store: createMemoryStore(),
      authorize: requireTestKey,
      publicBaseUrl: PUBLIC_BASE_URL,
      maxConcurrentUploads: 1,
    });
    const first = app.request('/suppliers/S1/documents', {
      method: 'POST',
      headers: KEY_HEADERS,
      body: slowBody,
      duplex: 'half',
    } as RequestInit);
    for (const method of ['POST', 'PUT']) {
      const path = '/suppliers/S1/documents';
      const excess = await app.request(path, { method, headers: KEY_HEADERS, body: upload({}) });
      expect(excess.status).toBe(503);
      expect(excess.headers.get('retry-after')).toBe('2');
      const json = (await expectValidResponse(spec, method, path, excess)) as { message: string; errors: Array<{ message: string }> };
      expect(json.errors[0]!.message).toMatch(/More than 1 uploads are in progress/);
    }
    release();
    expect((await first).status).toBe(201);
    // The slot is free again.
    expect(
      (await app.request('/suppliers/S1/documents', { method: 'POST', headers: KEY_HEADERS, body: upload({ fileName: 'next.txt' }) }))
        .status,
    ).toBe(201);
  });
});
