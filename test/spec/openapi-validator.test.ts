import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectValid, expectValidResponse, loadSpec, specFromDocument, validateResponse, type LoadedSpec } from '../support/openapi.js';

const openbom = loadSpec('spec/openbom.yaml');
const jakamo = loadSpec('spec/jakamo-file-callback.yaml');

const DATE = '07 Aug 2018; 15:48:27 GMT';
/** Shaped as the JWTs OpenBOM issues (header.payload.signature, base64url; the document's access_token pattern). */
const JWT = 'eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJkZW1vQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJl';
const bomDocument = {
  id: 'bom-1',
  type: 'bom',
  partNumber: 'ASM-100',
  name: 'Gearbox',
  modifiedDate: DATE,
  createdDate: DATE,
  modifiedBy: 'demo@example.com',
  createdBy: 'demo@example.com',
  columns: ['Part Number', 'Thumbnail image', 'Quantity', 'Cost'],
  cells: [
    ['55-554354', 'http://127.0.0.1:4010/document/bom-1/image?filename=bracket.png', 2, 5],
    ['55-100200', 'null', 1, 2],
  ],
  totalCells: [['', '', '', 7]],
};
const bomListItem = {
  nodeId: 1,
  bomId: 'bom-1',
  id: 'bom-1',
  name: 'Gearbox',
  nameuri: null,
  user: 'demo@example.com',
  status: 'active',
  permissionString: 'w',
  permission: 7,
  modifiedBy: 'demo@example.com',
  modified: 1518126594320,
  bomPartNumber: 'ASM-100',
  productionBatch: false,
  released: true,
};

function errorsOf(spec: LoadedSpec, method: string, path: string, status: number, body: unknown, headers?: Record<string, string>) {
  const result = validateResponse(spec, method, path, status, body, headers);
  expect(result.ok).toBe(result.errors.length === 0);
  return result.errors;
}

describe('validateResponse: bodies', () => {
  it('accepts valid bodies of several operations', () => {
    expect(errorsOf(openbom, 'GET', '/bom/bom-1', 200, bomDocument)).toEqual([]);
    expect(errorsOf(openbom, 'GET', '/boms', 200, [bomListItem])).toEqual([]);
    expect(errorsOf(openbom, 'POST', '/login', 200, { access_token: JWT, refresh_token: 'r', token_type: 'Bearer', expires_in: 86400 })).toEqual([]);
    expect(errorsOf(openbom, 'PUT', '/catalog/c1/parts', 200, [{ 'P-1': 'OK' }, { 'P-2': 'ERROR' }])).toEqual([]);
    expect(errorsOf(openbom, 'DELETE', '/bom/bom-1', 200, {})).toEqual([]);
    expect(errorsOf(openbom, 'GET', '/boms', 403, { error: 'Missing or invalid developer application key[app_key]' })).toEqual([]);
  });

  it('names the offending field of an invalid body', () => {
    expect(errorsOf(openbom, 'GET', '/bom/bom-1', 200, { ...bomDocument, modifiedDate: '2018-08-07T15:48:27Z' })).toEqual([
      expect.stringMatching(/^body\/modifiedDate must match pattern/),
    ]);
    expect(errorsOf(openbom, 'GET', '/boms', 200, [{ ...bomListItem, modified: '2018-02-08' }])).toEqual(['body/0/modified must be integer']);
    expect(errorsOf(openbom, 'POST', '/login', 200, { access_token: JWT, refresh_token: 'r', token_type: 'bearer', expires_in: 1 })).toEqual([
      'body/token_type must be equal to constant ("Bearer")',
    ]);
    expect(errorsOf(openbom, 'DELETE', '/bom/bom-1', 200, { deleted: true })).toEqual(['body must NOT have more than 0 properties']);
    const { cells: _cells, ...withoutCells } = bomDocument;
    expect(errorsOf(openbom, 'GET', '/bom/bom-1', 200, withoutCells)).toEqual(["body must have required property 'cells'"]);
  });

  it('holds error bodies to the contract texts', () => {
    expect(errorsOf(openbom, 'GET', '/boms', 401, { error: 'Missing or invalid access token.' })).toEqual([]);
    expect(errorsOf(openbom, 'GET', '/boms', 401, { error: 'Token expired' })).toEqual([
      'body/error must be equal to constant ("Missing or invalid access token.")',
    ]);
    expect(errorsOf(openbom, 'GET', '/boms', 500, 'Internal Server Error')).toEqual(['body must be object']);
    expect(errorsOf(openbom, 'GET', '/boms', 429, { error: 'Too many requests. The limit is 5 requests per second.' })).toEqual([]);
    expect(errorsOf(openbom, 'POST', '/login', 401, { error: 'Unable to authenticate user[demo@example.com]' })).toEqual([]);
  });

  it('works for the Jakamo File Callback spec too', () => {
    const document = { fileName: 'drawing.pdf', description: '', link: 'http://127.0.0.1:8080/materials/documents/download?x=1' };
    expect(errorsOf(jakamo, 'GET', '/materials/documents?materialId=55-554354', 200, { data: [document] })).toEqual([]);
    expect(errorsOf(jakamo, 'GET', '/materials/documents', 200, { data: [{ ...document, link: '/relative' }] }).sort()).toEqual([
      'body/data/0/link must match format "uri"',
      expect.stringMatching(/^body\/data\/0\/link must match pattern "\^\[Hh\]\[Tt\]\[Tt\]\[Pp\]\[Ss\]\?:\/\//),
    ]);
    expect(errorsOf(jakamo, 'GET', '/materials/documents', 401, { message: 'Unauthorized', errors: [] })).toEqual([]);
  });
});

describe('validateResponse: headers', () => {
  const retryAfter = (value: string) =>
    errorsOf(openbom, 'GET', '/boms', 429, { error: 'Too many requests. The limit is 5 requests per second.' }, { 'Retry-After': value });

  it('checks declared headers against their schemas, numbers included', () => {
    expect(retryAfter('2')).toEqual([]);
    expect(retryAfter('0')).toEqual(['header Retry-After must be >= 1']);
    expect(retryAfter('soon')).toEqual(['header Retry-After must be integer']);
  });

  it('reports a missing required header', () => {
    const location = 'http://127.0.0.1:4010/__storage/bom-1/bracket.png?expires=1700000000&signature=' + 'a1'.repeat(32);
    expect(errorsOf(openbom, 'GET', '/document/bom-1/image?filename=bracket.png', 302, {}, { location })).toEqual([]);
    expect(errorsOf(openbom, 'GET', '/document/bom-1/image?filename=bracket.png', 302, {}, {})).toEqual([
      'header Location is required but missing',
    ]);
  });

  it('checks the Content-Type against the declared media types', () => {
    const badCall = { error: 'Missing or invalid access token.' };
    expect(errorsOf(openbom, 'GET', '/boms', 401, badCall, { 'content-type': 'application/json; charset=UTF-8' })).toEqual([]);
    expect(errorsOf(openbom, 'GET', '/boms', 401, badCall, { 'content-type': 'text/html' })).toEqual([
      'Content-Type text/html is not one of the declared application/json',
    ]);
    // A declared application/octet-stream accepts any concrete binary type, but not JSON.
    const storage = '/__storage/bom-1/bracket.png?expires=1&signature=x';
    expect(errorsOf(openbom, 'GET', storage, 200, 'PNG…', { 'content-type': 'image/png', 'content-length': '4' })).toEqual([]);
    expect(errorsOf(openbom, 'GET', storage, 200, {}, { 'content-type': 'application/json', 'content-length': '2' })).toEqual([
      'Content-Type application/json is not one of the declared application/octet-stream',
    ]);
  });

  it('reads header names case-insensitively, from a Headers object too', () => {
    const headers = new Headers({ 'retry-after': '0' });
    const result = validateResponse(openbom, 'GET', '/boms', 429, { error: 'Too many requests. The limit is 5 requests per second.' }, headers);
    expect(result.errors).toEqual(['header Retry-After must be >= 1']);
  });
});

describe('path matching', () => {
  it.each([
    ['POST', '/bom/create', '/bom/create', {}],
    ['POST', '/catalog/create', '/catalog/create', {}],
    ['GET', '/bom/abc', '/bom/{bomId}', { bomId: 'abc' }],
    ['GET', '/bom/abc/revision/2', '/bom/{bomId}/revision/{revisionNumber}', { bomId: 'abc', revisionNumber: '2' }],
    ['DELETE', '/catalog/c1/removepart?partNumber=P-1', '/catalog/{catalogId}/removepart', { catalogId: 'c1' }],
    ['DELETE', '/catalog/c1/removepart/P-1', '/catalog/{catalogId}/removepart/{partName}', { catalogId: 'c1', partName: 'P-1' }],
    ['GET', '/catalog/c1/revisions/partnumber/55-554354', '/catalog/{catalogId}/revisions/partnumber/{partNumber}', { catalogId: 'c1', partNumber: '55-554354' }],
    ['GET', 'http://127.0.0.1:4010/__storage/d1/a%2Fb%20c.pdf?expires=1&signature=x', '/__storage/{docId}/{fileName}', { docId: 'd1', fileName: 'a%2Fb%20c.pdf' }],
    ['delete', '/__admin/faults/7', '/__admin/faults/{id}', { id: '7' }],
  ])('%s %s → %s', (method, path, template, params) => {
    const found = openbom.findOperation(method, path);
    expect(found).toMatchObject({ template, params });
  });

  it('lets a literal segment win over a templated one wherever it occurs', () => {
    const spec = specFromDocument({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: Object.fromEntries(
        ['/a/{x}/c', '/a/b/{y}', '/{z}/b/c'].map((template) => [template, { get: { responses: { '200': { description: template } } } }]),
      ),
    });
    expect(spec.findOperation('GET', '/a/b/c')).toMatchObject({ template: '/a/b/{y}' });
    expect(spec.findOperation('GET', '/a/q/c')).toMatchObject({ template: '/a/{x}/c' });
    expect(spec.findOperation('GET', '/q/b/c')).toMatchObject({ template: '/{z}/b/c' });
  });

  it('does not let a template parameter match an empty segment', () => {
    expect(openbom.findOperation('GET', '/bom/')).toEqual({ error: 'no path template in spec/openbom.yaml matches /bom/' });
  });
});

describe('unknown paths, methods and statuses', () => {
  it('reports an unknown path clearly', () => {
    expect(validateResponse(jakamo, 'GET', '/nowhere?x=1', 200, {})).toEqual({
      ok: false,
      errors: ['no path template in spec/jakamo-file-callback.yaml matches /nowhere'],
    });
  });

  it('reports a method the path does not have, listing those it has', () => {
    expect(validateResponse(jakamo, 'POST', '/materials/documents', 200, {}).errors).toEqual([
      'POST is not an operation of /materials/documents in spec/jakamo-file-callback.yaml (it has: GET)',
    ]);
  });

  it('reports an undeclared status, listing the declared ones', () => {
    expect(validateResponse(jakamo, 'GET', '/materials/documents', 418, {}).errors).toEqual([
      'GET /materials/documents has no response 418 in spec/jakamo-file-callback.yaml (it has: 200, 400, 401, 502)',
    ]);
  });

  it('checks requests that match no operation against x-unmatched-responses (OpenBOM: 404, 405 …)', () => {
    expect(errorsOf(openbom, 'GET', '/nowhere', 404, { error: 'Not found.' })).toEqual([]);
    expect(errorsOf(openbom, 'PATCH', '/boms', 405, { error: 'Method not allowed.' }, { allow: 'GET' })).toEqual([]);
    expect(errorsOf(openbom, 'PATCH', '/boms', 405, { error: 'Method not allowed.' }, {})).toEqual(['header Allow is required but missing']);
    expect(errorsOf(openbom, 'GET', '/bom/create', 404, {})).toEqual(["body must have required property 'error'"]);
    // A status x-unmatched-responses does not list still reports the unmatched path or method.
    expect(errorsOf(openbom, 'GET', '/nowhere', 200, {})).toEqual(['no path template in spec/openbom.yaml matches /nowhere']);
  });

  it('falls back from the exact status to its range, then to default', () => {
    const spec = specFromDocument({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/x': {
          get: {
            responses: {
              '200': { description: 'exact', content: { 'application/json': { schema: { const: 'exact' } } } },
              '2XX': { description: 'range', content: { 'application/json': { schema: { const: 'range' } } } },
              default: { description: 'default', content: { 'application/json': { schema: { const: 'default' } } } },
            },
          },
        },
      },
    });
    expect(validateResponse(spec, 'GET', '/x', 200, 'exact')).toMatchObject({ ok: true, matched: 'GET /x → 200' });
    expect(validateResponse(spec, 'GET', '/x', 201, 'range')).toMatchObject({ ok: true, matched: 'GET /x → 2XX' });
    expect(validateResponse(spec, 'GET', '/x', 503, 'default')).toMatchObject({ ok: true, matched: 'GET /x → default' });
    expect(validateResponse(spec, 'GET', '/x', 503, 'range').ok).toBe(false);
  });
});

describe('expectValid and expectValidResponse', () => {
  it('expectValid passes silently on a valid body and throws a readable error otherwise', () => {
    expect(() => expectValid(openbom, 'GET', '/bom/bom-1', 200, bomDocument)).not.toThrow();
    expect(() => expectValid(openbom, 'GET', '/bom/bom-1?useview=false', 200, { ...bomDocument, type: 'catalog' })).toThrow(
      /GET \/bom\/bom-1 → 200 does not match spec\/openbom\.yaml \(GET \/bom\/\{bomId\} → 200\):\n {2}- body\/type must be equal to constant \("bom"\)\n {2}body: \{"id":"bom-1"/,
    );
  });

  it('expectValid lists the first ten problems and counts the rest', () => {
    const items = Array.from({ length: 12 }, () => ({ ...bomListItem, modified: 'yesterday' }));
    expect(() => expectValid(openbom, 'GET', '/boms', 200, items)).toThrow(/- body\/9\/modified must be integer\n {2}- … and 2 more\n/);
  });

  it('expectValidResponse reads status, headers and JSON body from a clone and returns the body', async () => {
    const response = new Response(JSON.stringify([bomListItem]), { status: 200, headers: { 'content-type': 'application/json' } });
    await expect(expectValidResponse(openbom, 'GET', '/boms', response)).resolves.toEqual([bomListItem]);
    await expect(response.json()).resolves.toEqual([bomListItem]);
  });

  it('expectValidResponse rejects an invalid status, header or body', async () => {
    const json = (body: string, status: number, headers: Record<string, string> = {}) =>
      new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });
    await expect(expectValidResponse(openbom, 'GET', '/boms', json('not json', 200))).rejects.toThrow(/body is not JSON: not json/);
    await expect(expectValidResponse(openbom, 'GET', '/boms', json('{"error":"x"}', 401))).rejects.toThrow(/body\/error must be equal to constant/);
    await expect(expectValidResponse(openbom, 'GET', '/boms', json('{}', 418))).rejects.toThrow(/has no response 418/);
  });

  it('expectValidResponse validates binary responses by their headers only', async () => {
    const bytes = new Response(new Uint8Array([137, 80, 78, 71]), { status: 200, headers: { 'content-type': 'image/png', 'content-length': '4' } });
    await expect(expectValidResponse(openbom, 'GET', '/__storage/d1/a.png?expires=1&signature=x', bytes)).resolves.toBeDefined();
    const noLength = new Response(new Uint8Array([1]), { status: 200, headers: { 'content-type': 'image/png' } });
    await expect(expectValidResponse(openbom, 'GET', '/__storage/d1/a.png', noLength)).rejects.toThrow(/header Content-Length is required but missing/);
  });
});

describe('loadSpec', () => {
  it('parses each file once, however it is named', () => {
    expect(loadSpec('spec/openbom.yaml')).toBe(openbom);
    expect(loadSpec(resolve(openbom.file))).toBe(openbom);
  });

  it('fails clearly on a missing file', () => {
    expect(() => loadSpec('spec/no-such.yaml')).toThrow(/ENOENT.*no-such\.yaml/);
  });
});
