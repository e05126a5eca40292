/**
 * The adapter and the OpenBOM mock on real sockets on 127.0.0.1, wired as `jakamo-kit serve` wires them, with the
 * knobs the fault matrix and the load benchmark turn: the mock restartable on its port, the adapter's timeouts,
 * retries, rate and cache. No test framework in here, so bench/load.bench.ts uses it too.
 */
import { request } from 'node:http';
import { createAdapterApp } from '../../src/adapter/app.js';
import { loadAdapterConfig } from '../../src/adapter/config.js';
import { openBomClientFromConfig } from '../../src/adapter/openbom/index.js';
import { createMockApp, type MockOptions } from '../../src/mock/app.js';
import { silentLogger, type Logger } from '../../src/shared/logger.js';
import { listen, type RunningServer } from '../../src/shared/server.js';

export const JAKAMO_KEY = 'faults-jakamo-key-0001';
export const OPENBOM_SECRETS = { OPENBOM_APP_KEY: 'demo-app-key', OPENBOM_USERNAME: 'demo@example.com', OPENBOM_PASSWORD: 'demo-password' };

export interface MockServer {
  readonly url: string;
  readonly port: number;
  /** Stops the mock and starts a fresh one from the same fixture on the same port: no tokens, no faults, no journal. */
  restart(): Promise<void>;
  /** Stops it; `start()` brings a fresh one back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The mock on a socket. `options.fixture` is cloned for every (re)start, so a restart forgets all writes. */
export async function startMockServer(options: MockOptions): Promise<MockServer> {
  let server: RunningServer | undefined;
  let port = 0;
  const start = async () => {
    const app = createMockApp({ ...options, fixture: structuredClone(options.fixture) });
    // Passes node-server's bindings through: the mock uses them to drop and truncate connections.
    server = await listen({ fetch: (req, env) => app.fetch(req, env) }, { port });
    port = server.port;
  };
  const stop = async () => {
    await server?.close();
    server = undefined;
  };
  await start();
  const url = server!.url;
  return { url, port, start, stop, restart: async () => (await stop(), await start()), close: stop };
}

export interface AdapterSettings {
  timeoutMs: number;
  maxRetries: number;
  requestsPerSecond: number;
  cacheTtlSeconds: number;
  logger?: Logger;
  /** What the adapter reaches OpenBOM with (default: global fetch); tests wrap it to delay or observe requests. */
  fetch?: typeof fetch;
  /** Reuse storage redirects for repeat downloads (default true, as `serve`); false is the behaviour before it. */
  reuseRedirects?: boolean;
  /** 0..1 for the backoff's jitter (default Math.random); 0 keeps each backoff at its shortest, half its ceiling. */
  random?: () => number;
  /** Catalog ids to search (default: every catalog OpenBOM lists). */
  catalogs?: string[];
}

export interface AdapterServer {
  url: string;
  close(): Promise<void>;
}

export async function startAdapterServer(openBomUrl: string, settings: AdapterSettings): Promise<AdapterServer> {
  const logger = settings.logger ?? silentLogger;
  // The app needs the server's URL; the server answers through it once it exists.
  const served: { app?: ReturnType<typeof createAdapterApp> } = {};
  const server = await listen({ fetch: (req) => served.app!.fetch(req) });
  const config = loadAdapterConfig({
    flags: {
      openbomUrl: openBomUrl,
      publicBaseUrl: server.url,
      timeout: settings.timeoutMs,
      maxRetries: settings.maxRetries,
      requestsPerSecond: settings.requestsPerSecond,
      cacheTtl: settings.cacheTtlSeconds,
      ...(settings.catalogs ? { catalogs: settings.catalogs.join(',') } : {}),
    },
    env: { JAKAMO_API_KEYS: JAKAMO_KEY, ...OPENBOM_SECRETS },
  });
  const openbom = openBomClientFromConfig(config.openbom, {
    logger,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
    ...(settings.reuseRedirects !== undefined ? { reuseRedirects: settings.reuseRedirects } : {}),
    ...(settings.random ? { random: settings.random } : {}),
  });
  served.app = createAdapterApp({ config, openbom, logger });
  return { url: server.url, close: () => server.close() };
}

/** A file listed by the adapter. */
export interface ListedDocument {
  fileName: string;
  type: string;
  description: string;
  link: string;
}

export const listingUrl = (adapterUrl: string, materialId: string, revision?: string) =>
  `${adapterUrl}/materials/documents?${new URLSearchParams(revision === undefined ? { materialId } : { materialId, revision })}`;

/** A mock admin API call; throws on anything but 2xx so a broken setup cannot pass for a fault. */
export async function admin<T = any>(mockUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${mockUrl}/__admin${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`admin ${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export interface JournalEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  kind: 'api' | 'storage';
  /** Masked as the mock shows them: "" when the header was not sent. */
  appKey: string;
  accessToken: string;
}

export const journal = async (mockUrl: string): Promise<JournalEntry[]> =>
  (await admin<{ requests: JournalEntry[] }>(mockUrl, 'GET', '/requests')).requests;

/** Most entries that fall in any window of `windowMs` (a window starting at each entry). */
export function maxInAnyWindow(entries: JournalEntry[], windowMs = 1000): number {
  const times = entries.map((entry) => Date.parse(entry.time)).sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** What a client received for a download, read on a raw socket so that a cut connection is seen as such. */
export interface ReceivedDownload {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  /** True only when the whole message arrived (Node's `res.complete`): all Content-Length bytes, then a clean end. */
  complete: boolean;
}

export function download(url: string, headers: Record<string, string> = { 'X-API-KEY': JAKAMO_KEY }): Promise<ReceivedDownload> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      // 'close' comes after 'end' or after the connection died; a cut body also emits 'error' ("aborted").
      res.on('error', () => {});
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks), complete: res.complete }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}
