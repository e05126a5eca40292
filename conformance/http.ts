/**
 * Every request the suite sends goes through here: a per-request timeout, no automatic redirects,
 * a cap on requests in flight, bounded body reads, and a record of what was sent and received.
 */
import type { RecordedRequest } from './types.js';

/** Which credentials a request carries: the configured key, none, or a deliberately wrong one. */
export type Auth = 'key' | 'none' | 'wrong-key';

export interface ExchangeRequest {
  url: string;
  auth: Auth;
  /** Default GET. */
  method?: string;
  /** A request body, sent as `application/json` unless `contentType` says otherwise. */
  body?: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
  /** Stop reading the body after this many bytes (downloads need only their first bytes). */
  bodyLimit?: number;
}

export interface ReceivedResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  /** The bytes read, decoded as UTF-8 (lossy for binary content). */
  text: string;
  /** The bytes read, as received. */
  body: Uint8Array;
  bytes: number;
  /** False when reading stopped at the body limit. */
  complete: boolean;
}

export interface Exchange {
  request: RecordedRequest;
  response?: ReceivedResponse;
  /** Why no response arrived (refused, DNS, timeout …). */
  error?: string;
  /** The system error code behind `error`, e.g. ECONNREFUSED. */
  errorCode?: string;
  /** From sending the request to the end of the body read (queueing excluded). */
  durationMs: number;
}

export interface HttpClientOptions {
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  apiKeyHeader: string;
  apiKey: string;
  wrongKey: string;
  maxInFlight: number;
}

export type HttpClient = (request: ExchangeRequest) => Promise<Exchange>;

/** Listings are read whole (they are parsed); anything larger than this is cut off. */
export const LISTING_BODY_LIMIT = 8 * 1024 * 1024;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const limit = createLimiter(options.maxInFlight);
  return (request) => limit(() => exchange(options, request));
}

async function exchange(options: HttpClientOptions, request: ExchangeRequest): Promise<Exchange> {
  const headers: Record<string, string> = { accept: 'application/json, */*' };
  if (request.auth === 'key') headers[options.apiKeyHeader] = options.apiKey;
  if (request.auth === 'wrong-key') headers[options.apiKeyHeader] = options.wrongKey;
  if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
  const method = request.method ?? 'GET';
  const recorded: RecordedRequest = { method, url: request.url, headers };
  const started = performance.now();
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await options.fetch(request.url, { method, headers, body: request.body, redirect: 'manual', signal });
    const body = await readBody(response, request.bodyLimit ?? LISTING_BODY_LIMIT);
    const responseHeaders = Object.fromEntries(response.headers);
    return {
      request: recorded,
      response: {
        status: response.status,
        headers: responseHeaders,
        contentType: responseHeaders['content-type'] ?? '',
        text: new TextDecoder().decode(body.bytes),
        body: body.bytes,
        bytes: body.bytes.byteLength,
        complete: body.complete,
      },
      durationMs: performance.now() - started,
    };
  } catch (error) {
    const failure = describeFailure(error, options.timeoutMs);
    return { request: recorded, ...failure, durationMs: performance.now() - started };
  }
}

async function readBody(response: Response, limit: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concat(chunks, size), complete: true };
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      // Enough to judge; do not pull a large file over the wire.
      await reader.cancel().catch(() => undefined);
      return { bytes: concat(chunks, size).subarray(0, limit), complete: false };
    }
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const READABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing is listening)',
  ENOTFOUND: 'host not found (DNS lookup failed)',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
  UND_ERR_SOCKET: 'the server closed the connection',
};

function describeFailure(error: unknown, timeoutMs: number): { error: string; errorCode?: string } {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { error: `no complete answer within ${timeoutMs} ms`, errorCode: 'TIMEOUT' };
  }
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string; errors?: Array<{ code?: string }> } | undefined) : undefined;
  // Node reports some failures (e.g. localhost on IPv4 and IPv6) as an AggregateError whose parts carry the code.
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (code) return { error: READABLE_CODES[code] ?? `${code}${cause?.message ? `: ${cause.message}` : ''}`, errorCode: code };
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { error: message };
}

/** Runs at most `max` tasks at once; a finished task hands its slot straight to the next waiter. */
export function createLimiter(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (active < max) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Same scheme, host and port. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
