import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { limitResponse, openBomErrorShape } from '../shared/limits.js';
import { matchesAnySecret } from '../shared/secrets.js';
import type { MockDeps, MockEnv, NodeBindings } from './context.js';
import { ConnectionDropped, MESSAGES, errorResponse } from './errors.js';
import type { FaultRule } from './faults.js';
import type { PendingRequest, RequestKind } from './journal.js';
import { headerOf, requestTarget } from './request.js';
import { STORAGE_PREFIX } from './storage.js';
import { sendTruncated } from './truncate.js';

const ADMIN_PREFIX = '/__admin';
/** The only OpenBOM paths that need no access token. */
const TOKENLESS_PATHS = new Set(['/login', '/token/renew']);

type MockContext = Context<MockEnv>;
type Reply = Response | Promise<Response>;

/** A route as declared: it answers from the context alone (no route of the mock calls next()). */
export type Route = (c: MockContext) => Reply;
/** Turns what a route threw into its response (rethrowing what must abort the request). */
export type ErrorHandler = (error: unknown, c: MockContext) => Response;

/**
 * The steps in front of every route (and of the not-found answer), in the order decided for the mock:
 * request limits (414) → admin (own guard, nothing else) → journal → injected faults → app key (403) → rate limit (429) → access token (401)
 * → body limit (413) → route. createMockApp wraps each route's handler with it rather than registering it as
 * middleware: Hono then calls the one handler directly, and a GET whose route answers synchronously is answered
 * synchronously, which @hono/node-server writes out at once, with no promise or microtask on the way.
 */
export function createPipeline(deps: MockDeps, onError: ErrorHandler): (route: Route) => Route {
  const { journal, faults, clock } = deps;
  const authenticate = createAuthenticator(deps);
  const limitBody = bodyLimit({ maxSize: deps.maxBodyBytes, onError: (c) => errorResponse(c, 413, MESSAGES.tooLarge) });

  /** The route itself; what it throws becomes its response here, so that the journal records the status sent. */
  function answer(c: MockContext, route: Route): Reply {
    try {
      const reply = route(c);
      return reply instanceof Promise ? reply.catch((error: unknown) => onError(error, c)) : reply;
    } catch (error) {
      return onError(error, c);
    }
  }

  /** On to the route, through the body limit where there can be a body. */
  function proceed(c: MockContext, route: Route): Reply {
    // GET and HEAD carry no body. Skipping the limiter also keeps @hono/node-server's lightweight request from
    // being turned into a full Request (reading .body does that), a large share of a cached GET's cost.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return answer(c, route);
    return answerWithinBodyLimit(c, route);
  }

  async function answerWithinBodyLimit(c: MockContext, route: Route): Promise<Response> {
    let response: Response | undefined;
    // bodyLimit resolves to its 413 response, or to what next() resolves to (nothing) once the route has answered.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- hono types bodyLimit for a Context of any Env
    const tooLarge: unknown = await limitBody(c, async () => {
      response = await answer(c, route);
    });
    if (tooLarge instanceof Response) return tooLarge;
    if (!response) throw new Error('the body limit neither refused the request nor let the route answer');
    return response;
  }

  /** Authentication for OpenBOM paths (storage URLs carry their own signature), then the route. */
  function guardedRoute(
    c: MockContext,
    route: Route,
    path: string,
    kind: RequestKind,
    appKey: string | undefined,
    accessToken: string | undefined,
  ): Reply {
    return (kind === 'api' ? authenticate(c, path, appKey, accessToken) : undefined) ?? proceed(c, route);
  }

  /** Records the status in the journal as soon as it is known; 0 when the reply rejects (a dropped connection). */
  function recorded(request: PendingRequest, reply: Reply): Reply {
    if (!(reply instanceof Promise)) {
      journal.finish(request, reply.status);
      return reply;
    }
    return reply.then(
      (response) => {
        journal.finish(request, response.status);
        return response;
      },
      (error: unknown) => {
        journal.finish(request, 0);
        throw error;
      },
    );
  }

  async function faulted(c: MockContext, fault: FaultRule, request: PendingRequest, proceedToRoute: () => Reply): Promise<Response> {
    const response = await recorded(request, applyFault(c, fault, deps.limiter?.limit ?? 5, proceedToRoute));
    // A truncated reply is written by sendTruncated, which leaves what goes out in c.res; `response` gave the journal its status.
    return fault.truncate === undefined ? response : c.res;
  }

  return (route) =>
    function pipeline(c) {
      // Request limits first (an over-long URL → 414), checked here rather than as middleware: any middleware makes
      // Hono's dispatch asynchronous, which would cost every cached GET its synchronous answer.
      const limited = limitResponse(c, openBomErrorShape);
      if (limited) return limited;
      const path = c.req.path;
      if (path.startsWith(ADMIN_PREFIX)) {
        if (deps.adminToken !== undefined && !matchesAnySecret(adminTokenOf(c), [deps.adminToken])) {
          return errorResponse(c, 401, MESSAGES.adminToken);
        }
        return proceed(c, route);
      }
      const kind: RequestKind = path.startsWith(STORAGE_PREFIX) ? 'storage' : 'api';
      const appKey = headerOf(c, 'x-openbom-appkey');
      const accessToken = headerOf(c, 'x-openbom-accesstoken');
      const request = journal.start(clock.now(), c.req.method, requestTarget(c), kind, appKey, accessToken);
      const fault = faults.take(c.req.method, path);
      if (fault) return faulted(c, fault, request, () => guardedRoute(c, route, path, kind, appKey, accessToken));
      return recorded(request, guardedRoute(c, route, path, kind, appKey, accessToken));
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

/** Default body of an injected status: the real service's words (or its storage's) where it has them. */
function faultMessage(status: number, rateLimit: number, storage: boolean): string {
  const messages: Partial<Record<number, string>> = {
    401: MESSAGES.accessToken,
    403: storage ? MESSAGES.storageDenied : MESSAGES.appKey,
    404: MESSAGES.notFound,
    429: MESSAGES.rateLimited(rateLimit),
    500: MESSAGES.internal,
    503: 'Service unavailable.',
  };
  return messages[status] ?? 'Injected fault.';
}

async function applyFault(
  c: MockContext,
  fault: FaultRule,
  rateLimit: number,
  proceed: () => Response | Promise<Response>,
): Promise<Response> {
  if (fault.latencyMs) await sleep(fault.latencyMs);
  if (fault.drop) dropConnection(c);
  let response: Response;
  if (fault.status !== undefined) {
    const body =
      fault.body === undefined ? { error: faultMessage(fault.status, rateLimit, c.req.path.startsWith(STORAGE_PREFIX)) } : fault.body;
    response = c.body(JSON.stringify(body), fault.status as ContentfulStatusCode, { 'content-type': 'application/json', ...fault.headers });
  } else {
    response = await proceed();
    if (fault.headers) for (const [name, value] of Object.entries(fault.headers)) response.headers.set(name, value);
  }
  // What goes out is then c.res; `response` keeps the status for the journal.
  if (fault.truncate !== undefined) await sendTruncated(c, response, fault.truncate);
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
