/**
 * The only code that sends anything to OpenBOM or its storage. Every request goes through the same steps: a token
 * (auth.ts), a permit of the account's budget (state/permit-pool.ts), one fetch under the timeout, and one retry
 * policy for every failure. A caller's AbortSignal reaches each wait on the way.
 */
import { systemClock, type Clock } from '../../shared/clock.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { describeTlsFailure } from '../../shared/tls-errors.js';
import { isOpenBomFileUrl } from '../mapping.js';
import { createMemoryState } from '../state/memory-state.js';
import { realSleep, type Priority, type Release, type Sleep } from '../state/permit-pool.js';
import type { SharedState } from '../state/shared-state.js';
import { silentTelemetry, type AdapterTelemetry } from '../telemetry.js';
import { noteUpstreamCall } from '../upstream-calls.js';
import { createAuth } from './auth.js';
import { backoffMs, callerGaveUp, MAX_RETRY_AFTER_MS, parseRetryAfter, SharedFlights, unlessAborted } from './retry.js';
import { isFollowableStorageUrl, redirectUsableUntil } from './storage-urls.js';
import { OpenBomError, UnsafeFileUrlError, type OpenBomFile, type OpenFileOptions, type RequestOptions } from './types.js';

export interface TransportOptions {
  baseUrl: string;
  appKey: string;
  username: string;
  password: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Most requests arriving at OpenBOM in any window (~1 s), summed over every caller (and replica, with Redis). */
  requestsPerSecond: number;
  /** Per attempt: until the answer is read, or between two chunks of a streamed file. */
  timeoutMs: number;
  /** Retries after the first attempt, for 429, 5xx, network errors and timeouts. */
  maxRetries: number;
  /** Default: silent. */
  logger?: Logger;
  /** Waits for backoff and the permit queue; injected in tests. */
  sleep?: Sleep;
  /** 0..1, for backoff jitter; injected in tests. */
  random?: () => number;
  /** The permits' window; a little over 1000 ms so network jitter cannot squeeze N+1 arrivals into one second. */
  windowMs?: number;
  /** Where tokens, permits and storage redirects live; shared by replicas when it is Redis (default: this process). */
  state?: SharedState;
  /** Where requests, retries and permit waits are reported (default: nowhere). */
  telemetry?: AdapterTelemetry;
  /** Reuse a storage redirect for repeat downloads of a file while it is valid (default true). */
  reuseRedirects?: boolean;
}

/** Options of {@link OpenBomTransport.getJson}. */
export interface GetJsonOptions extends RequestOptions {
  /**
   * Values for the `:name` segments of the path, each URL-encoded into its place. Put every id, part number or other
   * value here rather than into the path: the path as written is the endpoint reported to telemetry (metrics), which
   * must never carry ids or tokens.
   */
  params?: Record<string, string>;
}

/**
 * Authenticated access to OpenBOM for any caller (the adapter's API calls, `fixtures snapshot`): each request is
 * sent with the app key and a fresh access token (one login or renewal for all callers, renewed once on a 401),
 * waits for a permit of the account's budget (foreground callers first), and is retried on 429 (honouring
 * Retry-After up to 30 s and holding every caller back meanwhile), 5xx, network errors and timeouts, with
 * exponential backoff, at most `maxRetries` times. Errors are OpenBomError (with `status` when OpenBOM answered).
 */
export interface OpenBomTransport {
  /**
   * GET an OpenBOM API path and parse its JSON answer (200 only; any other final answer is an OpenBomError).
   *
   * @param path an API path such as `/catalogs` or `/catalog/:id/revisions/partnumber/:partNumber`, with `:name`
   *   segments filled from `options.params`; a query string may follow. Relative to the configured OpenBOM URL.
   * @example
   *   const bom = await transport.getJson<{ columns: string[]; cells: unknown[][] }>('/bom/:id', { params: { id }, priority: 'background' });
   */
  getJson<T = unknown>(path: string, options?: GetJsonOptions): Promise<T>;
  /**
   * Opens a file cell's URL (`<OpenBOM URL>/document/<uuid>/image?filename=<name>`, exactly the configured origin):
   * asks OpenBOM for its storage redirect (or reuses a recent one of the same file while it is valid), follows only
   * that redirect, only to `https:` (`http:` when OpenBOM is `http:`), never a further redirect of the storage host to
   * another origin, and answers the storage's headers and stream, without any OpenBOM header sent to storage. A
   * storage 403 (URL expired) gets one fresh redirect. The stream is cut (errors) when storage stalls longer than
   * the timeout. Refuses any other URL with UnsafeFileUrlError, before any request.
   */
  openFile(fileUrl: string, options?: OpenFileOptions): Promise<OpenBomFile>;
}

/** The endpoint (telemetry) of every OpenBOM file URL, and of storage. */
const FILE_ENDPOINT = 'GET /document/:id/image';
const STORAGE_ENDPOINT = 'GET storage';
/** Redirects within the storage host (same origin) followed at most. */
const MAX_STORAGE_HOPS = 3;

type RetryReason = '429' | '5xx' | 'network' | 'timeout';
/** One attempt's outcome: a value, a failure worth retrying, or (after a 401) a renewed token to try again with. */
type Attempt<T> = { value: T } | { retry: RetryReason; failure: string; status?: number; retryAfterMs?: number } | { renewed: true };

interface ApiRequest extends RequestOptions {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  authenticated: boolean;
  /** For telemetry: a pattern, never ids. */
  endpoint: string;
  /** For log lines and error messages. */
  label: string;
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * The concrete path of a `:name` template, each value URL-encoded into its place (a query string is kept as it is):
 * what OpenBOM is asked for. A `:name` without a value in `params` is a programming error (TypeError).
 */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  const [template = '', query] = path.split('?', 2);
  const filled = template.replace(/:([A-Za-z]\w*)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`no value for :${name} in ${template}`);
    return encodeURIComponent(value);
  });
  return query === undefined ? filled : `${filled}?${query}`;
}

export function createTransport(options: TransportOptions): OpenBomTransport {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const telemetry = options.telemetry ?? silentTelemetry;
  const reuseRedirects = options.reuseRedirects ?? true;
  const { maxRetries, timeoutMs } = options;
  const base = new URL(options.baseUrl.replace(/\/+$/, '') + '/');
  const state = options.state ?? createMemoryState();
  const pool = state.permits({
    limit: options.requestsPerSecond,
    windowMs: options.windowMs ?? 1050,
    clock,
    sleep,
    maxRequestMs: timeoutMs,
  });
  const redirectFlights = new SharedFlights<string>();
  const auth = createAuth({
    tokens: state.tokens,
    username: options.username,
    password: options.password,
    clock,
    logger,
    // A login serves every waiting caller, Jakamo's among them: it goes first.
    post: (path, body) =>
      send({ method: 'POST', url: apiUrl(path), body, authenticated: false, endpoint: `POST ${path}`, label: `POST ${path}` }, (response) =>
        readOk(response, `POST ${path}`),
      ),
  });

  const apiUrl = (path: string) => new URL(path.replace(/^\//, ''), base).toString();
  const seconds = (since: number) => Math.max(0, clock.now() - since) / 1000;

  /** The timeout of one attempt, joined with the caller's signal; `restart` makes it an idle timeout. */
  function deadline(signal: AbortSignal | undefined) {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new TimeoutError()), timeoutMs);
    };
    restart();
    return {
      signal: signal ? AbortSignal.any([signal, controller.signal]) : controller.signal,
      restart,
      stop: () => clearTimeout(timer),
      timedOut: () => controller.signal.aborted,
      /**
       * What a failure of this attempt was: the caller gave up (thrown), a TLS failure (thrown: a misconfiguration,
       * not a blip, so never retried), a timeout, or a network failure.
       */
      failure(prefix: string, error: unknown, url: string): { retry: RetryReason; failure: string } {
        if (signal?.aborted) throw callerGaveUp();
        const tls = controller.signal.aborted ? undefined : describeTlsFailure(error, url);
        if (tls) throw new OpenBomError(`${prefix} at ${new URL(url).origin} ${tls}`);
        return controller.signal.aborted
          ? { retry: 'timeout', failure: `${prefix} timed out after ${timeoutMs} ms` }
          : { retry: 'network', failure: `${prefix} unreachable` };
      },
    };
  }

  /** The one retry policy: backoff for 5xx, network errors and timeouts; Retry-After (or backoff) for 429. */
  async function retrying<T>(
    request: Pick<ApiRequest, 'endpoint' | 'label' | 'signal'>,
    attempt: (renewed: boolean) => Promise<Attempt<T>>,
  ): Promise<T> {
    const { endpoint, label, signal } = request;
    let renewed = false;
    for (let n = 0; ; n++) {
      const outcome = await attempt(renewed);
      if ('value' in outcome) return outcome.value;
      if ('renewed' in outcome) {
        // The token was refused (expired early or revoked) and is renewed: once, without spending the retry budget.
        renewed = true;
        n--;
        telemetry.openBomRetry(endpoint, 'token');
        continue;
      }
      if (n >= maxRetries)
        throw new OpenBomError(`${outcome.failure} (${label})${n > 0 ? ` after ${n + 1} attempts` : ''}`, outcome.status);
      telemetry.openBomRetry(endpoint, outcome.retry);
      if (outcome.retry === '429') {
        const waitMs = outcome.retryAfterMs ?? backoffMs(n, random);
        if (waitMs > MAX_RETRY_AFTER_MS) throw new OpenBomError(`OpenBOM rate limit: asked to wait ${waitMs} ms (${label})`, 429);
        // The limit is per app key: hold back every request, not only this one.
        logger.warn('openbom rate limited', { upstream: label, attempt: n + 1, waitMs });
        await unlessAborted(pool.pauseFor(waitMs), signal);
        continue;
      }
      const waitMs = backoffMs(n, random);
      logger.warn('openbom retry', { upstream: label, reason: outcome.failure, attempt: n + 1, waitMs });
      await unlessAborted(sleep(waitMs), signal);
    }
  }

  /** One OpenBOM API request with a token, a permit, the timeout and the retry policy; `read` turns a 2xx/3xx into a value. */
  function send<T>(request: ApiRequest, read: (response: Response) => Promise<T>): Promise<T> {
    const { signal, priority = 'foreground' } = request;
    return retrying(request, async (renewed) => {
      const token = request.authenticated ? await auth.accessToken(signal) : undefined;
      const asked = clock.now();
      let release: Release;
      try {
        release = await pool.acquire(priority, signal);
      } catch (error) {
        throw signal?.aborted ? callerGaveUp() : error;
      }
      telemetry.limiterWait(priority, seconds(asked));
      let outcome: Attempt<T>;
      try {
        outcome = await attemptApi(request, token, read, !renewed);
      } finally {
        // Usable again one window after this answer (see PermitPool).
        release();
      }
      if ('renewed' in outcome && token) await auth.refused(token, signal);
      return outcome;
    });
  }

  async function attemptApi<T>(
    request: ApiRequest,
    token: string | undefined,
    read: (response: Response) => Promise<T>,
    mayRenew: boolean,
  ): Promise<Attempt<T>> {
    const headers: Record<string, string> = { 'X-OpenBOM-AppKey': options.appKey, Accept: 'application/json' };
    if (token) headers['X-OpenBOM-AccessToken'] = token;
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    const limit = deadline(request.signal);
    const started = clock.now();
    noteUpstreamCall();
    try {
      const response = await fetchImpl(request.url, {
        method: request.method,
        headers,
        redirect: 'manual',
        signal: limit.signal,
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      });
      telemetry.openBomRequest(request.endpoint, response.status, seconds(started));
      const { status } = response;
      if (response.ok || (status >= 300 && status < 400)) return { value: await read(response) };
      await response.body?.cancel();
      if (status === 401 && token && mayRenew) return { renewed: true };
      if (status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
        return { retry: '429', failure: 'OpenBOM answered HTTP 429', status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      if (status >= 500) return { retry: '5xx', failure: `OpenBOM answered HTTP ${status}`, status };
      throw new OpenBomError(`OpenBOM answered HTTP ${status} (${request.label})`, status);
    } catch (error) {
      if (error instanceof OpenBomError || error instanceof UnsafeFileUrlError) throw error;
      // Reading can fail like the request itself (reset, timeout) and is retried then.
      const outcome = limit.timedOut() ? 'timeout' : 'network-error';
      if (!request.signal?.aborted) telemetry.openBomRequest(request.endpoint, outcome, seconds(started));
      return limit.failure('OpenBOM', error, request.url);
    } finally {
      limit.stop();
    }
  }

  /** A 200's JSON; any other answer is final here (retries were decided before). */
  async function readOk(response: Response, label: string): Promise<unknown> {
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new OpenBomError(`OpenBOM answered HTTP ${response.status} (${label})`, response.status);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new OpenBomError(`OpenBOM sent a body that is not JSON (${label})`, response.status);
    }
  }

  /** The storage URL OpenBOM redirects a file URL to; stored for reuse while it is valid. */
  function askRedirect(fileUrl: string, label: string, signal: AbortSignal | undefined, priority: Priority): Promise<string> {
    return send(
      { method: 'GET', url: fileUrl, authenticated: true, endpoint: FILE_ENDPOINT, label, signal, priority },
      async (response) => {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (response.status < 300 || response.status >= 400 || !location) {
          throw new OpenBomError(`OpenBOM answered HTTP ${response.status} without a redirect to storage (${label})`, response.status);
        }
        let target: URL;
        try {
          target = new URL(location, fileUrl);
        } catch {
          throw new OpenBomError(`OpenBOM redirected to something that is not a URL (${label})`);
        }
        // The URL itself is not logged: it grants access to the file.
        if (!isFollowableStorageUrl(target, base))
          throw new OpenBomError(`OpenBOM redirected to a ${target.protocol} URL, which the adapter does not follow (${label})`);
        if (reuseRedirects) {
          const usableUntil = redirectUsableUntil(target, clock.now());
          if (usableUntil > clock.now()) await state.redirects.set(fileUrl, { location: target.toString(), usableUntil });
        }
        return target.toString();
      },
    );
  }

  /** Storage is another host in reality: no OpenBOM headers (tokens must not leak), no OpenBOM permit. */
  function fetchStorage(location: string, headersOnly: boolean, signal: AbortSignal | undefined): Promise<OpenBomFile> {
    return retrying({ endpoint: STORAGE_ENDPOINT, label: 'GET storage', signal }, async (): Promise<Attempt<OpenBomFile>> => {
      const limit = deadline(signal);
      const started = clock.now();
      let response: Response;
      try {
        response = await fetchWithinOrigin(location, limit.signal);
      } catch (error) {
        limit.stop();
        if (error instanceof OpenBomError) throw error;
        const outcome = limit.timedOut() ? 'timeout' : 'network-error';
        if (!signal?.aborted) telemetry.openBomRequest(STORAGE_ENDPOINT, outcome, seconds(started));
        return limit.failure('OpenBOM storage', error, location);
      }
      telemetry.openBomRequest(STORAGE_ENDPOINT, response.status, seconds(started));
      if (!response.ok) {
        limit.stop();
        await response.body?.cancel();
        const failure = `OpenBOM storage answered HTTP ${response.status}`;
        if (response.status >= 500) return { retry: '5xx', failure, status: response.status };
        throw new OpenBomError(failure, response.status);
      }
      // fetch decodes a Content-Encoding, after which the stored length no longer describes the bytes passed on.
      const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
      const file = {
        contentType: response.headers.get('content-type'),
        contentLength: encoded ? null : response.headers.get('content-length'),
      };
      if (headersOnly || !response.body) {
        limit.stop();
        await response.body?.cancel();
        return { value: { ...file, body: null } };
      }
      // From here the timeout is an idle timeout: it restarts with every chunk.
      limit.restart();
      const idle = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, stream) {
          limit.restart();
          stream.enqueue(chunk);
        },
        flush: () => limit.stop(),
      });
      return { value: { ...file, body: response.body.pipeThrough(idle) } };
    });
  }

  /** GET on storage, following its own redirects only within its origin (a redirect elsewhere is refused). */
  async function fetchWithinOrigin(location: string, signal: AbortSignal): Promise<Response> {
    let url = new URL(location);
    for (let hop = 0; ; hop++) {
      noteUpstreamCall();
      const response = await fetchImpl(url.toString(), { method: 'GET', redirect: 'manual', signal });
      const next = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || next === null) return response;
      await response.body?.cancel();
      const target = URL.canParse(next, url) ? new URL(next, url) : undefined;
      if (!target || target.origin !== url.origin || hop + 1 >= MAX_STORAGE_HOPS) {
        throw new OpenBomError(
          `OpenBOM storage redirected ${target && target.origin !== url.origin ? 'to another origin' : 'too often'}; not followed`,
        );
      }
      url = target;
    }
  }

  return {
    getJson<T = unknown>(path: string, { params = {}, signal, priority }: GetJsonOptions = {}): Promise<T> {
      const concrete = fillPath(path, params);
      // The endpoint is the path as written, the label the concrete one: neither with the query.
      const label = `GET ${concrete.split('?', 1)[0]}`;
      return send(
        {
          method: 'GET',
          url: apiUrl(concrete),
          authenticated: true,
          endpoint: `GET ${path.split('?', 1)[0]}`,
          label,
          ...(signal ? { signal } : {}),
          ...(priority ? { priority } : {}),
        },
        (response) => readOk(response, label) as Promise<T>,
      );
    },

    async openFile(fileUrl, { headersOnly = false, signal, priority = 'foreground' } = {}) {
      if (!isOpenBomFileUrl(fileUrl, base.origin)) throw new UnsafeFileUrlError('not an OpenBOM file URL on the configured origin');
      if (signal?.aborted) throw callerGaveUp();
      const label = `GET ${new URL(fileUrl).pathname}`;
      let reused: string | undefined;
      if (reuseRedirects) {
        const stored = await unlessAborted(state.redirects.get(fileUrl), signal);
        reused = stored && stored.usableUntil > clock.now() ? stored.location : undefined;
        telemetry.cacheLookup('redirect', reused ? 'hit' : 'miss');
      }
      // With reuse, concurrent downloads of one file share one redirect; it is dropped only when all of them gave up.
      const fresh = () =>
        reuseRedirects
          ? redirectFlights.join(fileUrl, (shared) => askRedirect(fileUrl, label, shared, priority), signal)
          : askRedirect(fileUrl, label, signal, priority);
      try {
        return await fetchStorage(reused ?? (await fresh()), headersOnly, signal);
      } catch (error) {
        // A presigned URL can expire before storage sees it (a reused one, a slow queue, clock skew): storage then
        // answers 403. One fresh redirect from OpenBOM, rather than failing a download that can still succeed.
        if (!(error instanceof OpenBomError && error.status === 403)) throw error;
        if (reuseRedirects) await state.redirects.delete(fileUrl);
        logger.warn('openbom storage refused the redirect; asking for a fresh one', { upstream: label, reused: reused !== undefined });
        return fetchStorage(await fresh(), headersOnly, signal);
      }
    },
  };
}
