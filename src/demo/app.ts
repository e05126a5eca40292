import { Hono } from 'hono';
import { createAdapterApp } from '../adapter/app.js';
import { loadAdapterConfig } from '../adapter/config.js';
import { openBomClientFromConfig } from '../adapter/openbom-client.js';
import { createMemoryStore } from '../adapter/supplier-documents/index.js';
import { loadDefaultFixture } from '../fixtures/load.js';
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

export interface StartDemoOptions {
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
  close(): Promise<void>;
}

/** Starts the OpenBOM mock with the default fixture, the adapter wired to it, and the page beside the adapter. */
export async function startDemo({ host = '127.0.0.1', port = 0, logger = silentLogger }: StartDemoOptions = {}): Promise<RunningDemo> {
  const fixture = loadDefaultFixture();
  const appKey = fixture.account.appKeys[0];
  const user = fixture.account.users[0];
  if (appKey === undefined || user === undefined) throw new Error('the default fixture has no app key or user to log in with');

  // The mock keeps OpenBOM's rate limit (its default), so the demo shows the adapter living within it.
  const mock = await listen(createMockApp({ fixture, logger }), { host: '127.0.0.1' });
  // Download links need the demo's own URL, known only once it listens (port 0): the app is plugged in after.
  let app: Hono | undefined;
  const server = await listen(
    { fetch: (request) => (app ? app.fetch(request) : new Response('starting', { status: 503 })) },
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
  app = createDemoApp({
    // v2 supplier documents live in memory: the demo leaves nothing behind on disk.
    adapter: createAdapterApp({ config, openbom, logger, supplierDocuments: createMemoryStore() }),
    page: { apiKeyHeader: DEMO_API_KEY_HEADER, apiKey: DEMO_API_KEY, baseUrl: '' },
  });

  return {
    url,
    openBomUrl: mock.url,
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
