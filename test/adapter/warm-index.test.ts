/**
 * `serve`'s part index kept warm (issue 15.1) and its probes (15.3), in-process with an injected clock: after start-up
 * no listing waits on OpenBOM whatever the TTL, a change made in OpenBOM shows within TTL + one rebuild, refreshes go
 * at background priority, and /readyz tells what is missing without asking OpenBOM.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAdapterApp, type AdapterAppConfig } from '../../src/adapter/app.js';
import { createDocumentService, type DocumentService } from '../../src/adapter/documents.js';
import type { OpenBomClient, RequestOptions } from '../../src/adapter/openbom/index.js';
import { createMemoryState } from '../../src/adapter/state/index.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createMemoryLogger } from '../../src/shared/logger.js';
import {
  API_ORIGIN,
  APP_KEY,
  COLUMNS,
  clientOfFake,
  createFakeOpenBom,
  DOC_1,
  fileUrl,
  PASSWORD,
  USERNAME,
} from './support/fake-openbom.js';

const KEY = 'jakamo-key-warm-0001';
const TTL_SECONDS = 60;
const CONFIG: AdapterAppConfig = {
  publicBaseUrl: 'https://adapter.example.com',
  apiKeyHeader: 'X-API-KEY',
  apiKeys: [KEY],
  cacheTtlSeconds: TTL_SECONDS,
  openbom: { url: API_ORIGIN, catalogs: [] },
  mapping: { partNumberColumn: 'Part Number', revisionColumn: 'Revision', descriptionColumn: 'Description' },
};

const services: DocumentService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.stop();
});

/** A promise and its resolver: lets a test hold OpenBOM's answers back and release them when it chooses. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A fake OpenBOM interceptor that holds every request until `opened`, then lets it through. */
const holdUntil = (opened: Promise<void>) => async () => {
  await opened;
  return undefined;
};

function setup({ password = PASSWORD, appKey = APP_KEY, state = createMemoryState(), sharedState = false } = {}) {
  const fake = createFakeOpenBom();
  const clock = new ManualClock();
  const logger = createMemoryLogger();
  const client = clientOfFake(fake, { appKey, password, clock, logger, state });
  // Records the priority each call was sent with.
  const priorities: Array<[string, string]> = [];
  const record =
    <A extends unknown[], R>(name: string, call: (...args: [...A, RequestOptions?]) => Promise<R>) =>
    (...args: [...A, RequestOptions?]) => {
      priorities.push([name, (args.at(-1) as RequestOptions | undefined)?.priority ?? 'foreground']);
      return call(...args);
    };
  const openbom: OpenBomClient = {
    listCatalogs: record('listCatalogs', (options) => client.listCatalogs(options)),
    getCatalog: record('getCatalog', (id: string, options) => client.getCatalog(id, options)),
    listItemRevisions: record('listItemRevisions', (id: string, pn: string, options) => client.listItemRevisions(id, pn, options)),
    getMergedRevisions: record('getMergedRevisions', (id: string, pn: string, options) => client.getMergedRevisions(id, pn, options)),
    openFile: (url, options) => client.openFile(url, options),
  };
  const documents = createDocumentService({
    openbom,
    catalogs: [],
    openBomUrl: API_ORIGIN,
    mapping: CONFIG.mapping,
    cacheTtlSeconds: TTL_SECONDS,
    clock,
    logger,
    state,
  });
  services.push(documents);
  const app = createAdapterApp({ config: CONFIG, openbom, logger, clock, state, documents, sharedState });
  const get = (path: string, headers: Record<string, string> = { 'X-API-KEY': KEY }) => app.request(path, { headers });
  const listing = async (materialId: string, revision = '') => {
    const response = await get(`/materials/documents?materialId=${materialId}${revision ? `&revision=${revision}` : ''}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: Array<{ fileName: string }> }).data.map((file) => file.fileName);
  };
  /** Answers GET /catalog/cat-1 with the bracket's drawing renamed (a change made in OpenBOM). */
  const renameDrawing = (name: string) => {
    fake.intercept = (request) =>
      new URL(request.url).pathname === '/catalog/cat-1'
        ? Response.json({
            id: 'cat-1',
            columns: COLUMNS,
            cells: [['55-554354', 'Bracket', 'Mounting bracket', '120', 'null', fileUrl(DOC_1, name), 'null', 1]],
          })
        : undefined;
  };
  const catalogCalls = () => fake.apiCalls().filter((call) => new URL(call.url).pathname.startsWith('/catalog')).length;
  const requestLines = () =>
    logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === 'request');
  return { fake, clock, logger, documents, app, get, listing, renameDrawing, catalogCalls, priorities, requestLines };
}

describe('the part index kept warm', () => {
  it('answers every listing after start-up without waiting on OpenBOM, across several TTL expiries', async () => {
    const { fake, clock, documents, listing, catalogCalls, requestLines } = setup();
    await documents.warmUp();
    const atStart = catalogCalls();
    expect(atStart).toBeGreaterThan(0);
    for (let expiry = 1; expiry <= 4; expiry++) {
      clock.advance(TTL_SECONDS * 1000 + 1);
      // OpenBOM now holds every answer back: a listing that waited on it would never finish.
      const held = gate();
      fake.intercept = holdUntil(held.opened);
      expect(await listing('55-554354')).toEqual(['drawing-120.pdf', 'model-120.step']);
      expect(await listing('UNICODE-1')).toEqual(['My "quoted" drawing ü.pdf']);
      // The rebuild those listings nudged runs in the background; let it finish before the next expiry.
      held.open();
      await documents.refreshIndex();
      fake.intercept = undefined;
      expect(catalogCalls()).toBeGreaterThan(atStart);
    }
    // The background rebuilds are counted for no Jakamo request.
    expect(requestLines().map((line) => line.upstreamCalls)).toEqual(Array.from({ length: 8 }, () => 0));
  });

  it('shows a change made in OpenBOM within TTL + one rebuild, and not the old value after it', async () => {
    const { clock, documents, listing, renameDrawing } = setup();
    await documents.warmUp();
    renameDrawing('drawing-121.pdf');
    // Within the TTL the index in hand answers.
    clock.advance(TTL_SECONDS * 1000 - 1);
    await documents.refreshIndex();
    expect(await listing('55-554354')).toEqual(['drawing-120.pdf', 'model-120.step']);
    // Once the TTL has passed, the next refresh (the timer checks every second) rebuilds, and listings show the change.
    clock.advance(2);
    await documents.refreshIndex();
    expect(await listing('55-554354')).toEqual(['drawing-121.pdf']);
  });

  it('rebuilds at background priority, while a request with nothing in hand asks at foreground priority', async () => {
    const { clock, documents, listing, priorities } = setup();
    await listing('55-554354');
    expect(priorities.every(([, priority]) => priority === 'foreground')).toBe(true);
    priorities.length = 0;
    clock.advance(TTL_SECONDS * 1000 + 1);
    await documents.refreshIndex();
    expect(priorities.length).toBeGreaterThan(0);
    expect(priorities.every(([, priority]) => priority === 'background')).toBe(true);
  });

  it('answers a listing of a named revision stale for one more TTL while it is reloaded in the background', async () => {
    const { fake, clock, listing } = setup();
    expect(await listing('55-554354', '119')).toEqual(['drawing-119.pdf']);
    clock.advance(TTL_SECONDS * 1000 + 1);
    const held = gate();
    fake.intercept = holdUntil(held.opened);
    expect(await listing('55-554354', '119')).toEqual(['drawing-119.pdf']);
    held.open();
    fake.intercept = undefined;
    await vi.waitFor(() => expect(fake.apiCalls().filter((call) => call.url.includes('/revisions/merged/')).length).toBe(2));
  });

  it('keeps answering from the index in hand when a rebuild fails, logs it once, and retries at a growing interval', async () => {
    const { fake, clock, documents, listing, logger, catalogCalls } = setup();
    await documents.warmUp();
    fake.intercept = () => Response.json({ error: 'Something went wrong. Please try again later.' }, { status: 503 });
    clock.advance(TTL_SECONDS * 1000 + 1);
    await documents.refreshIndex();
    const afterFirstFailure = catalogCalls();
    // Within the retry delay a refresh does not reach OpenBOM again.
    await documents.refreshIndex();
    expect(catalogCalls()).toBe(afterFirstFailure);
    expect(await listing('55-554354')).toEqual(['drawing-120.pdf', 'model-120.step']);
    clock.advance(1_000);
    await documents.refreshIndex();
    expect(catalogCalls()).toBeGreaterThan(afterFirstFailure);
    expect(logger.lines.filter((line) => line.includes('part index refresh failed'))).toHaveLength(1);
    fake.intercept = undefined;
    clock.advance(2_000);
    await documents.refreshIndex();
    expect(logger.lines.filter((line) => line.includes('part index loaded again'))).toHaveLength(1);
  });
});

describe('GET /healthz and /readyz', () => {
  const probe = async (get: (path: string, headers?: Record<string, string>) => Response | Promise<Response>, path: string) => {
    const response = await get(path, {});
    return { status: response.status, text: await response.text() };
  };

  it('answers /healthz 200 without a key, and /readyz 503 until the index is loaded, then 200', async () => {
    const { get, documents } = setup();
    expect(await probe(get, '/healthz')).toEqual({ status: 200, text: '{"status":"ok"}' });
    const loading = await probe(get, '/readyz');
    expect(loading.status).toBe(503);
    expect(JSON.parse(loading.text)).toMatchObject({ status: 'not ready', reason: 'the part index is still loading' });
    await documents.warmUp();
    const ready = await probe(get, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({
      status: 'ready',
      checks: { openbom: 'ok', partIndex: { loaded: true, ageSeconds: 0 }, sharedState: 'memory' },
    });
  });

  it('makes no OpenBOM call per probe', async () => {
    const { get, documents, fake } = setup();
    await documents.warmUp();
    const before = fake.calls.length;
    for (let i = 0; i < 20; i++) {
      await probe(get, '/readyz');
      await probe(get, '/healthz');
    }
    expect(fake.calls.length).toBe(before);
  });

  it.each([
    ['a wrong password', { password: 'not-the-password-42' }, 'check OPENBOM_USERNAME and OPENBOM_PASSWORD'],
    ['a wrong app key', { appKey: 'not-the-app-key-42' }, 'check OPENBOM_APP_KEY'],
  ])('answers 503 naming the setting to fix with %s, and no secret', async (_, credentials, hint) => {
    const { get, documents } = setup(credentials);
    await expect(documents.warmUp()).rejects.toThrow();
    const { status, text } = await probe(get, '/readyz');
    expect(status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      status: 'not ready',
      reason: expect.stringContaining(hint),
      checks: { openbom: 'credentials', partIndex: { loaded: false } },
    });
    for (const secret of [PASSWORD, APP_KEY, USERNAME, ...Object.values(credentials)]) expect(text).not.toContain(secret);
  });

  it('answers 503 naming --openbom-url when OpenBOM cannot be reached', async () => {
    const { get, documents, fake } = setup();
    fake.intercept = () => {
      throw new TypeError('fetch failed');
    };
    await expect(documents.warmUp()).rejects.toThrow();
    const { status, text } = await probe(get, '/readyz');
    expect(status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      reason: expect.stringContaining('--openbom-url (OPENBOM_URL)'),
      checks: { openbom: 'unreachable' },
    });
  });

  it('stays ready on a loaded index when a rebuild fails for OpenBOM being away, but not when the credentials stop working', async () => {
    const { get, documents, fake, clock } = setup();
    await documents.warmUp();
    fake.intercept = () => Response.json({ error: 'Something went wrong. Please try again later.' }, { status: 503 });
    clock.advance(TTL_SECONDS * 1000 + 1);
    await documents.refreshIndex();
    expect((await probe(get, '/readyz')).status).toBe(200);
    fake.intercept = (request) =>
      ['/login', '/token/renew'].includes(new URL(request.url).pathname)
        ? Response.json({ error: 'Unable to authenticate user[x]' }, { status: 401 })
        : undefined;
    fake.expireTokens();
    clock.advance(60_000);
    await documents.refreshIndex();
    const { status, text } = await probe(get, '/readyz');
    expect(status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      reason: expect.stringContaining('OPENBOM_PASSWORD'),
      checks: { openbom: 'credentials', partIndex: { loaded: true } },
    });
  });

  it('answers 503 while the shared state (Redis) is unreachable', async () => {
    let reachable = true;
    const state = { ...createMemoryState(), isReachable: () => reachable };
    const { get, documents } = setup({ state, sharedState: true });
    await documents.warmUp();
    expect(JSON.parse((await probe(get, '/readyz')).text)).toMatchObject({ status: 'ready', checks: { sharedState: 'ok' } });
    reachable = false;
    const { status, text } = await probe(get, '/readyz');
    expect(status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({ reason: 'the shared state (Redis) is unreachable', checks: { sharedState: 'unreachable' } });
  });
});
