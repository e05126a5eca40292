/**
 * A small in-process OpenBOM for unit tests, answering with the contract's structures
 * (login/renew tokens, catalog listing and documents, item revisions, merged revisions, file redirects to storage).
 * `fetch` routes by origin: the API at API_ORIGIN, presigned files at STORAGE_ORIGIN. Every call is recorded.
 */
import { Hono } from 'hono';
import { createOpenBomClient, type OpenBomClient, type OpenBomClientOptions } from '../../../src/adapter/openbom/index.js';

export const API_ORIGIN = 'https://openbom.test';
export const STORAGE_ORIGIN = 'https://storage.test';
export const APP_KEY = 'fake-app-key-123456';
export const USERNAME = 'user@example.com';
export const PASSWORD = 'fake-password-xyz';

export const COLUMNS = ['Part Number', 'Name', 'Description', 'Revision', 'Thumbnail image', 'Drawing', 'CAD Model', 'Cost'];

/** The document ids the catalogs' file cells point at (OpenBOM's ids are UUIDs). */
export const DOC_1 = '0b8f5a7e-3c1d-4e2f-9a6b-7c8d9e0f1a21';
export const DOC_2 = '0b8f5a7e-3c1d-4e2f-9a6b-7c8d9e0f1a22';

export const fileUrl = (docId: string, name: string) => `${API_ORIGIN}/document/${docId}/image?filename=${encodeURIComponent(name)}`;

export interface RecordedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
}

export interface FakeOpenBom {
  fetch: typeof fetch;
  calls: RecordedCall[];
  /** Calls to the OpenBOM API (not storage). */
  apiCalls(): RecordedCall[];
  /** Answer the next matching requests with this instead (fault injection); returns nothing to pass through. */
  intercept: ((request: Request) => Response | Promise<Response | undefined> | undefined) | undefined;
  /** Every issued access token stops working. */
  expireTokens(): void;
  files: Map<string, Uint8Array>;
  /** Seconds an access token lives. */
  tokenTtlSeconds: number;
  /** The query of the storage URLs the file redirects point at (default `signature=abc`: no expiry in it). */
  storageQuery: () => string;
}

export function createFakeOpenBom(): FakeOpenBom {
  const issued = new Set<string>();
  const refreshTokens = new Set<string>();
  let counter = 0;
  const files = new Map<string, Uint8Array>([
    [`${DOC_1}/drawing-120.pdf`, new TextEncoder().encode('%PDF drawing 120')],
    [`${DOC_1}/My "quoted" drawing ü.pdf`, new TextEncoder().encode('%PDF unicode')],
  ]);

  const current = [
    ['55-554354', 'Bracket', 'Mounting bracket', '120', 'null', fileUrl(DOC_1, 'drawing-120.pdf'), fileUrl(DOC_1, 'model-120.step'), 12.5],
    ['NOFILES-1', 'Washer', '', 'A', 'null', 'null', '', 0.1],
    ['UNICODE-1', 'Odd', null, '1', 'null', fileUrl(DOC_1, 'My "quoted" drawing ü.pdf'), 'null', 1],
    ['FOREIGN-1', 'Foreign', 'x', '1', `https://elsewhere.test/document/${DOC_1}/image?filename=evil.pdf`, 'null', 'null', 1],
  ];
  const revisionRow = (label: string, drawing: string) => [
    label,
    'Released',
    '55-554354',
    'Bracket',
    `Bracket rev ${label}`,
    label,
    'null',
    fileUrl(DOC_1, drawing),
    'null',
    12,
  ];

  const api = new Hono();
  const tokens = () => {
    const access = `access-${++counter}-secret`;
    const refresh = `refresh-${counter}-secret`;
    issued.add(access);
    refreshTokens.add(refresh);
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: fake.tokenTtlSeconds };
  };
  api.use('*', async (c, next) => {
    if (c.req.header('x-openbom-appkey') !== APP_KEY)
      return c.json({ error: 'Missing or invalid developer application key[app_key]' }, 403);
    if (c.req.path !== '/login' && c.req.path !== '/token/renew' && !issued.has(c.req.header('x-openbom-accesstoken') ?? '')) {
      return c.json({ error: 'Missing or invalid access token.' }, 401);
    }
    await next();
  });
  api.post('/login', async (c) => {
    const body = await c.req.json<{ username?: string; password?: string }>();
    if (body.username !== USERNAME || body.password !== PASSWORD)
      return c.json({ error: `Unable to authenticate user[${body.username}]` }, 401);
    return c.json(tokens());
  });
  api.post('/token/renew', async (c) => {
    const body = await c.req.json<{ refresh_token?: string }>();
    if (!refreshTokens.has(body.refresh_token ?? '')) return c.json({ error: 'Error renewing access token' }, 401);
    return c.json(tokens());
  });
  api.get('/catalogs', (c) =>
    c.json([
      { id: 'cat-1', name: 'Items' },
      { id: 'cat-2', name: 'Other' },
    ]),
  );
  api.get('/catalog/cat-1', (c) => c.json({ id: 'cat-1', type: 'catalog', name: 'Items', columns: COLUMNS, cells: current }));
  api.get('/catalog/cat-2', (c) =>
    c.json({
      id: 'cat-2',
      type: 'catalog',
      name: 'Other',
      columns: ['Part Number', 'Drawing'],
      cells: [
        ['55-554354', fileUrl(DOC_2, 'shadowed.pdf')],
        ['OTHER-1', fileUrl(DOC_2, 'other.pdf')],
      ],
    }),
  );
  api.get('/catalog/:id/revisions/partnumber/:pn', (c) => {
    if (c.req.param('pn') !== '55-554354') return c.json([]);
    return c.json([
      { id: 'r1', partNumber: '55-554354', revisionNumber: 1, revision: '119', docId: 'd1', state: 'Released', bomRevision: null },
      { id: 'r2', partNumber: '55-554354', revisionNumber: 2, revision: '120', docId: 'd2', state: 'Released', bomRevision: null },
    ]);
  });
  api.get('/catalog/:id/revisions/merged/partnumber/:pn', (c) => {
    if (c.req.param('pn') !== '55-554354') return c.json({ error: 'Part not found.' }, 404);
    return c.json({
      id: 'cat-1',
      type: 'catalog',
      name: 'Items',
      partNumber: '55-554354',
      columns: ['Revision', 'Revision State', ...COLUMNS],
      cells: [revisionRow('119', 'drawing-119.pdf'), revisionRow('120', 'drawing-120.pdf')],
    });
  });
  api.get('/document/:id/image', (c) => {
    const name = c.req.query('filename') ?? '';
    const key = `${c.req.param('id')}/${name}`;
    if (!files.has(key)) return c.json({ error: 'File not found.' }, 404);
    return c.redirect(`${STORAGE_ORIGIN}/bucket/${encodeURIComponent(key)}?${fake.storageQuery()}`, 302);
  });

  const storage = new Hono();
  storage.get('/bucket/:key', (c) => {
    const bytes = files.get(decodeURIComponent(c.req.param('key')));
    if (!bytes) return c.json({ error: 'no such key' }, 404);
    return c.body(bytes.slice(), 200, { 'Content-Type': 'application/pdf', 'Content-Length': String(bytes.byteLength) });
  });

  const fake: FakeOpenBom = {
    calls: [],
    apiCalls: () => fake.calls.filter((call) => call.url.startsWith(API_ORIGIN)),
    intercept: undefined,
    expireTokens: () => issued.clear(),
    files,
    tokenTtlSeconds: 86_400,
    storageQuery: () => 'signature=abc',
    fetch: async (input: string | URL | Request, init?: RequestInit) => {
      const request = new Request(input, init);
      fake.calls.push({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers) });
      const injected = await fake.intercept?.(request);
      if (injected) return injected;
      const target = request.url.startsWith(STORAGE_ORIGIN) ? storage : request.url.startsWith(API_ORIGIN) ? api : undefined;
      if (!target) throw new TypeError('fetch failed');
      return target.fetch(request);
    },
  };
  return fake;
}

/**
 * The real OpenBOM client talking to `fake`, with the fake's credentials, no waiting (sleep resolves at once) and a
 * budget that never holds a unit test back; `options` override any of it.
 */
export function clientOfFake(fake: FakeOpenBom, options: Partial<OpenBomClientOptions> = {}): OpenBomClient {
  return createOpenBomClient({
    baseUrl: API_ORIGIN,
    appKey: APP_KEY,
    username: USERNAME,
    password: PASSWORD,
    // Late-bound so a test can wrap fake.fetch after the client exists.
    fetch: (input, init) => fake.fetch(input, init),
    requestsPerSecond: 1000,
    timeoutMs: 1000,
    maxRetries: 0,
    sleep: async () => {},
    ...options,
  });
}
