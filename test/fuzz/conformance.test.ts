/**
 * Property-based fuzz of the conformance runner's handling of answers: a fake fetch stands in for a server that
 * answers anything (any status, headers, bodies — listings with odd links, invalid JSON, binary, the API key echoed
 * back — or fails mid-body, resets, or never answers). Whatever it does, the runner resolves with a well-formed
 * report (or a CannotRunError when the very first request reaches nothing), never throws, never sends the API key
 * anywhere but the base URL's origin, and never shows the key in the report or in any rendered form of it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CannotRunError, renderReport, runConformance, type Report } from '../../conformance/index.js';
import { REPORTERS } from '../../conformance/reporters/index.js';
import { fuzz, fuzzTimeoutMs } from './support/runs.js';

const BASE_URL = 'http://server.test/api';
const ORIGIN = new URL(BASE_URL).origin;
const API_KEY = 'fz-Key+/=~.42xQ-conformance';
const KEY_FORMS = [API_KEY, encodeURIComponent(API_KEY)];
const MATERIAL = '55-554354';

type BodySpec =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'listing'; documents: unknown[] }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] }
  | { kind: 'large'; size: number };

type Answer =
  | {
      kind: 'response';
      status: number;
      headers: Array<[string, string]>;
      body: BodySpec;
      echoKey: 'no' | 'body' | 'header' | 'location' | 'encoded';
    }
  | { kind: 'fails'; code: string | null }
  | { kind: 'breaks-mid-body'; afterBytes: number }
  | { kind: 'hangs' };

/** Statuses a Response can carry; 1xx never reach fetch's caller. */
const status = fc.oneof(
  fc.constantFrom(
    200,
    200,
    200,
    201,
    204,
    206,
    301,
    302,
    303,
    304,
    307,
    400,
    401,
    403,
    404,
    405,
    406,
    410,
    413,
    414,
    429,
    431,
    500,
    502,
    503,
    504,
  ),
  fc.integer({ min: 200, max: 599 }),
);
const headerName = fc.oneof(
  fc.constantFrom(
    'content-type',
    'location',
    'cache-control',
    'content-disposition',
    'content-length-x',
    'set-cookie',
    'www-authenticate',
    'retry-after',
    'x-powered-by',
    'server',
  ),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);
const headerValue = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/html',
    'application/pdf',
    'application/octet-stream',
    '',
    'no-store',
    'attachment; filename="a.pdf"',
    `${ORIGIN}/login`,
    '/relative',
    'javascript:alert(1)',
    'http://elsewhere.test/x',
  ),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }),
);
const link = fc.oneof(
  fc.constantFrom(
    `${BASE_URL}/materials/documents/download?materialId=${MATERIAL}&column=Drawing&fileName=a.pdf`,
    `${BASE_URL}/files/a.pdf`,
    `${ORIGIN}/elsewhere/b.pdf`,
    'http://elsewhere.test/c.pdf',
    'https://elsewhere.test:8443/d.pdf',
    '/relative/e.pdf',
    'not a url',
    '',
    'javascript:alert(1)',
    'data:text/plain,hello',
    `${BASE_URL}/../../etc/passwd`,
    `${BASE_URL}/files/${'x'.repeat(5000)}`,
  ),
  fc.webUrl().map(String),
  fc.string({ maxLength: 30 }),
);
const documentEntry = fc.oneof(
  {
    arbitrary: fc.record(
      {
        fileName: fc.oneof(fc.constantFrom('a.pdf', 'b.step', ''), fc.string({ maxLength: 20 })),
        description: fc.string({ maxLength: 30 }),
        type: fc.constantFrom('Drawing', 'CAD', ''),
        link,
      },
      { requiredKeys: ['fileName', 'link'] },
    ),
    weight: 4,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
);
const body: fc.Arbitrary<BodySpec> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })), weight: 2 },
  { arbitrary: fc.array(documentEntry, { maxLength: 6 }).map((documents) => ({ kind: 'listing' as const, documents })), weight: 5 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((text) => ({ kind: 'text' as const, text })), weight: 2 },
  {
    arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 100 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
    weight: 1,
  },
  { arbitrary: fc.integer({ min: 1024, max: 256 * 1024 }).map((size) => ({ kind: 'large' as const, size })), weight: 1 },
);
const answer: fc.Arbitrary<Answer> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('response' as const),
      status,
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
      body,
      echoKey: fc.constantFrom(
        'no' as const,
        'no' as const,
        'no' as const,
        'body' as const,
        'header' as const,
        'location' as const,
        'encoded' as const,
      ),
    }),
    weight: 20,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('fails' as const),
      code: fc.constantFrom('ECONNRESET', 'UND_ERR_SOCKET', 'ECONNREFUSED', 'ENOTFOUND', 'EPIPE', null),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('breaks-mid-body' as const), afterBytes: fc.nat(2000) }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'hangs' as const }), weight: 1 },
);

/** A fake server: a table of answers, and which one each request gets (by method, path and query names, so a run is reproducible). */
const scenario = fc.record({
  answers: fc.array(answer, { minLength: 1, maxLength: 10 }),
  /** The listing of the material: what most checks start from. */
  listing: answer,
  v2: fc.boolean(),
  strict: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

function bodyBytes(spec: BodySpec): Uint8Array<ArrayBuffer> | null {
  const encode = (text: string) => new TextEncoder().encode(text);
  switch (spec.kind) {
    case 'none':
      return null;
    case 'json':
      return encode(JSON.stringify(spec.value) ?? 'null');
    case 'listing':
      return encode(JSON.stringify({ data: spec.documents }));
    case 'text':
      return encode(spec.text);
    case 'bytes':
      return Uint8Array.from(spec.bytes);
    case 'large':
      return encode(`{"data":[],"padding":"${'x'.repeat(spec.size)}"}`);
  }
}

function respond(spec: Answer, signal: AbortSignal | undefined): Promise<Response> {
  if (spec.kind === 'hangs') {
    return new Promise((_, reject) =>
      signal?.addEventListener('abort', () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))), {
        once: true,
      }),
    );
  }
  if (spec.kind === 'fails') {
    const cause =
      spec.code === null ? new Error('other side closed') : Object.assign(new Error(`connect ${spec.code}`), { code: spec.code });
    return Promise.reject(new TypeError('fetch failed', { cause }));
  }
  if (spec.kind === 'breaks-mid-body') {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(spec.afterBytes).fill(0x7b));
        controller.error(
          Object.assign(new TypeError('terminated'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }),
        );
      },
    });
    return Promise.resolve(new Response(stream, { status: 200, headers: { 'content-type': 'application/json' } }));
  }
  const headers = new Headers();
  for (const [name, value] of spec.headers) headers.append(name, value);
  let bytes = bodyBytes(spec.body);
  if (spec.echoKey === 'body' || spec.echoKey === 'encoded') {
    const echo = new TextEncoder().encode(`{"error":"bad key ${spec.echoKey === 'body' ? API_KEY : encodeURIComponent(API_KEY)}"}`);
    bytes = bytes ? Uint8Array.from([...bytes, ...echo]) : echo;
  }
  if (spec.echoKey === 'header') headers.set('x-echo', API_KEY);
  if (spec.echoKey === 'location') headers.set('location', `${BASE_URL}/login?key=${encodeURIComponent(API_KEY)}&raw=${API_KEY}`);
  return Promise.resolve(new Response(NULL_BODY_STATUSES.has(spec.status) ? null : bytes, { status: spec.status, headers }));
}

/** Stable across runs: random parts of the suite's own URLs (JKCHECK-… names, run markers) do not change the answer. */
function answerFor(scenario: Scenario, method: string, url: URL): Answer {
  if (
    method === 'GET' &&
    url.pathname === '/api/materials/documents' &&
    url.searchParams.get('materialId') === MATERIAL &&
    url.search.length < 200
  )
    return scenario.listing;
  const path = url.pathname.replace(/jkcheck-[0-9a-f]+/gi, '*');
  const key = `${method} ${path} ${[...url.searchParams.keys()].sort().join(',')}`;
  const index = createHash('sha256').update(key).digest().readUInt32BE(0) % scenario.answers.length;
  return scenario.answers[index]!;
}

interface Sent {
  url: string;
  headers: Record<string, string>;
}

/** Answers that certainly show the key where the runner looks (a header, or a small body), to a request that did not put it in its URL. */
function showsKey(answer: Answer, url: URL): boolean {
  if (answer.kind !== 'response' || answer.echoKey === 'no' || decodeURIComponent(url.href).includes(API_KEY)) return false;
  if (answer.echoKey === 'header' || answer.echoKey === 'location') return true;
  return !NULL_BODY_STATUSES.has(answer.status) && (bodyBytes(answer.body)?.byteLength ?? 0) <= 16 * 1024;
}

function fakeFetch(scenario: Scenario, sent: Sent[], echoed: string[] = []): typeof fetch {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    sent.push({ url: url.href, headers });
    const answer = answerFor(scenario, init?.method ?? 'GET', url);
    if (showsKey(answer, url)) echoed.push(url.href);
    return respond(answer, init?.signal ?? undefined);
  };
}

function reportProblems(report: Report): string[] {
  const problems: string[] = [];
  const ids = report.results.map((result) => result.id);
  if (new Set(ids).size !== ids.length) problems.push('a check is reported twice');
  for (const result of report.results) {
    if (!['pass', 'fail', 'skip'].includes(result.status)) problems.push(`${result.id}: status ${result.status}`);
    if (!['MUST', 'SHOULD'].includes(result.severity)) problems.push(`${result.id}: severity ${result.severity}`);
    if (typeof result.message !== 'string' || result.message === '') problems.push(`${result.id}: no message`);
    if (!Number.isFinite(result.durationMs) || result.durationMs < 0) problems.push(`${result.id}: duration ${result.durationMs}`);
  }
  const count = (status: string) => report.results.filter((result) => result.status === status).length;
  const { passed, failed, warnings, skipped } = report.summary;
  if (passed !== count('pass') || skipped !== count('skip') || failed + warnings !== count('fail'))
    problems.push(`the summary ${JSON.stringify(report.summary)} does not add up`);
  const outputs = {
    json: JSON.stringify(report),
    ...Object.fromEntries(REPORTERS.map((name) => [name, renderReport(report, name, { color: true })])),
  };
  for (const [name, text] of Object.entries(outputs)) {
    if (KEY_FORMS.some((form) => text.includes(form))) problems.push(`the ${name} report shows the API key`);
  }
  return problems;
}

describe('fuzz: the conformance runner against a server that answers anything', () => {
  it('always produces a well-formed report, and the API key goes nowhere it should not', { timeout: fuzzTimeoutMs }, async () => {
    await fuzz('conformance', scenario, async (generated) => {
      const sent: Sent[] = [];
      const echoed: string[] = [];
      let outcome: string;
      try {
        const report = await runConformance({
          baseUrl: BASE_URL,
          apiKey: API_KEY,
          material: MATERIAL,
          revision: '119',
          otherRevision: '120',
          strict: generated.strict,
          timeoutMs: 15,
          latencyBudgetMs: 1_000,
          fetch: fakeFetch(generated, sent, echoed),
          ...(generated.v2 ? { v2: true, supplier: 'fuzz-supplier' } : {}),
        });
        const problems = reportProblems(report);
        const keyCheck = report.results.find((result) => result.id === 'auth.key-never-returned');
        if (echoed.length > 0 && keyCheck?.status !== 'fail')
          problems.push(`answers to ${echoed[0]} showed the key, but auth.key-never-returned ${keyCheck?.status}`);
        if (problems.length > 0) throw new Error(problems.join('\n'));
        outcome = report.summary.failed > 0 ? 'failing report' : 'passing report';
      } catch (error) {
        // Only a listing that reached nothing at all may stop the run (exit 2: "cannot run").
        const unreachable =
          generated.listing.kind === 'fails' && !['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(generated.listing.code ?? '');
        if (!(error instanceof CannotRunError && unreachable)) throw error;
        outcome = 'cannot run';
      }
      const keyElsewhere = sent.filter(
        (request) => Object.values(request.headers).includes(API_KEY) && new URL(request.url).origin !== ORIGIN,
      );
      expect(keyElsewhere.map((request) => request.url)).toEqual([]);
      return outcome;
    });
  });
});
