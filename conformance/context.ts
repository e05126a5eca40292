/** What a check gets to work with: the settings, a way to send requests, and the shared listing of `--material`. */
import { createHttpClient, type Exchange, type ExchangeRequest, type HttpClient } from './http.js';
import { documentListProblems, type Document } from './schema.js';
import type { Settings } from './settings.js';

/** Query parameters (undefined values are left out), or a raw query string sent exactly as written. */
export type Query = Record<string, string | undefined> | string;

export interface Listing {
  exchange: Exchange;
  /** The parsed body; undefined when it is not JSON. */
  body?: unknown;
  /** Why the body is not JSON, when it is not. */
  jsonError?: string;
  /** Schema problems (DocumentList from the spec), one line each; empty when valid. */
  problems: string[];
  /** The files, when the body is a valid DocumentList. */
  documents: Document[];
}

export interface CheckContext {
  readonly settings: Settings;
  /** `{baseUrl}/materials/documents?{query}`. */
  listingUrl(query?: Query): string;
  /** Sends a request (never cached). */
  send(request: ExchangeRequest): Promise<Exchange>;
  /** Sends a request without a body once per run; checks asking for the same method, URL and credentials share the answer. */
  sendOnce(request: ExchangeRequest): Promise<Exchange>;
  /** The listing of `--material` (and `--revision`) with the key, requested once per run. */
  listing(): Promise<Listing>;
  /** Parses and validates a listing answer. */
  readListing(exchange: Exchange): Listing;
  /** Whether the API key appears anywhere in a response (body or headers). */
  echoesApiKey(exchange: Exchange): boolean;
}

export interface ContextOptions {
  settings: Settings;
  apiKey: string;
  fetch: typeof globalThis.fetch;
  maxInFlight: number;
  wrongKey: string;
}

export function createCheckContext(options: ContextOptions): CheckContext {
  const { settings, apiKey } = options;
  const send: HttpClient = createHttpClient({
    fetch: options.fetch,
    timeoutMs: settings.timeoutMs,
    apiKeyHeader: settings.apiKeyHeader,
    apiKey,
    wrongKey: options.wrongKey,
    maxInFlight: options.maxInFlight,
  });
  const shared = new Map<string, Promise<Exchange>>();
  const sendOnce = (request: ExchangeRequest) => {
    const key = `${request.method ?? 'GET'} ${request.auth} ${request.bodyLimit ?? ''} ${request.url}`;
    let pending = shared.get(key);
    if (!pending) {
      pending = send(request);
      shared.set(key, pending);
    }
    return pending;
  };
  const listingUrl = (query?: Query) => `${settings.baseUrl}/materials/documents${queryString(query)}`;
  let primary: Promise<Listing> | undefined;
  const context: CheckContext = {
    settings,
    listingUrl,
    send,
    sendOnce,
    listing() {
      primary ??= sendOnce({ url: listingUrl({ materialId: settings.material, revision: settings.revision }), auth: 'key' }).then(
        (exchange) => context.readListing(exchange),
      );
      return primary;
    },
    readListing,
    echoesApiKey(exchange) {
      const response = exchange.response;
      if (!response) return false;
      const haystack = [response.text, ...Object.values(response.headers)].join('\n');
      return haystack.includes(apiKey) || haystack.includes(encodeURIComponent(apiKey));
    },
  };
  return context;
}

function readListing(exchange: Exchange): Listing {
  const text = exchange.response?.text ?? '';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { exchange, jsonError: error instanceof Error ? error.message : String(error), problems: [], documents: [] };
  }
  const problems = documentListProblems(body);
  const documents = problems.length === 0 ? (body as { data: Document[] }).data : [];
  return { exchange, body, problems, documents };
}

function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query === '' ? '' : `?${query}`;
  const pairs = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}
