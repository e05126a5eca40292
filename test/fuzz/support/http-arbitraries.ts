/**
 * fast-check generators of hostile HTTP requests. A request is generated as a compact description (a 2 MB body is
 * `{ kind: 'large', size }`, not its bytes) so a failing case prints readably; toRequest() builds the real thing.
 *
 * Paths mix the API's own templates (filled with known ids, random, encoded, unicode, dot-segment and very long
 * values) with junk; queries mix known parameter names with junk, encoded or raw; header names and values are
 * valid for fetch (tokens; Latin-1 without CR, LF or NUL); bodies are valid and invalid JSON, large, deeply
 * nested, invalid UTF-8, in right and wrong content types.
 */
import { METHODS as NODE_METHODS } from 'node:http';
import fc from 'fast-check';

export type BodySpec =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'nested'; depth: number; open: '[' | '{"a":' }
  | { kind: 'large'; size: number; field: string }
  /** A body shaped for the target (login, upload …), stringified as JSON. */
  | { kind: 'shaped'; value: unknown };

export interface FuzzRequest {
  method: string;
  /** As written into the URL: may hold raw unicode, `%` sequences and dot segments (the URL parser normalises them). */
  path: string;
  /** Without the `?`; '' for none. */
  query: string;
  headers: Array<[string, string]>;
  body?: { spec: BodySpec; contentType?: string };
}

/** What a target knows about its own API, so generated requests reach past routing and authentication. */
export interface ApiVocabulary {
  /** The API's operations: method and path template with `{param}` segments, e.g. `['GET', '/bom/{bomId}']`. */
  operations: Array<[method: string, template: string]>;
  /** Values worth putting into path parameters and query values (ids that exist, names that are listed …). */
  knownValues: string[];
  /** Query parameter names the API reads. */
  queryNames: string[];
  /** Whole query strings known to work (e.g. from a listing's download links); sometimes used, sometimes extended. */
  knownQueries?: string[];
  /** Complete credential header sets (valid, wrong, partial); one is picked, or none. */
  credentials: fc.Arbitrary<Array<[string, string]>>;
  /** Bodies shaped for the API's endpoints (valid-looking and subtly wrong). */
  shapedBodies?: fc.Arbitrary<unknown>;
}

export interface ArbitraryOptions {
  /** Largest generated body in bytes (default 256 KiB). */
  maxBodyBytes?: number;
  /** Deepest generated nesting (default 20,000). */
  maxDepth?: number;
}

/** Header names fetch treats specially or that would make the request unparsable to the server: never generated. */
const RESERVED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'host',
]);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

const tokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const token = (maxLength: number) => fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength });

/** A header value fetch accepts: Latin-1 without CR, LF, NUL (leading and trailing whitespace is trimmed by Headers). */
const headerValue = fc.string({
  unit: fc
    .oneof(
      { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 8 },
      { arbitrary: fc.integer({ min: 0x80, max: 0xff }), weight: 1 },
      { arbitrary: fc.constant(0x09), weight: 1 },
    )
    .map((code) => String.fromCharCode(code)),
  maxLength: 200,
});

/** Strings that have broken path and query handling somewhere before. */
const TRICKY = [
  '.',
  '..',
  '%2e%2e',
  '%2E',
  '%2F',
  '%2f..%2f',
  '%5C',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%FF',
  '%252e%252e',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '....//',
  ';',
  'a;b=c',
  '~',
  '$',
  '*',
  '@',
  ':',
  '%3A',
  '+',
  ' ',
  '%20',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '-1',
  '0',
  '1e309',
  'NaN',
  '\u00e9',
  '\u{1F600}',
  '\uFEFF',
  'CON',
  'aux.txt',
  "'; DROP TABLE parts; --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${7*7}',
];

/** `arbitrary` one time in eight, `otherwise` the rest. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, otherwise: T): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constant(otherwise), weight: 7 }, { arbitrary, weight: 1 });
}

function segment(knownValues: string[], maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(knownValues.length > 0 ? knownValues : ['x'])).map(encodeURIComponent), weight: 12 },
    { arbitrary: fc.webSegment(), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }).map(encodeURIComponent), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }), weight: 1 },
    { arbitrary: fc.constantFrom(...TRICKY), weight: 2 },
    { arbitrary: fc.integer({ min: 200, max: maxLength }).map((n) => 'a'.repeat(n)), weight: 1 },
  );
}

/** A path made from `template` (its parameters filled, sometimes more segments), or now and then junk. */
function pathArbitrary(template: string, knownValues: string[], maxSegmentLength: number): fc.Arbitrary<string> {
  const seg = segment(knownValues, maxSegmentLength);
  const fromTemplate = fc
    .tuple(fc.infiniteStream(seg), rarely(fc.array(seg, { minLength: 1, maxLength: 2 }), []))
    .map(([values, extra]) => {
      const filled = template.split('/').map((part) => (/^\{.+\}$/.test(part) ? values.next().value : part));
      return [...filled, ...extra].join('/');
    });
  const junk = fc.array(seg, { minLength: 0, maxLength: 6 }).map((segments) => `/${segments.join('/')}`);
  const trailing = rarely(fc.constantFrom('/', '//', '/.', '/..'), '');
  return fc
    .tuple(fc.oneof({ arbitrary: fromTemplate, weight: 4 }, { arbitrary: junk, weight: 1 }), trailing)
    .map(([path, tail]) => path + tail);
}

function queryArbitrary(vocabulary: ApiVocabulary, maxValueLength: number): fc.Arbitrary<string> {
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...vocabulary.queryNames), weight: 5 },
    { arbitrary: fc.constantFrom(...TRICKY), weight: 1 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }), weight: 1 },
  );
  const value = fc.oneof(
    { arbitrary: fc.constantFrom(...(vocabulary.knownValues.length > 0 ? vocabulary.knownValues : ['x'])), weight: 5 },
    { arbitrary: fc.constantFrom('', ' ', ...TRICKY), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
    { arbitrary: fc.integer({ min: 200, max: maxValueLength }).map((n) => 'x'.repeat(n)), weight: 1 },
  );
  const pair = fc.tuple(name, value, fc.boolean());
  const generated = fc.array(pair, { maxLength: 5 }).map((pairs) =>
    // Mostly encoded as a client would; sometimes raw (the URL parser encodes what it must and keeps the rest).
    pairs.map(([n, v, raw]) => (raw ? `${n}=${v}` : `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)).join('&'),
  );
  const known = vocabulary.knownQueries ?? [];
  if (known.length === 0) return generated;
  const extended = fc
    .tuple(fc.constantFrom(...known), rarely(generated, ''))
    .map(([query, extra]) => (extra === '' ? query : `${query}&${extra}`));
  return fc.oneof(generated, extended);
}

const KNOWN_HEADER_NAMES = [
  'accept',
  'accept-encoding',
  'accept-language',
  'authorization',
  'cookie',
  'origin',
  'referer',
  'range',
  'if-none-match',
  'if-modified-since',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'forwarded',
  'x-http-method-override',
  'x-api-key',
  'X-OpenBOM-AppKey',
  'x-openbom-accesstoken',
  'x-admin-token',
  'content-encoding',
  'user-agent',
];

function headersArbitrary(credentials: fc.Arbitrary<Array<[string, string]>>): fc.Arbitrary<Array<[string, string]>> {
  const name = fc
    .oneof({ arbitrary: fc.constantFrom(...KNOWN_HEADER_NAMES), weight: 2 }, { arbitrary: token(30), weight: 1 })
    .filter((n) => !RESERVED_HEADERS.has(n.toLowerCase()) && n.toLowerCase() !== 'content-type');
  const random = fc.array(fc.tuple(name, headerValue), { maxLength: 6 });
  return fc.tuple(fc.option(credentials, { freq: 12 }), random).map(([credential, rest]) => [...(credential ?? []), ...rest]);
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'application/xml',
  'application/problem+json',
  'APPLICATION/JSON',
  'application/jsonx',
  '*/*',
  ';',
  'application/json; charset=',
];

function bodyArbitrary(vocabulary: ApiVocabulary, options: Required<ArbitraryOptions>): fc.Arbitrary<BodySpec> {
  const kinds: Array<fc.WeightedArbitrary<BodySpec>> = [
    { arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value })), weight: 4 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })), weight: 2 },
    {
      arbitrary: fc
        .json({ maxDepth: 3 })
        .chain((json) => fc.nat(json.length).map((cut) => ({ kind: 'text' as const, text: json.slice(0, cut) }))),
      weight: 1,
    },
    {
      arbitrary: fc
        .array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 })
        .map((bytes) => ({ kind: 'bytes' as const, bytes: [0x7b, 0x22, ...bytes] })),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('nested' as const),
        depth: fc.integer({ min: 100, max: options.maxDepth }),
        open: fc.constantFrom('[' as const, '{"a":' as const),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('large' as const),
        size: fc.integer({ min: 1024, max: options.maxBodyBytes }),
        field: fc.constantFrom('username', 'fileName', 'base64EncodedContents', 'x'),
      }),
      weight: 1,
    },
  ];
  if (vocabulary.shapedBodies)
    kinds.push({ arbitrary: vocabulary.shapedBodies.map((value) => ({ kind: 'shaped' as const, value })), weight: 12 });
  return fc.oneof(...kinds);
}

const COMMON_METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/**
 * Every other method Node's HTTP parser accepts (it answers anything else with 400 before an app sees it). Arbitrary
 * tokens would reach only in-process apps, and crash Hono's router for names like "valueOf" that no socket can carry.
 */
const RARE_METHODS = NODE_METHODS.filter((method) => !FORBIDDEN_METHODS.has(method) && !COMMON_METHODS.includes(method));

export function requestArbitrary(vocabulary: ApiVocabulary, options: ArbitraryOptions = {}): fc.Arbitrary<FuzzRequest> {
  const resolved = { maxBodyBytes: options.maxBodyBytes ?? 256 * 1024, maxDepth: options.maxDepth ?? 20_000 };
  const otherMethod = fc.oneof(
    { arbitrary: fc.constantFrom(...COMMON_METHODS), weight: 9 },
    { arbitrary: fc.constantFrom(...RARE_METHODS), weight: 1 },
  );
  const body = fc.record({
    spec: bodyArbitrary(vocabulary, resolved),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { freq: 5 }),
  });
  // Mostly an operation's own method on its path, so requests get past routing; sometimes another method.
  const methodAndPath = fc
    .constantFrom(...vocabulary.operations)
    .chain(([method, template]) =>
      fc.tuple(
        fc.oneof({ arbitrary: fc.constant(method), weight: 4 }, { arbitrary: otherMethod, weight: 1 }),
        pathArbitrary(template, vocabulary.knownValues, 9_000),
      ),
    );
  return fc
    .record({
      methodAndPath,
      query: queryArbitrary(vocabulary, 9_000),
      headers: headersArbitrary(vocabulary.credentials),
      body: fc.option(body, { freq: 3 }),
    })
    .map(({ body: maybeBody, methodAndPath: [method, path], ...rest }) => {
      const request = { method, path, ...rest };
      // fetch refuses a body on GET and HEAD.
      const bodyless = request.method === 'GET' || request.method === 'HEAD';
      if (bodyless || maybeBody === null) return request;
      const { spec, contentType } = maybeBody;
      return { ...request, body: contentType === null ? { spec } : { spec, contentType } };
    });
}

/** Fills a target's placeholders (e.g. `{{TOKEN}}`), so secrets are used but never printed in a counterexample. */
export type Substitute = (text: string) => string;
const verbatim: Substitute = (text) => text;

/** The bytes of a body description. */
export function bodyBytes(spec: BodySpec, substitute: Substitute = verbatim): Uint8Array<ArrayBuffer> {
  const encode = (text: string) => new TextEncoder().encode(text);
  switch (spec.kind) {
    case 'json':
    case 'shaped':
      return encode(substitute(JSON.stringify(spec.value) ?? 'null'));
    case 'text':
      return encode(substitute(spec.text));
    case 'bytes':
      return Uint8Array.from(spec.bytes);
    case 'nested':
      return encode(spec.open.repeat(spec.depth) + '1' + (spec.open === '[' ? ']' : '}').repeat(spec.depth));
    case 'large':
      return encode(`{"${spec.field}":"${'A'.repeat(Math.max(0, spec.size - spec.field.length - 7))}"}`);
  }
}

/** The request target as written (path and query). */
export function targetOf(request: FuzzRequest): string {
  return request.query === '' ? request.path : `${request.path}?${request.query}`;
}

export function toRequest(origin: string, request: FuzzRequest, substitute: Substitute = verbatim): Request {
  const headers = new Headers();
  for (const [name, value] of request.headers) headers.append(name, substitute(value));
  if (request.body?.contentType !== undefined) headers.set('content-type', request.body.contentType);
  const body = request.body ? bodyBytes(request.body.spec, substitute) : undefined;
  return new Request(`${origin}${targetOf(request)}`, { method: request.method, headers, ...(body ? { body } : {}) });
}
