import { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import type { Fixture } from '../fixtures/types.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import type { MockApp, MockDeps, MockEnv } from './context.js';
import { ApiError, ConnectionDropped, MESSAGES, errorResponse } from './errors.js';
import { FaultRules } from './faults.js';
import { Journal } from './journal.js';
import { createPipeline, type ErrorHandler, type Route } from './pipeline.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerBomRoutes } from './routes/boms.js';
import { registerCatalogRoutes } from './routes/catalogs.js';
import { registerFileRoutes } from './routes/files.js';
import { registerLibraryRoutes } from './routes/library.js';
import { registerRevisionRoutes } from './routes/revisions.js';
import { PerMethodRouter } from './router.js';
import { registerRowRoutes } from './routes/rows.js';
import { StorageSigner } from './storage.js';
import { MockStore } from './store.js';
import { TokenStore } from './tokens.js';

export interface MockOptions {
  fixture: Fixture;
  clock?: Clock;
  /** Requests per second per app key; 0 = off. Default 5 (the contract's figure). */
  rateLimit?: number;
  /** Send Retry-After with 429 (default true). */
  retryAfter?: boolean;
  tokenTtlSeconds?: number;
  storageUrlTtlSeconds?: number;
  /** When set, /__admin needs `Authorization: Bearer <token>` or `X-Admin-Token: <token>`. */
  adminToken?: string;
  maxBodyBytes?: number;
  logger?: Logger;
  /** Dice for probabilistic faults (default Math.random); tests inject their own. */
  random?: () => number;
  /** Journal capacity (default the last 10,000 requests). */
  journalSize?: number;
}

/** The OpenBOM mock as a Hono app: in-process with app.request(), or on a socket with listen() from shared/server. */
export function createMockApp(options: MockOptions): MockApp {
  const clock = options.clock ?? systemClock;
  const rateLimit = options.rateLimit ?? 5;
  const deps: MockDeps = {
    store: new MockStore(options.fixture, clock),
    tokens: new TokenStore(clock, options.tokenTtlSeconds ?? 86_400),
    limiter: rateLimit > 0 ? new SlidingWindowLimiter(rateLimit, clock) : undefined,
    retryAfter: options.retryAfter ?? true,
    journal: new Journal(options.journalSize ?? 10_000),
    faults: new FaultRules(options.random),
    signer: new StorageSigner(clock, options.storageUrlTtlSeconds ?? 300),
    clock,
    logger: options.logger ?? silentLogger,
    adminToken: options.adminToken,
    maxBodyBytes: options.maxBodyBytes ?? 10 * 1024 * 1024,
  };

  // Routes are declared on their own app, then served by `app` each behind the pipeline (see createPipeline).
  const routes = new Hono<MockEnv>();
  for (const register of [
    registerAuthRoutes,
    registerBomRoutes,
    registerCatalogRoutes,
    registerRevisionRoutes,
    registerRowRoutes,
    registerFileRoutes,
    registerLibraryRoutes,
    registerAdminRoutes,
  ]) {
    register(routes, deps);
  }

  const handleError: ErrorHandler = (error, c) => {
    // A dropped connection has no response: let it propagate so the request aborts.
    if (error instanceof ConnectionDropped) throw error;
    if (error instanceof ApiError) return errorResponse(c, error.status, error.message);
    const message = error instanceof Error ? error.message : String(error);
    deps.logger.error('unexpected error in the OpenBOM mock', { method: c.req.method, path: c.req.path, error: message });
    return errorResponse(c, 500, MESSAGES.internal);
  };
  const pipeline = createPipeline(deps, handleError);

  const app = new Hono<MockEnv>({ router: new PerMethodRouter() });
  const declared = new Set<string>();
  for (const { method, path, handler } of routes.routes) {
    // The pipeline wraps each handler: a route with its own middleware would pass through it twice.
    const route = `${method} ${path}`;
    if (declared.has(route)) throw new Error(`mock route ${route} has more than one handler`);
    declared.add(route);
    app.on(method, path, pipeline(handler as Route));
  }

  const allowedMethods = methodsByPath(routes);
  app.notFound(
    pipeline((c) => {
      const allowed = allowedMethods(c.req.path);
      if (allowed.length > 0) return errorResponse(c, 405, MESSAGES.methodNotAllowed, { Allow: allowed.join(', ') });
      return errorResponse(c, 404, MESSAGES.notFound);
    }),
  );
  // What the pipeline lets through (a dropped connection) or never sees (a failing middleware) meets the same rules.
  app.onError(handleError);

  return app;
}

/** For 405s: the methods registered for a path (computed lazily from the declared routes, GET implying HEAD). */
function methodsByPath(app: MockApp): (path: string) => string[] {
  let router: TrieRouter<string> | undefined;
  return (path) => {
    if (!router) {
      router = new TrieRouter<string>();
      for (const route of app.routes) {
        if (route.method === 'ALL') continue;
        router.add(route.method, route.path, route.method);
        if (route.method === 'GET') router.add('HEAD', route.path, 'HEAD');
      }
    }
    const methods = new Set<string>();
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']) {
      if (router.match(method, path)[0].length > 0) methods.add(method);
    }
    return [...methods];
  };
}
