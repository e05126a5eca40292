/** What a check gets to work with: the settings, a way to send requests, and the shared listing of `--material`. */
import { createHttpClient, sameOrigin, type Exchange, type ExchangeRequest, type HttpClient } from './http.js';
import { documentListProblems, type Document } from './schema.js';
import { nearMisses, type NearMiss } from './near-miss.js';
import type { KeyForm, KeyScanner } from './secrets.js';
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
  /** How the API key (or a long part of it) shows in a response's headers or body, if it does. */
  keyInAnswer(exchange: Exchange): KeyForm | undefined;
  /** Almost-the-key credentials (see near-miss.ts), for the configured key and header. */
  readonly nearMisses: readonly NearMiss[];
  /** Whether the key may be sent to `url`: the base URL's origin or one given with --allow-link-origin. */
  trusted(url: string): boolean;
  /** What every answer of the run so far showed: the key, or a JSON body starting with a byte order mark. */
  readonly seen: { keyLeaks: Array<{ exchange: Exchange; form: KeyForm }>; jsonWithBom: Exchange[] };
}

export interface ContextOptions {
  settings: Settings;
  apiKey: string;
  fetch: typeof globalThis.fetch;
  maxInFlight: number;
  wrongKey: string;
  scanner: KeyScanner;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
const startsWithBom = (body: Uint8Array) => UTF8_BOM.every((byte, index) => body[index] === byte);

export function createCheckContext(options: ContextOptions): CheckContext {
  const { settings, apiKey } = options;
  const seen: CheckContext['seen'] = { keyLeaks: [], jsonWithBom: [] };
  const scanForKey = (exchange: Exchange): KeyForm | undefined => {
    const response = exchange.response;
    if (!response) return undefined;
    // A request that itself put the key in its URL may see it reflected; that shows nobody anything new.
    if (safeDecode(exchange.request.url).includes(apiKey)) return undefined;
    const headerLines = Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`);
    const presented = Object.values(exchange.request.headers);
    return options.scanner.find([...headerLines, response.text].join('\n'), presented);
  };
  // Every answer is scanned as it arrives (send below); a check that asks again (leakProblems) gets that result.
  const scanned = new WeakMap<Exchange, KeyForm | undefined>();
  const keyInAnswer = (exchange: Exchange): KeyForm | undefined => {
    if (!scanned.has(exchange)) scanned.set(exchange, scanForKey(exchange));
    return scanned.get(exchange);
  };
  const client: HttpClient = createHttpClient({
    fetch: options.fetch,
    timeoutMs: settings.timeoutMs,
    apiKeyHeader: settings.apiKeyHeader,
    apiKey,
    wrongKey: options.wrongKey,
    maxInFlight: options.maxInFlight,
  });
  const send: HttpClient = async (request) => {
    const exchange = await client(request);
    const form = keyInAnswer(exchange);
    if (form) seen.keyLeaks.push({ exchange, form });
    const response = exchange.response;
    if (response && /json/i.test(response.contentType) && startsWithBom(response.body)) seen.jsonWithBom.push(exchange);
    return exchange;
  };
  const trusted = (url: string) =>
    sameOrigin(url, settings.baseUrl) || settings.allowedLinkOrigins.some((origin) => sameOrigin(url, origin));
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
    keyInAnswer,
    trusted,
    seen,
    nearMisses: nearMisses(apiKey, settings.apiKeyHeader),
  };
  return context;
}

function safeDecode(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

function readListing(exchange: Exchange): Listing {
  const bytes = exchange.response?.body ?? new Uint8Array(0);
  let text: string;
  try {
    // RFC 8259 §8.1: JSON exchanged between systems is UTF-8; a lossy decode would hide a wrong charset.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { exchange, jsonError: 'the body is not valid UTF-8', problems: [], documents: [] };
  }
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
