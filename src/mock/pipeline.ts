import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { matchesAnySecret } from '../shared/secrets.js';
import type { MockDeps, MockEnv, NodeBindings } from './context.js';
import { ConnectionDropped, MESSAGES, errorResponse } from './errors.js';
import type { FaultRule } from './faults.js';
import type { RequestKind } from './journal.js';
import { headerOf, requestTarget } from './request.js';
import { STORAGE_PREFIX } from './storage.js';

const ADMIN_PREFIX = '/__admin';
/** The only OpenBOM paths that need no access token. */
const TOKENLESS_PATHS = new Set(['/login', '/token/renew']);

type MockContext = Context<MockEnv>;

/**
 * The one middleware in front of every route, in the order decided for the mock:
 * admin (own guard, nothing else) → journal → injected faults → app key (403) → rate limit (429) → access token (401)
 * → body limit (413) → route. Kept as one function so a plain GET pays for a handful of header reads and map lookups.
 */
export function createPipeline(deps: MockDeps): MiddlewareHandler<MockEnv> {
  const { journal, faults, clock } = deps;
  const authenticate = createAuthenticator(deps);
  const limitBody = bodyLimit({ maxSize: deps.maxBodyBytes, onError: (c) => errorResponse(c, 413, MESSAGES.tooLarge) });

  /** On to the route, through the body limit where there can be a body; resolves to the response sent. */
  async function route(c: MockContext, next: Next): Promise<Response> {
    // GET and HEAD carry no body. Skipping the limiter also keeps @hono/node-server's lightweight request from
    // being turned into a full Request (reading .body does that), a large share of a cached GET's cost.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      await next();
      return c.res;
    }
    // bodyLimit returns its 413 response, or whatever next() resolves to once the route has set c.res.
    const result: unknown = await limitBody(c, next);
    return result instanceof Response ? result : c.res;
  }

  /** Authentication for OpenBOM paths (storage URLs carry their own signature), then the route. */
  function guardedRoute(c: MockContext, next: Next, path: string, kind: RequestKind, appKey: string | undefined, accessToken: string | undefined) {
    return (kind === 'api' ? authenticate(c, path, appKey, accessToken) : undefined) ?? route(c, next);
  }

  return async function pipeline(c, next) {
    const path = c.req.path;
    if (path.startsWith(ADMIN_PREFIX)) {
      if (deps.adminToken !== undefined && !matchesAnySecret(adminTokenOf(c), [deps.adminToken])) {
        return errorResponse(c, 401, MESSAGES.adminToken);
      }
      return route(c, next);
    }
    const kind: RequestKind = path.startsWith(STORAGE_PREFIX) ? 'storage' : 'api';
    const appKey = headerOf(c, 'x-openbom-appkey');
    const accessToken = headerOf(c, 'x-openbom-accesstoken');
    const pending = journal.start(clock.now(), c.req.method, requestTarget(c), kind, appKey, accessToken);
    let status = 0;
    try {
      const fault = faults.take(c.req.method, path);
      const response = fault
        ? await applyFault(c, fault, deps.limiter?.limit ?? 5, () => guardedRoute(c, next, path, kind, appKey, accessToken))
        : await guardedRoute(c, next, path, kind, appKey, accessToken);
      status = response.status;
      return response;
    } finally {
      journal.finish(pending, status);
    }
  };
}

/** OpenBOM's order: app key (403), then the per-key rate limit (429), then the access token (401). Undefined: go on. */
function createAuthenticator(deps: MockDeps) {
  // Keys that passed the constant-time check are remembered, so its hashing (half of a cached GET's own cost)
  // runs once per key rather than once per request. Unknown keys always take the constant-time path.
  const verifiedAppKeys = new Set<string>();
  const isValidAppKey = (appKey: string | undefined): appKey is string => {
    if (appKey === undefined) return false;
    if (verifiedAppKeys.has(appKey)) return true;
    if (!matchesAnySecret(appKey, deps.store.account.appKeys)) return false;
    verifiedAppKeys.add(appKey);
    return true;
  };

  return (c: MockContext, path: string, appKey: string | undefined, accessToken: string | undefined): Response | undefined => {
    if (!isValidAppKey(appKey)) return errorResponse(c, 403, MESSAGES.appKey);
    if (deps.limiter) {
      const decision = deps.limiter.take(appKey);
      if (!decision.allowed) {
        const headers = deps.retryAfter ? { 'Retry-After': String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))) } : undefined;
        return errorResponse(c, 429, MESSAGES.rateLimited(deps.limiter.limit), headers);
      }
    }
    if (TOKENLESS_PATHS.has(path)) return undefined;
    const user = accessToken === undefined ? undefined : deps.tokens.userOf(accessToken);
    if (user === undefined) return errorResponse(c, 401, MESSAGES.accessToken);
    c.set('user', user);
    return undefined;
  };
}

function adminTokenOf(c: MockContext): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return c.req.header('x-admin-token');
}

/** Default body of an injected status: the real service's words where it has them. */
function faultMessage(status: number, rateLimit: number): string {
  const messages: Partial<Record<number, string>> = {
    401: MESSAGES.accessToken,
    403: MESSAGES.appKey,
    404: MESSAGES.notFound,
    429: MESSAGES.rateLimited(rateLimit),
    500: MESSAGES.internal,
    503: 'Service unavailable.',
  };
  return messages[status] ?? 'Injected fault.';
}

async function applyFault(c: MockContext, fault: FaultRule, rateLimit: number, proceed: () => Response | Promise<Response>): Promise<Response> {
  if (fault.latencyMs) await sleep(fault.latencyMs);
  if (fault.drop) dropConnection(c);
  if (fault.status !== undefined) {
    const body = fault.body === undefined ? { error: faultMessage(fault.status, rateLimit) } : fault.body;
    return c.body(JSON.stringify(body), fault.status as ContentfulStatusCode, { 'content-type': 'application/json', ...fault.headers });
  }
  const response = await proceed();
  if (fault.headers) for (const [name, value] of Object.entries(fault.headers)) response.headers.set(name, value);
  return response;
}

/**
 * Destroys the client's socket (on a real server) and aborts the request. In-process app.request() has no socket:
 * the returned promise rejects with ConnectionDropped, as fetch() rejects when a server hangs up.
 */
function dropConnection(c: MockContext): never {
  (c.env as NodeBindings)?.incoming?.socket.destroy();
  throw new ConnectionDropped();
}
