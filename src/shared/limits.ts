/**
 * Request limits shared by every server (mock, adapter, demo), so a slow or oversized client cannot hold or crash
 * them. listen() (server.ts) enforces them on the socket; enforceLimits(), the first middleware of each app (or
 * limitResponse() inside its own pipeline), turns every rejection into that API's own error body: over-long URLs
 * here, the rest (oversized head, timeouts, unparsable requests) when listen() asks the app to render them.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ServerLimits {
  /** Longest request target (path and query, as sent) in bytes; longer → 414. */
  maxUrlLength: number;
  /** Largest request head (request line and headers) in bytes; larger → 431. Keep it well above maxUrlLength. */
  maxHeaderSize: number;
  /** The request head must arrive within this many ms; else 408 and the connection is closed. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this many ms; else 408 and the connection is closed. */
  requestTimeoutMs: number;
  /** A request body that stops arriving for this many ms is cut off: 408 and the connection is closed. */
  bodyIdleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many ms. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many at once are closed as they arrive; undefined: no cap. */
  maxConnections?: number;
}

/**
 * 8 KiB URLs (what common proxies accept), a 32 KiB head; 10 s for the head; 120 s for a whole request, so the
 * adapter's largest v2 upload body (~72 MiB) still fits at ~0.6 MB/s, while a body stalled for 15 s is cut off.
 */
export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  maxUrlLength: 8 * 1024,
  maxHeaderSize: 32 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  bodyIdleTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
};

/** At most this many characters of one request-supplied value (a path, a parameter) reach a log line or an error body. */
export const REQUEST_EXCERPT_CHARS = 200;

/** The most characters of an error message that quotes a request value: its own words and one excerpt. */
export const ERROR_MESSAGE_MAX_CHARS = 2 * REQUEST_EXCERPT_CHARS;

/**
 * Characters a terminal, a log viewer or a reader would act on or be fooled by: controls, format (bidi) characters,
 * line and paragraph separators, and lone surrogates (not encodable in UTF-8).
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * A value taken from a request as it may be written to a log line or echoed in an error body: unprintable
 * characters escaped (`\u{202e}`), at most `maxChars` characters in all, and when cut, an ellipsis and the
 * original length (`/aaaa… (8192 chars)`). A client can thus neither fill the disk through the log nor forge
 * lines or reorder text in it, whatever it sends.
 */
export function excerpt(value: string, maxChars: number = REQUEST_EXCERPT_CHARS): string {
  let shown = '';
  let consumed = 0;
  // Stops at the bound: a 10 MiB value costs no more than a short one.
  for (const char of value) {
    const piece = UNPRINTABLE.test(char) ? `\\u{${char.codePointAt(0)!.toString(16)}}` : char;
    if (shown.length + piece.length > maxChars) break;
    shown += piece;
    consumed += char.length;
  }
  return consumed === value.length ? shown : `${shown}… (${value.length} chars)`;
}

export type RejectionStatus = 400 | 408 | 414 | 431;

/** A request refused by a limit: the status, a short title and a sentence saying which limit. */
export interface Rejection {
  status: RejectionStatus;
  title: string;
  detail: string;
}

/** An API's error body for a rejection. */
export type ErrorShape = (rejection: Rejection) => object;
/** OpenBOM's `{"error": message}`. */
export const openBomErrorShape: ErrorShape = ({ detail }) => ({ error: detail });
/** The Jakamo v2 error object `{"message", "errors"}`. */
export const jakamoErrorShape: ErrorShape = ({ title, detail }) => ({ message: title, errors: [{ message: detail }] });

const TITLES: Record<RejectionStatus, string> = {
  400: 'Bad request',
  408: 'Request timeout',
  414: 'URI too long',
  431: 'Request header fields too large',
};

export function rejection(status: RejectionStatus, detail: string): Rejection {
  return { status, title: TITLES[status], detail };
}

/** The limits listen() applied to a request it received; absent for in-process app.request() (defaults apply). */
const limitsByRequest = new WeakMap<Request, Readonly<ServerLimits>>();
/** Requests listen() makes up to have a rejection rendered in the app's error shape. */
const pendingRejections = new WeakMap<Request, Rejection>();
/** Made-up requests limitResponse() answered: only then is the app's response its rendering of the rejection. */
const answeredRejections = new WeakSet<Request>();

export function attachLimits(request: Request, limits: Readonly<ServerLimits>): void {
  limitsByRequest.set(request, limits);
}

/** A made-up request that limitResponse() answers with the rejection in the app's error shape. */
export function rejectionRequest(value: Rejection): Request {
  const request = new Request('http://limits.invalid/');
  pendingRejections.set(request, value);
  return request;
}

/** Whether the app answered a rejectionRequest() through limitResponse() (an app without it answers something else). */
export function wasRendered(request: Request): boolean {
  return answeredRejections.has(request);
}

/**
 * The app's answer when a limit refuses the request (an over-long URL, or a rejection listen() asks it to render),
 * in its error shape; undefined to go on. Synchronous, for an app that checks inside its own pipeline.
 */
export function limitResponse(c: Context, shape: ErrorShape): Response | undefined {
  const request = c.req.raw;
  const pending = pendingRejections.get(request);
  if (pending) answeredRejections.add(request);
  const refused = pending ?? overlongUrl(request.url, (limitsByRequest.get(request) ?? DEFAULT_LIMITS).maxUrlLength);
  return refused ? c.json(shape(refused), refused.status as ContentfulStatusCode) : undefined;
}

/** limitResponse() as the first middleware of an app. */
export function enforceLimits(shape: ErrorShape): MiddlewareHandler {
  return async (c, next) => limitResponse(c, shape) ?? next();
}

function overlongUrl(url: string, maxUrlLength: number): Rejection | undefined {
  // The request target starts at the first "/" after the scheme's "//".
  const targetLength = url.length - url.indexOf('/', url.indexOf('//') + 2);
  if (targetLength <= maxUrlLength) return undefined;
  return rejection(414, `The request URL is ${targetLength} bytes long; at most ${maxUrlLength} are accepted.`);
}
