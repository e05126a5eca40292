import { Hono } from 'hono';
import { createAdapterApp } from '../adapter/app.js';
import { loadAdapterConfig } from '../adapter/config.js';
import { openBomClientFromConfig } from '../adapter/openbom/index.js';
import { createMemoryStore } from '../adapter/supplier-documents/index.js';
import { loadDefaultFixture } from '../fixtures/load.js';
import { PART_NUMBER_COLUMN, type Fixture } from '../fixtures/types.js';
import { createMockApp } from '../mock/app.js';
import { enforceLimits, jakamoErrorShape } from '../shared/limits.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { listen, type FetchApp } from '../shared/server.js';
import { createPageApp, type DemoPageConfig } from './page.js';

/** The demo's Jakamo integration settings; the key is public on purpose (the page reads it from /demo-config.json). */
export const DEMO_API_KEY_HEADER = 'X-API-KEY';
export const DEMO_API_KEY = 'demo-jakamo-key';
/** The File Callback API's own example item; the default fixture gives its revisions 119 and 120 different files. */
export const DEMO_MATERIAL = '55-554354';
export const DEMO_REVISION = '119';
export const DEMO_OTHER_REVISION = '120';
/** The supplier id of the v2 contract's own example; the page's supplier view starts with it. */
export const DEMO_SUPPLIER = '54454543';

/**
 * One origin for the page and the File Callback API, so the page's requests (listing and downloads) are
 * same-origin as Jakamo's would be to one server. The page owns /, its two files and /demo-config.json;
 * every other path goes to the adapter, which answers it as `jakamo-kit serve` would (its own 404s included).
 */
export function createDemoApp({ adapter, page }: { adapter: FetchApp; page: DemoPageConfig }): Hono {
  const app = new Hono();
  app.use('*', enforceLimits(jakamoErrorShape));
  app.route('/', createPageApp(page));
  // Passed on unchanged: mounted at the root there is nothing to rewrite, and Hono's rewrite refuses some paths the
  // adapter answers itself (e.g. `/a/.b/.` → a text/plain 400 "Invalid mounted path" instead of the API's JSON).
  app.mount('/', (request) => adapter.fetch(request), { replaceRequest: false });
  return app;
}

/** An item to show first: the default fixture's is the contract's own example; another fixture's is found in it. */
export interface DemoExample {
  material: string;
  revision: string;
  otherRevision: string;
}

const DEFAULT_EXAMPLE: DemoExample = { material: DEMO_MATERIAL, revision: DEMO_REVISION, otherRevision: DEMO_OTHER_REVISION };

/**
 * The item the banner and `--check` use: for another fixture (a snapshot of a real account), the first part with the
 * most revisions (two differ in their files, as in the contract's example), else the first part.
 */
export function demoExample(fixture: Fixture): DemoExample | undefined {
  let best: { pn: string; revisions: string[] } | undefined;
  for (const catalog of fixture.catalogs) {
    for (const part of catalog.parts) {
      const pn = part.row[PART_NUMBER_COLUMN];
      if (typeof pn !== 'string') continue;
      const revisions = part.revisions.map((r) => r.revision);
      if (!best || Math.min(revisions.length, 2) > Math.min(best.revisions.length, 2)) best = { pn, revisions };
    }
  }
  if (!best) return undefined;
  const latest = best.revisions.at(-1) ?? '';
  return { material: best.pn, revision: best.revisions.at(-2) ?? latest, otherRevision: latest };
}

export interface StartDemoOptions {
  /** The data the mock serves (default: the embedded fixtures/default.yaml). */
  fixture?: Fixture;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  logger?: Logger;
}

export interface RunningDemo {
  /** The page and the API's base URL, e.g. http://127.0.0.1:8080 (no trailing slash). */
  url: string;
  /** The OpenBOM mock the adapter talks to (internal, always on 127.0.0.1). */
  openBomUrl: string;
  /** An item of the fixture to try first; undefined when the fixture has no parts. */
  example: DemoExample | undefined;
  close(): Promise<void>;
}

/** Starts the OpenBOM mock with the default fixture, the adapter wired to it, and the page beside the adapter. */
export async function startDemo({
  fixture: given,
  host = '127.0.0.1',
  port = 0,
  logger = silentLogger,
}: StartDemoOptions = {}): Promise<RunningDemo> {
  const fixture = given ?? loadDefaultFixture();
  const appKey = fixture.account.appKeys[0];
  const user = fixture.account.users[0];
  if (appKey === undefined || user === undefined) throw new Error('the fixture has no app key or user to log in with');

  // The mock keeps OpenBOM's rate limit (its default), so the demo shows the adapter living within it.
  const mock = await listen(createMockApp({ fixture, logger }), { host: '127.0.0.1' });
  // Download links need the demo's own URL, known only once it listens (port 0): the app is plugged in after.
  const plugged: { app?: Hono } = {};
  const server = await listen(
    { fetch: (request) => (plugged.app ? plugged.app.fetch(request) : new Response('starting', { status: 503 })) },
    { host, port },
  ).catch(async (error: unknown) => {
    await mock.close();
    throw error;
  });
  const url = `http://${browsableHost(host)}:${server.port}`;

  // The adapter's own defaults (mapping, cache, limits) apply; only the wiring and the secrets are the demo's.
  const config = loadAdapterConfig({
    flags: { host, port: server.port, publicBaseUrl: url, apiKeyHeader: DEMO_API_KEY_HEADER, openbomUrl: mock.url },
    env: {
      JAKAMO_API_KEYS: DEMO_API_KEY,
      OPENBOM_APP_KEY: appKey,
      OPENBOM_USERNAME: user.username,
      OPENBOM_PASSWORD: user.password,
    },
  });
  const openbom = openBomClientFromConfig(config.openbom, { logger });
  plugged.app = createDemoApp({
    // v2 supplier documents live in memory: the demo leaves nothing behind on disk.
    adapter: createAdapterApp({ config, openbom, logger, supplierDocuments: createMemoryStore() }),
    page: { apiKeyHeader: DEMO_API_KEY_HEADER, apiKey: DEMO_API_KEY, baseUrl: '' },
  });

  return {
    url,
    openBomUrl: mock.url,
    example: given ? demoExample(fixture) : DEFAULT_EXAMPLE,
    close: async () => {
      await Promise.all([server.close(), mock.close()]);
    },
  };
}

/** A wildcard bind address is not something a browser can open; the loopback address is. */
function browsableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
