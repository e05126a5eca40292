import { Hono, type Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { create as contentDisposition } from 'content-disposition';
import { lookup as mimeType } from 'mime-types';
import { systemClock, type Clock } from '../shared/clock.js';
import { enforceLimits, excerpt, jakamoErrorShape } from '../shared/limits.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import type { AdapterConfig } from './config.js';
import { createDocumentService, type DocumentService } from './documents.js';
import { badRequest, jakamoError, requireApiKey } from './errors.js';
import { judgeReadiness } from './health.js';
import { toJakamoDocuments } from './mapping.js';
import { OpenBomError, UnsafeFileUrlError, type OpenBomClient, type OpenBomFile } from './openbom/index.js';
import { SharedStateUnavailableError, type SharedState } from './state/shared-state.js';
import { createSupplierDocumentRoutes, type SupplierDocumentStore } from './supplier-documents/index.js';
import { silentTelemetry, type AdapterTelemetry } from './telemetry.js';
import { countingUpstreamCalls } from './upstream-calls.js';

/** What the app reads from the configuration (a full AdapterConfig fits). */
export type AdapterAppConfig = Pick<AdapterConfig, 'publicBaseUrl' | 'apiKeyHeader' | 'apiKeys' | 'cacheTtlSeconds' | 'mapping'> &
  Partial<Pick<AdapterConfig, 'maxDocumentBytes'>> & {
    openbom: Pick<AdapterConfig['openbom'], 'catalogs' | 'url'>;
  };

export interface AdapterAppOptions {
  config: AdapterAppConfig;
  openbom: OpenBomClient;
  logger?: Logger;
  clock?: Clock;
  /** Where the listing caches live; give the OpenBOM client's state (default: this process's memory). */
  state?: SharedState;
  /** Where v2 supplier documents live; without it the /suppliers/… routes are not mounted (404). */
  supplierDocuments?: SupplierDocumentStore;
  /** The listing service, when the caller keeps it warm (`serve`); default: one built here from the same options. */
  documents?: DocumentService;
  telemetry?: AdapterTelemetry;
  /** Whether `state` is shared (Redis): then /readyz also needs it reachable. */
  sharedState?: boolean;
}

const LISTING_PATH = '/materials/documents';
const DOWNLOAD_PATH = '/materials/documents/download';
/** Query parameters worth logging; nothing else from the URL reaches a log line. */
const LOGGED_PARAMS = ['materialId', 'revision', 'column', 'fileName'];

/** The Jakamo File Callback API served from OpenBOM (spec/jakamo-file-callback.yaml). */
export function createAdapterApp({
  config,
  openbom,
  logger = silentLogger,
  clock = systemClock,
  supplierDocuments,
  state,
  telemetry = silentTelemetry,
  sharedState = false,
  documents: givenDocuments,
}: AdapterAppOptions): Hono {
  const documents =
    givenDocuments ??
    createDocumentService({
      openbom,
      catalogs: config.openbom.catalogs,
      openBomUrl: config.openbom.url,
      mapping: config.mapping,
      cacheTtlSeconds: config.cacheTtlSeconds,
      clock,
      logger,
      state,
      telemetry,
    });
  const app = new Hono();

  app.use('*', async (c, next) => {
    const started = performance.now();
    // Responses carry part data or files behind a key: no cache may keep them.
    c.header('Cache-Control', 'no-store');
    const { upstreamCalls } = await countingUpstreamCalls(next);
    // The route pattern (never the raw path, which a client chooses) keeps the metric's label set bounded.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- hono types matchedRoutes for a Context of any Env
    telemetry.jakamoRequest(routeOf(c), c.res.status, (performance.now() - started) / 1000);
    logger.info('request', {
      method: c.req.method,
      path: excerpt(loggablePath(c.req.url)),
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      upstreamCalls,
    });
  });

  app.use('*', enforceLimits(jakamoErrorShape));

  // Probes: no key, no secret, no OpenBOM call (readiness is read from the state in hand).
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const { ready, body } = judgeReadiness({
      index: documents.indexStatus(),
      sharedStateReachable: sharedState ? state?.isReachable() : undefined,
    });
    return c.json(body, ready ? 200 : 503);
  });
  const authorize = requireApiKey({ header: config.apiKeyHeader, keys: config.apiKeys });
  app.use('/materials/*', authorize);

  app.get(LISTING_PATH, async (c) => {
    const materialId = param(c, 'materialId').trim();
    if (materialId === '') return missingParams(c, ['materialId']);
    const revision = param(c, 'revision').trim();
    const files = await documents.listFiles(materialId, revision);
    return c.json({ data: toJakamoDocuments(files, config.publicBaseUrl, materialId, revision) });
  });

  // Also answers HEAD: Hono runs the GET handler and drops the body.
  app.get(DOWNLOAD_PATH, async (c) => {
    const missing = ['materialId', 'column', 'fileName'].filter((name) => param(c, name).trim() === '');
    if (missing.length > 0) return missingParams(c, missing);
    // Column and file name are compared exactly as listed; material and revision are trimmed as in the listing.
    const materialId = param(c, 'materialId').trim();
    const revision = param(c, 'revision').trim();
    const column = param(c, 'column');
    const fileName = param(c, 'fileName');
    const file = (await documents.listFiles(materialId, revision)).find((f) => f.column === column && f.fileName === fileName);
    const notFound = () =>
      jakamoError(c, 404, 'Not found', [
        {
          message: `No file "${excerpt(fileName)}" in column "${excerpt(column)}" of material ${excerpt(materialId)}${revision ? ` revision ${excerpt(revision)}` : ''}.`,
        },
      ]);
    if (!file) return notFound();

    let stored: OpenBomFile;
    try {
      // The signal aborts when Jakamo hangs up: a download still waiting for its turn at OpenBOM is dropped then.
      stored = await openbom.openFile(file.url, { headersOnly: c.req.method === 'HEAD', signal: c.req.raw.signal });
    } catch (error) {
      if (error instanceof UnsafeFileUrlError) {
        logger.warn('refused to fetch a file URL outside OpenBOM', { column, fileName });
        return notFound();
      }
      if (error instanceof OpenBomError && error.status === 404) return notFound();
      throw error;
    }
    c.header('Content-Type', stored.contentType ?? (mimeType(file.fileName) || 'application/octet-stream'));
    if (stored.contentLength !== null) c.header('Content-Length', stored.contentLength);
    c.header('Content-Disposition', contentDisposition(file.fileName));
    // The type comes from storage (or the name): no browser may guess another one from the bytes.
    c.header('X-Content-Type-Options', 'nosniff');
    // The storage stream is piped through as it arrives; the file is never held in memory.
    return stored.body ? c.body(stored.body, 200) : c.body(null, 200);
  });

  for (const path of [LISTING_PATH, DOWNLOAD_PATH]) {
    app.all(path, (c) => {
      c.header('Allow', 'GET, HEAD');
      return jakamoError(c, 405, 'Method not allowed', [{ message: `${c.req.method} is not supported here; use GET.` }]);
    });
  }

  if (supplierDocuments) {
    app.route(
      '/',
      createSupplierDocumentRoutes({
        store: supplierDocuments,
        authorize,
        publicBaseUrl: config.publicBaseUrl,
        ...(config.maxDocumentBytes !== undefined ? { maxContentBytes: config.maxDocumentBytes } : {}),
        logger,
      }),
    );
  }

  app.notFound((c) => jakamoError(c, 404, 'Not found', [{ message: `No such endpoint: ${c.req.method} ${excerpt(c.req.path)}` }]));

  app.onError((error, c) => {
    if (error instanceof OpenBomError) {
      logger.warn('openbom failure', { reason: error.message });
      return jakamoError(c, 502, 'Bad gateway', [{ message: `OpenBOM could not be reached or failed: ${error.message}` }]);
    }
    if (error instanceof SharedStateUnavailableError) {
      // No fallback to local state, which would break the limit shared with the other replicas.
      logger.warn('shared state failure', { reason: error.message });
      return jakamoError(c, 502, 'Bad gateway', [{ message: 'The shared state store is unavailable; please try again shortly.' }]);
    }
    logger.error('unexpected error', { error: error instanceof Error ? error.message : String(error) });
    return jakamoError(c, 500, 'Internal server error', [{ message: 'Something went wrong; please try again later.' }]);
  });

  return app;
}

function missingParams(c: Context, names: string[]) {
  return badRequest(
    c,
    names.map((field) => ({ message: `${field} is required.`, field })),
  );
}

/** A query parameter as sent; '' when absent. */
function param(c: Context, name: string): string {
  return c.req.query(name) ?? '';
}

/** The pattern of the route that answered; `unmatched` when only middleware (`/*`, `/materials/*`) saw the request. */
function routeOf(c: Context): string {
  return [...matchedRoutes(c)].reverse().find((route) => !route.path.endsWith('*'))?.path ?? 'unmatched';
}

function loggablePath(url: string): string {
  const { pathname, searchParams } = new URL(url);
  const kept = new URLSearchParams();
  for (const name of LOGGED_PARAMS) {
    const value = searchParams.get(name);
    if (value !== null) kept.set(name, value);
  }
  const query = kept.toString();
  return query ? `${pathname}?${query}` : pathname;
}
