/**
 * Every request the suite sends goes through here: a per-request timeout, no automatic redirects,
 * a cap on requests in flight, bounded body reads, and a record of what was sent and received.
 */
import { describeTlsFailure } from '../src/shared/tls-errors.js';
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
  /** Keep this many bytes of the body (default LISTING_BODY_LIMIT). */
  bodyLimit?: number;
  /** Read (and count, without keeping) the body on to this many bytes; default: stop reading at `bodyLimit`. */
  countTo?: number;
  /** Headers added as given, after the credentials; a name may repeat (near-miss credentials, duplicate headers). */
  headers?: Array<[string, string]>;
}

export interface ReceivedResponse {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  /** The bytes read, decoded as UTF-8 (lossy for binary content). */
  text: string;
  /** The bytes kept, as received. */
  body: Uint8Array;
  /** Bytes read (kept or only counted). */
  bytes: number;
  /** False when reading stopped before the end of the body. */
  complete: boolean;
}

export interface Exchange {
  request: RecordedRequest;
  response?: ReceivedResponse;
  /** Why no response arrived (refused, DNS, timeout …). */
  error?: string;
  /** The system error code behind `error`, e.g. ECONNREFUSED; TLS for any TLS failure (no TLS, an untrusted certificate …). */
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
  const headers = new Headers({ accept: 'application/json, */*' });
  if (request.auth === 'key') headers.set(options.apiKeyHeader, options.apiKey);
  if (request.auth === 'wrong-key') headers.set(options.apiKeyHeader, options.wrongKey);
  if (request.body !== undefined) headers.set('content-type', request.contentType ?? 'application/json');
  for (const [name, value] of request.headers ?? []) headers.append(name, value);
  const method = request.method ?? 'GET';
  const recorded: RecordedRequest = { method, url: request.url, headers: recordedHeaders(options, request, headers) };
  const started = performance.now();
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await options.fetch(request.url, { method, headers, body: request.body, redirect: 'manual', signal });
    const keep = request.bodyLimit ?? LISTING_BODY_LIMIT;
    const body = await readBody(response, keep, Math.max(keep, request.countTo ?? keep));
    const responseHeaders = Object.fromEntries(response.headers);
    return {
      request: recorded,
      response: {
        status: response.status,
        headers: responseHeaders,
        contentType: responseHeaders['content-type'] ?? '',
        text: new TextDecoder().decode(body.bytes),
        body: body.bytes,
        bytes: body.count,
        complete: body.complete,
      },
      durationMs: performance.now() - started,
    };
  } catch (error) {
    const failure = describeFailure(error, options.timeoutMs, request.url);
    return { request: recorded, ...failure, durationMs: performance.now() - started };
  }
}

/** The header names the report shows: the configured one as configured, the rest as sent (lower case). */
function recordedHeaders(options: HttpClientOptions, request: ExchangeRequest, headers: Headers): Record<string, string> {
  const recorded: Record<string, string> = {};
  const configured = options.apiKeyHeader.toLowerCase();
  headers.forEach((value, name) => {
    recorded[name === configured && request.auth !== 'none' ? options.apiKeyHeader : name] = value;
  });
  return recorded;
}

/** Keeps the first `keep` bytes and counts on to `countTo`; a body cut, reset or undecodable rejects (the caller reports it). */
async function readBody(
  response: Response,
  keep: number,
  countTo: number,
): Promise<{ bytes: Uint8Array; count: number; complete: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), count: 0, complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let count = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: concat(chunks, kept), count, complete: true };
    count += value.byteLength;
    if (kept < keep) {
      const part = value.byteLength > keep - kept ? value.subarray(0, keep - kept) : value;
      chunks.push(part);
      kept += part.byteLength;
    }
    if (count >= countTo) {
      // Enough to judge; do not pull a huge body over the wire.
      await reader.cancel().catch(() => undefined);
      return { bytes: concat(chunks, kept), count, complete: false };
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
  UND_ERR_SOCKET: 'the server closed the connection before the answer was complete',
  Z_DATA_ERROR: 'the body cannot be decoded as its Content-Encoding says',
  Z_BUF_ERROR: 'the body cannot be decoded as its Content-Encoding says (it ends early)',
  ERR__ERROR_FORMAT_PADDING_1: 'the body cannot be decoded as its Content-Encoding says',
};

/**
 * Failures that mean nothing answers HTTP at the address: the suite cannot run (exit 2). Anything else happened after
 * a server answered (a reset, a cut or undecodable body, malformed framing, a timeout) and fails the check that asked.
 */
const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|ENOENT|TLS)$/;

export function isUnreachable(exchange: Exchange): boolean {
  return !exchange.response && exchange.errorCode !== undefined && UNREACHABLE.test(exchange.errorCode);
}

function describeFailure(error: unknown, timeoutMs: number, url: string): { error: string; errorCode?: string } {
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { error: `no complete answer within ${timeoutMs} ms`, errorCode: 'TIMEOUT' };
  }
  // In plain words, never OpenSSL's text; on the first request it means the suite cannot run (UNREACHABLE).
  const tls = describeTlsFailure(error, url);
  if (tls) return { error: `the server ${tls}`, errorCode: 'TLS' };
  // fetch wraps the system error in `cause`; an error while reading the body arrives unwrapped.
  type SystemError = { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const unwrapped = error as SystemError;
  const cause =
    error instanceof Error
      ? ((error.cause as SystemError | undefined) ?? (typeof unwrapped.code === 'string' ? unwrapped : undefined))
      : undefined;
  // Node reports some failures (e.g. localhost on IPv4 and IPv6) as an AggregateError whose parts carry the code.
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (code) {
    const readable = READABLE_CODES[code] ?? (code.startsWith('HPE_') ? `a malformed HTTP answer (${cause?.message ?? code})` : undefined);
    return { error: readable ?? `${code}${cause?.message ? `: ${cause.message}` : ''}`, errorCode: code };
  }
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error));
  // Some Node versions leave the parser's code off its error: recognise it by name.
  if ((cause as { name?: string } | undefined)?.name === 'HTTPParserError')
    return { error: `a malformed HTTP answer (${message})`, errorCode: 'HPE' };
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
