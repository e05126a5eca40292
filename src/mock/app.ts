import { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import type { Fixture } from '../fixtures/types.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import type { MockApp, MockDeps, MockEnv } from './context.js';
import { ApiError, ConnectionDropped, MESSAGES, errorResponse } from './errors.js';
import { FaultRules } from './faults.js';
import { Journal } from './journal.js';
import { createPipeline } from './pipeline.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerBomRoutes } from './routes/boms.js';
import { registerCatalogRoutes } from './routes/catalogs.js';
import { registerFileRoutes } from './routes/files.js';
import { registerLibraryRoutes } from './routes/library.js';
import { registerRevisionRoutes } from './routes/revisions.js';
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

  const app = new Hono<MockEnv>();
  app.use('*', createPipeline(deps));
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
    register(app, deps);
  }

  const allowedMethods = methodsByPath(app);
  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) return errorResponse(c, 405, MESSAGES.methodNotAllowed, { Allow: allowed.join(', ') });
    return errorResponse(c, 404, MESSAGES.notFound);
  });

  app.onError((error, c) => {
    // A dropped connection has no response: let it propagate so the request aborts.
    if (error instanceof ConnectionDropped) throw error;
    if (error instanceof ApiError) return errorResponse(c, error.status, error.message);
    deps.logger.error('unexpected error in the OpenBOM mock', { method: c.req.method, path: c.req.path, error: error.message });
    return errorResponse(c, 500, MESSAGES.internal);
  });

  return app;
}

/** For 405s: the methods registered for a path (computed lazily from the app's own routes, GET implying HEAD). */
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
