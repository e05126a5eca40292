import { systemClock, type Clock } from '../shared/clock.js';
import type { AdapterConfig } from './config.js';
import { silentLogger, type Logger } from '../shared/logger.js';
import { ArrivalGuard } from './arrival-guard.js';
import { realSleep, type Sleep } from './limiter.js';
import { isOpenBomFileUrl } from './mapping.js';
import { createMemoryState } from './state/memory-state.js';
import { SharedStateUnavailableError, type SharedState, type StoredTokens } from './state/shared-state.js';
import { noteUpstreamCall } from './upstream-calls.js';

/** A catalog or merged-revisions document: column names and rows of cells in that order. */
export interface OpenBomTable {
  columns: string[];
  cells: unknown[][];
}

export interface CatalogSummary {
  id: string;
  name?: string;
}

/** One entry of GET /catalog/<id>/revisions/partnumber/<pn> (fields the adapter reads). */
export interface ItemRevision {
  revision?: unknown;
  revisionNumber?: unknown;
}

/** A file on its way from OpenBOM's storage; `body` is null for headers-only requests. */
export interface OpenBomFile {
  contentType: string | null;
  contentLength: string | null;
  body: ReadableStream<Uint8Array> | null;
}

export interface OpenBomClient {
  listCatalogs(): Promise<CatalogSummary[]>;
  getCatalog(catalogId: string): Promise<OpenBomTable>;
  listItemRevisions(catalogId: string, partNumber: string): Promise<ItemRevision[]>;
  getMergedRevisions(catalogId: string, partNumber: string): Promise<OpenBomTable>;
  /**
   * Fetches a file cell's URL (`<openbom>/document/<id>/image?filename=…`), follows OpenBOM's redirect to its storage
   * without any OpenBOM header, and hands back the storage response's stream. Refuses any other URL (UnsafeFileUrlError).
   */
  openFile(fileUrl: string, options?: { headersOnly?: boolean; signal?: AbortSignal }): Promise<OpenBomFile>;
}

/** OpenBOM answered with an error, or could not be reached within the retry budget. */
export class OpenBomError extends Error {
  override name = 'OpenBomError';
  /** The upstream HTTP status, when there was an answer. */
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A file URL that is not an OpenBOM document URL on the configured origin; never fetched. */
export class UnsafeFileUrlError extends Error {
  override name = 'UnsafeFileUrlError';
}

export interface OpenBomClientOptions {
  baseUrl: string;
  appKey: string;
  username: string;
  password: string;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Most requests started in any sliding window (~1 s) across all callers. */
  requestsPerSecond: number;
  /** Per attempt: until the answer is read, or between two chunks of a streamed file. */
  timeoutMs: number;
  /** Retries after the first attempt, for 429, 5xx, network errors and timeouts. */
  maxRetries: number;
  /** Default: silent. */
  logger?: Logger;
  /** Waits for backoff and the limiter; injected in tests. */
  sleep?: Sleep;
  /** 0..1, for backoff jitter; injected in tests. */
  random?: () => number;
  /** The limiter's window; a little over 1000 ms so network jitter cannot squeeze N+1 arrivals into one second. */
  windowMs?: number;
  /** Where tokens and the limiter live; shared by replicas when it is Redis (default: this process's memory). */
  state?: SharedState;
}

/** The OpenBOM settings of a loaded adapter configuration. */
export type OpenBomSettings = Pick<AdapterConfig['openbom'], 'url' | 'appKey' | 'username' | 'password' | 'requestsPerSecond' | 'timeoutMs' | 'maxRetries'>;

/** The client a loaded configuration describes; `extra` adds what is not configuration (logger, state, test doubles). */
export function openBomClientFromConfig(settings: OpenBomSettings, extra: Partial<Omit<OpenBomClientOptions, 'baseUrl' | 'appKey' | 'username' | 'password'>> = {}): OpenBomClient {
  return createOpenBomClient({
    baseUrl: settings.url,
    appKey: settings.appKey,
    username: settings.username,
    password: settings.password,
    requestsPerSecond: settings.requestsPerSecond,
    timeoutMs: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    ...extra,
  });
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 8_000;
/** A Retry-After longer than this is not waited for: Jakamo's request would have given up long before. */
const MAX_RETRY_AFTER_MS = 30_000;
const RENEW_MARGIN_MS = 60_000;

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The only code that talks to OpenBOM: login and renewal, rate limit, retries, timeouts, file redirects. */
export function createOpenBomClient(options: OpenBomClientOptions): OpenBomClient {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const { maxRetries, timeoutMs } = options;
  const base = new URL(options.baseUrl.replace(/\/+$/, '') + '/');
  const state = options.state ?? createMemoryState();
  const limiter = state.limiter({ limit: options.requestsPerSecond, windowMs: options.windowMs ?? 1050, clock, sleep, maxRequestMs: timeoutMs });
  const arrivals = new ArrivalGuard({ limit: options.requestsPerSecond, windowMs: options.windowMs ?? 1050, clock, sleep });
  /** A permit to send (see ArrivalGuard); a caller that gave up while waiting gets an OpenBomError. */
  const arrivalPermit = (signal: AbortSignal | undefined) =>
    arrivals.take(signal).catch(() => {
      throw new OpenBomError('the caller gave up while waiting for its turn at OpenBOM');
    });

  const apiUrl = (path: string) => new URL(path.replace(/^\//, ''), base).toString();

  /** Sends one request to OpenBOM with the limiter, timeouts and retries; `read` turns the answer into a value. */
  async function send<T>(
    request: { method: 'GET' | 'POST'; url: string; body?: unknown; authenticated: boolean; label: string; signal?: AbortSignal },
    read: (response: Response) => Promise<T>,
  ): Promise<T> {
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      const usedToken = request.authenticated ? (await currentTokens()).access : undefined;
      const arrived = await arrivalPermit(request.signal);
      const limited = await limiter.acquire().catch((error: unknown) => {
        arrived();
        throw error;
      });
      const answered = () => {
        arrived();
        limited();
      };
      const headers: Record<string, string> = { 'X-OpenBOM-AppKey': options.appKey, Accept: 'application/json' };
      if (usedToken) headers['X-OpenBOM-AccessToken'] = usedToken;
      if (request.body !== undefined) headers['Content-Type'] = 'application/json';
      const init: RequestInit = {
        method: request.method,
        headers,
        redirect: 'manual',
        ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      };
      const outcome = await attemptOnce<{ value: T } | { status: number; retryAfter: string | null }>(request.url, init, async (response) => {
        if (response.ok || (response.status >= 300 && response.status < 400)) return { value: await read(response) };
        await response.body?.cancel();
        return { status: response.status, retryAfter: response.headers.get('retry-after') };
      }).finally(answered);
      if ('value' in outcome) return outcome.value;

      const retriesLeft = attempt < maxRetries;
      if ('error' in outcome) {
        if (!retriesLeft) throw new OpenBomError(`OpenBOM ${outcome.error} (${request.label}) after ${attempt + 1} attempts`);
        await backoff(attempt, request.label, outcome.error);
        continue;
      }
      const { status } = outcome;
      if (status === 401 && usedToken && !reauthenticated) {
        // The token was refused (expired early or revoked): renew once, without spending the retry budget.
        reauthenticated = true;
        attempt--;
        await reauthenticate(usedToken);
        continue;
      }
      if (status === 429 && retriesLeft) {
        const waitMs = parseRetryAfter(outcome.retryAfter, clock.now()) ?? backoffMs(attempt);
        if (waitMs > MAX_RETRY_AFTER_MS) throw new OpenBomError(`OpenBOM rate limit: asked to wait ${waitMs} ms (${request.label})`, 429);
        // The limit is per app key: hold back every request, not only this one.
        logger.warn('openbom rate limited', { upstream: request.label, attempt: attempt + 1, waitMs });
        await limiter.pauseFor(waitMs);
        continue;
      }
      if (status >= 500 && retriesLeft) {
        await backoff(attempt, request.label, `HTTP ${status}`);
        continue;
      }
      throw new OpenBomError(`OpenBOM answered HTTP ${status} (${request.label})${attempt > 0 ? ` after ${attempt + 1} attempts` : ''}`, status);
    }
  }

  /** One fetch under a timeout; `consume` runs inside it. Network failures and timeouts come back as `{ error }`. */
  async function attemptOnce<R>(url: string, init: RequestInit, consume: (response: Response) => Promise<R>): Promise<R | { error: string }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimeoutError()), timeoutMs);
    noteUpstreamCall();
    try {
      const response = await fetchImpl(url, { ...init, signal: controller.signal });
      return await consume(response);
    } catch (error) {
      if (error instanceof OpenBomError || error instanceof UnsafeFileUrlError) throw error;
      return { error: controller.signal.aborted ? `timed out after ${timeoutMs} ms` : 'unreachable' };
    } finally {
      clearTimeout(timer);
    }
  }

  async function backoff(attempt: number, label: string, reason: string): Promise<void> {
    const waitMs = backoffMs(attempt);
    logger.warn('openbom retry', { upstream: label, reason, attempt: attempt + 1, waitMs });
    await sleep(waitMs);
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries of many callers spread out. */
  function backoffMs(attempt: number): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    return Math.round(ceiling / 2 + (ceiling / 2) * random());
  }

  async function readJson(response: Response, label: string): Promise<unknown> {
    // Reading can fail like the request itself (reset, timeout) and is retried then; only bad JSON is final.
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new OpenBomError(`OpenBOM sent a body that is not JSON (${label})`, response.status);
    }
  }

  async function getJson(path: string): Promise<unknown> {
    return send({ method: 'GET', url: apiUrl(path), authenticated: true, label: `GET ${path}` }, async (response) => {
      if (response.status !== 200) throw new OpenBomError(`OpenBOM answered HTTP ${response.status} (GET ${path})`, response.status);
      return readJson(response, `GET ${path}`);
    });
  }

  const isFresh = (current: StoredTokens | undefined): current is StoredTokens => current !== undefined && clock.now() < current.renewAt;

  /** The stored tokens while fresh; otherwise one caller (one replica) renews them and the others wait for it. */
  async function currentTokens(): Promise<StoredTokens> {
    const stored = await state.tokens.get();
    return isFresh(stored) ? stored : state.tokens.renew(isFresh, obtainTokens);
  }

  /** Renews (or logs in again) unless another request or replica already replaced the refused token. */
  async function reauthenticate(refused: string): Promise<void> {
    await state.tokens.renew((current): current is StoredTokens => isFresh(current) && current.access !== refused, obtainTokens);
  }

  /** A renewal with the refresh token when there is one; a login when there is none or the renewal fails. */
  async function obtainTokens(current: StoredTokens | undefined): Promise<StoredTokens> {
    const refresh = current?.refresh;
    if (refresh) {
      try {
        return await requestTokens('/token/renew', { refresh_token: refresh }, refresh);
      } catch (error) {
        if (error instanceof SharedStateUnavailableError) throw error;
        logger.warn('openbom token renewal failed; logging in again', { reason: (error as Error).message });
      }
    }
    return requestTokens('/login', { username: options.username, password: options.password }, undefined);
  }

  async function requestTokens(path: string, body: unknown, previousRefresh: string | undefined): Promise<StoredTokens> {
    const label = `POST ${path}`;
    const data = await send({ method: 'POST', url: apiUrl(path), body, authenticated: false, label }, async (response) => {
      if (response.status !== 200) throw new OpenBomError(`OpenBOM answered HTTP ${response.status} (${label})`, response.status);
      return readJson(response, label);
    });
    const answer = (data ?? {}) as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new OpenBomError(`OpenBOM sent no access token (${label})`);
    }
    const lifetimeMs = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in * 1000 : 3_600_000;
    logger.info('openbom authenticated', { via: path, expiresInSeconds: lifetimeMs / 1000 });
    const refresh = typeof answer.refresh_token === 'string' && answer.refresh_token !== '' ? answer.refresh_token : previousRefresh;
    const now = clock.now();
    return {
      access: answer.access_token,
      ...(refresh !== undefined ? { refresh } : {}),
      renewAt: now + lifetimeMs - Math.min(RENEW_MARGIN_MS, lifetimeMs / 10),
      expiresAt: now + lifetimeMs,
    };
  }

  async function getTable(path: string): Promise<OpenBomTable> {
    const data = (await getJson(path)) as Partial<OpenBomTable> | null;
    if (!data || !Array.isArray(data.columns) || !Array.isArray(data.cells) || !data.cells.every(Array.isArray)) {
      throw new OpenBomError(`OpenBOM sent a document without columns and cells (GET ${path})`);
    }
    return { columns: data.columns.map(String), cells: data.cells };
  }

  async function getArray(path: string): Promise<unknown[]> {
    const data = await getJson(path);
    if (!Array.isArray(data)) throw new OpenBomError(`OpenBOM sent something other than a list (GET ${path})`);
    return data;
  }

  /** Storage is another host in reality: no OpenBOM headers (tokens must not leak), no OpenBOM rate limit. */
  async function fetchStorage(location: string, headersOnly: boolean): Promise<OpenBomFile> {
    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      let timer = setTimeout(() => controller.abort(new TimeoutError()), timeoutMs);
      noteUpstreamCall();
      let failure: string;
      try {
        const response = await fetchImpl(location, { method: 'GET', redirect: 'follow', signal: controller.signal });
        if (response.ok) {
          // fetch decodes a Content-Encoding, after which the stored length no longer describes the bytes passed on.
          const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
          const file = { contentType: response.headers.get('content-type'), contentLength: encoded ? null : response.headers.get('content-length') };
          if (headersOnly || !response.body) {
            clearTimeout(timer);
            // A GET rather than a HEAD: presigned storage URLs are usually signed for GET only.
            await response.body?.cancel();
            return { ...file, body: null };
          }
          // From here the timeout is an idle timeout: it restarts with every chunk.
          const idle = new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, stream) {
              clearTimeout(timer);
              timer = setTimeout(() => controller.abort(new TimeoutError()), timeoutMs);
              stream.enqueue(chunk);
            },
            flush: () => clearTimeout(timer),
          });
          return { ...file, body: response.body.pipeThrough(idle) };
        }
        clearTimeout(timer);
        await response.body?.cancel();
        if (response.status < 500) throw new OpenBomError(`OpenBOM storage answered HTTP ${response.status}`, response.status);
        failure = `HTTP ${response.status}`;
      } catch (error) {
        clearTimeout(timer);
        if (error instanceof OpenBomError) throw error;
        failure = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : 'unreachable';
      }
      if (attempt >= maxRetries) throw new OpenBomError(`OpenBOM storage ${failure} after ${attempt + 1} attempts`);
      await backoff(attempt, 'storage', failure);
    }
  }

  return {
    async listCatalogs() {
      const items = await getArray('/catalogs');
      return items.flatMap((item) => {
        const { id, name } = (item ?? {}) as { id?: unknown; name?: unknown };
        return typeof id === 'string' && id !== '' ? [{ id, ...(typeof name === 'string' ? { name } : {}) }] : [];
      });
    },
    getCatalog: (catalogId) => getTable(`/catalog/${encodeURIComponent(catalogId)}`),
    async listItemRevisions(catalogId, partNumber) {
      const items = await getArray(`/catalog/${encodeURIComponent(catalogId)}/revisions/partnumber/${encodeURIComponent(partNumber)}`);
      return items.filter((item): item is ItemRevision => item !== null && typeof item === 'object');
    },
    getMergedRevisions: (catalogId, partNumber) =>
      getTable(`/catalog/${encodeURIComponent(catalogId)}/revisions/merged/partnumber/${encodeURIComponent(partNumber)}`),
    async openFile(fileUrl, { headersOnly = false, signal } = {}) {
      if (!isOpenBomFileUrl(fileUrl, base.origin)) throw new UnsafeFileUrlError('not an OpenBOM file URL on the configured origin');
      const label = `GET ${new URL(fileUrl).pathname}`;
      const redirect = () =>
        send({ method: 'GET', url: fileUrl, authenticated: true, label, signal }, async (response) => {
          const location = response.headers.get('location');
          if (response.status >= 300 && response.status < 400 && location) {
            await response.body?.cancel();
            return new URL(location, fileUrl).toString();
          }
          await response.body?.cancel();
          throw new OpenBomError(`OpenBOM answered HTTP ${response.status} without a redirect to storage (${label})`, response.status);
        });
      try {
        return await fetchStorage(await redirect(), headersOnly);
      } catch (error) {
        // A presigned URL can expire between OpenBOM's 302 and our fetch (a slow queue, clock skew): storage then
        // answers 403. One fresh redirect from OpenBOM, rather than failing a download that can still succeed.
        if (!(error instanceof OpenBomError && error.status === 403)) throw error;
        logger.warn('openbom storage refused the redirect; asking for a fresh one', { upstream: label });
        return fetchStorage(await redirect(), headersOnly);
      }
    },
  };
}

/** Retry-After as whole seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
