/**
 * Property-based fuzz on real sockets: raw bytes a client could send — request lines with odd methods, targets and
 * versions, malformed or oversized headers, lying Content-Length, broken chunked bodies — to the mock and to the
 * adapter as listen() serves them. Every answer is HTTP that parses, never a 5xx, and an error answer carries a JSON
 * body in that API's own error shape (Node's own rejections included); the server keeps serving afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../src/shared/server.js';
import { loadSpec, type LoadedSpec } from '../support/openapi.js';
import { internalsShownIn } from './support/oracle.js';
import { exchange, parseResponses, type RawResponse } from './support/raw-http.js';
import { fuzz, fuzzTimeoutMs } from './support/runs.js';
import { API_KEY, API_KEY_HEADER, createAdapterTarget, createMockTarget, type AdapterTarget } from './support/targets.js';

/** Short limits so a request left incomplete is answered (408) within the case. */
const LIMITS = { headersTimeoutMs: 400, requestTimeoutMs: 800, bodyIdleTimeoutMs: 300, maxHeaderSize: 8 * 1024, maxUrlLength: 2 * 1024 };

const line = (text: string) => `${text}\r\n`;
const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });
const anyByte = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((code) => String.fromCharCode(code)), maxLength });

const method = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), weight: 8 },
  { arbitrary: fc.constantFrom('get', 'PROPFIND', 'M-SEARCH', 'PRI', 'CONNECT', 'TRACE', 'G ET', ''), weight: 1 },
  { arbitrary: printable(10), weight: 1 },
);
const target = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      '/catalogs',
      '/materials/documents?materialId=55-554354',
      '/materials/documents/download?materialId=x&column=y&fileName=z',
      '/suppliers/54454543/documents',
      '/login',
      '/__admin/requests',
    ),
    weight: 6,
  },
  {
    arbitrary: fc.constantFrom(
      '*',
      'http://other.test/catalogs',
      '//x',
      '/a\\b',
      '/%',
      '/%zz',
      '/../..',
      '/a/./b/..',
      '/?',
      '/#frag',
      'catalogs',
      '/%00',
      '/\u00e9',
    ),
    weight: 3,
  },
  { arbitrary: fc.webPath().map((path) => path || '/'), weight: 2 },
  { arbitrary: fc.integer({ min: 1024, max: 12 * 1024 }).map((n) => `/catalogs?q=${'a'.repeat(n)}`), weight: 1 },
  { arbitrary: anyByte(30).map((junk) => `/${junk}`), weight: 1 },
);
const version = fc.oneof(
  { arbitrary: fc.constant('HTTP/1.1'), weight: 8 },
  { arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'HTTP/0.9', 'http/1.1', ''), weight: 1 },
);
const header = fc.oneof(
  {
    arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), printable(40)).map(([name, value]) => line(`${name}: ${value}`)),
    weight: 4,
  },
  {
    arbitrary: fc.constantFrom(
      line('Host: '),
      line('Host: a b'),
      line('Host: other.test'),
      line('Host: x\\y'),
      line('Connection: keep-alive'),
      line('Expect: 100-continue'),
      line('Expect: teapot'),
      line('Upgrade: websocket'),
      line('Content-Type: application/json'),
      line(`${API_KEY_HEADER}: {{KEY}}`),
      line('X-OpenBOM-AppKey: demo-app-key'),
      line('Bad Header: x'),
      line('NoColon'),
      line(' folded: continuation'),
      line('X-Null: a\u0000b'),
      line('X-Ctl: a\u0007b'),
    ),
    weight: 3,
  },
  { arbitrary: fc.integer({ min: 1024, max: 12 * 1024 }).map((n) => line(`X-Big: ${'b'.repeat(n)}`)), weight: 1 },
  { arbitrary: anyByte(40).map((junk) => line(junk)), weight: 1 },
);
/** The body framing: none, a correct or lying Content-Length, duplicates, chunked (well or badly formed). */
const framing = fc.oneof(
  fc.constant({ headers: '', body: '' }),
  anyByte(200).map((body) => ({ headers: line(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`), body })),
  fc
    .tuple(anyByte(50), fc.integer({ min: -5, max: 100 }))
    .map(([body, delta]) => ({ headers: line(`Content-Length: ${Buffer.byteLength(body, 'latin1') + delta}`), body })),
  fc.constantFrom(
    { headers: line('Content-Length: 5') + line('Content-Length: 6'), body: 'hello!' },
    { headers: line('Content-Length: abc'), body: 'x' },
    { headers: line('Content-Length: 99999999999999999999'), body: 'x' },
    { headers: line('Transfer-Encoding: chunked'), body: '5\r\nhello\r\n0\r\n\r\n' },
    { headers: line('Transfer-Encoding: chunked'), body: 'zz\r\nhello\r\n0\r\n\r\n' },
    { headers: line('Transfer-Encoding: chunked'), body: '5;ext=1\r\nhel' },
    { headers: line('Transfer-Encoding: chunked') + line('Content-Length: 3'), body: '3\r\nabc\r\n0\r\n\r\n' },
    { headers: line('Transfer-Encoding: gzip, chunked'), body: '0\r\n\r\n' },
  ),
);
const rawRequest = fc.record({ method, target, version, hostHeader: fc.boolean(), headers: fc.array(header, { maxLength: 5 }), framing });
type RawRequest = typeof rawRequest extends fc.Arbitrary<infer T> ? T : never;

function render(request: RawRequest): Buffer {
  const head =
    line(`${request.method} ${request.target} ${request.version}`) +
    (request.hostHeader ? line('Host: 127.0.0.1') : '') +
    request.headers.join('').replaceAll('{{KEY}}', API_KEY) +
    request.framing.headers +
    line('');
  return Buffer.from(head + request.framing.body, 'latin1');
}

/**
 * `first`: the answer to the request as sent. Later answers on the connection come from bytes read as further
 * requests (a lying Content-Length): the server cannot tell which request they belong to, so they may be bare.
 */
function responseProblems(
  response: RawResponse,
  errorSchema: LoadedSpec,
  { headRequest, first }: { headRequest: boolean; first: boolean },
): string[] {
  const problems: string[] = [];
  const text = response.body.toString('utf8');
  if (response.status >= 500) problems.push(`answered ${response.status}`);
  let body: unknown;
  if (response.status >= 400 && !headRequest && (first || text !== '')) {
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(
        `a ${response.status} without a JSON body (${response.headers.get('content-type') ?? 'no Content-Type'}): ${JSON.stringify(text.slice(0, 100))}`,
      );
    }
    const validate = errorSchema.validatorAt('/components/schemas/Error');
    if (body !== undefined && !validate(body))
      problems.push(`a ${response.status} whose body is not the API's error object: ${text.slice(0, 200)}`);
  }
  return [...problems, ...internalsShownIn(text, body)];
}

interface SocketTarget {
  name: string;
  server: RunningServer;
  spec: LoadedSpec;
  healthCheck: { path: string; headers: Record<string, string> };
}

const targets: SocketTarget[] = [];
let adapter: AdapterTarget | undefined;

beforeAll(async () => {
  const mock = createMockTarget();
  const mockServer = await listen(mock.app, LIMITS);
  targets.push({ name: 'mock', server: mockServer, spec: loadSpec('spec/openbom.yaml'), healthCheck: { path: '/catalogs', headers: {} } });
  adapter = await createAdapterTarget();
  const adapterServer = await listen(adapter.app, LIMITS);
  targets.push({
    name: 'adapter',
    server: adapterServer,
    spec: loadSpec('spec/jakamo-file-callback.yaml'),
    healthCheck: { path: '/materials/documents?materialId=55-554354', headers: { [API_KEY_HEADER]: API_KEY } },
  });
});

afterAll(async () => {
  await Promise.all(targets.map((t) => t.server.close()));
  await adapter?.close();
});

describe('fuzz: raw requests on real sockets', () => {
  it(
    'every answer parses as HTTP, is no 5xx, carries errors as JSON in the API shape, and the servers keep serving',
    { timeout: fuzzTimeoutMs },
    async () => {
      const cases = fc.tuple(fc.nat(targets.length - 1), rawRequest);
      await fuzz('socket', cases, async ([index, request]) => {
        const socketTarget = targets[index]!;
        const { data } = await exchange(socketTarget.server.port, render(request));
        if (data.length === 0) return 'closed';
        const headRequest = request.method === 'HEAD';
        const responses = parseResponses(data, headRequest);
        const problems = responses.flatMap((response, index) =>
          responseProblems(response, socketTarget.spec, { headRequest, first: index === 0 }),
        );
        if (problems.length > 0)
          throw new Error(
            `${socketTarget.name}: ${problems.join('\n  ')}\n  → ${JSON.stringify(data.subarray(0, 600).toString('latin1'))}`,
          );
        return responses[0]?.status ?? 'closed';
      });
      for (const { server, healthCheck } of targets) {
        const response = await fetch(`${server.url}${healthCheck.path}`, { headers: healthCheck.headers });
        expect(response.status).toBeLessThan(500);
        await response.body?.cancel();
      }
    },
  );
});
