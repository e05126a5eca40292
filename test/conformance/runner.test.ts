/** The runner: cannot-run cases, selection, concurrency, timeouts, masking and what a report records. */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CannotRunError, checkIds, exitCodeFor, runConformance, type Progress } from '../../conformance/index.js';
import { listen } from '../../src/shared/server.js';
import { mask } from '../../src/shared/secrets.js';
import { API_KEY, idsWith, referenceOptions, withReference } from './helpers.js';
import { createReferenceApp } from './reference-server.js';

const urlOf = (input: RequestInfo | URL): string => (input instanceof Request ? input.url : input instanceof URL ? input.href : input);

/** The reference app answered in-process under any base URL; no socket, no traffic. */
function inProcessFetch(options: Parameters<typeof createReferenceApp>[0] = { apiKey: API_KEY }): typeof fetch {
  const app = createReferenceApp(options);
  return (input, init) => Promise.resolve(app.request(urlOf(input), init as RequestInit));
}

/** Why a signal aborted, as the Error fetch rejects with (a TimeoutError DOMException for AbortSignal.timeout). */
function abortReason(signal: AbortSignal | null | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** A fetch that never answers `matching` URLs until the request's own timeout aborts it. */
function hangingFetch(matching: (url: string) => boolean, otherwise: typeof fetch): typeof fetch {
  return (input, init) => {
    if (!matching(urlOf(input))) return otherwise(input, init);
    return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(abortReason(init.signal))));
  };
}

async function freePort(): Promise<number> {
  const server = await listen({ fetch: () => new Response('') });
  await server.close();
  return server.port;
}

describe('when the suite cannot run', () => {
  it('nothing listening is one "cannot run" error, not a list of failures', async () => {
    const port = await freePort();
    const run = runConformance(referenceOptions(`http://127.0.0.1:${port}`));
    await expect(run).rejects.toBeInstanceOf(CannotRunError);
    await expect(run).rejects.toThrow(/^cannot reach http:\/\/127\.0\.0\.1:\d+: connection refused/);
  });

  it('a DNS failure is a "cannot run" error', async () => {
    const dnsFailure: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND plm.invalid'), { code: 'ENOTFOUND' }) }),
      );
    await expect(runConformance(referenceOptions('https://plm.invalid', { fetch: dnsFailure }))).rejects.toThrow(/host not found/);
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['ftp://files.example.com', /not an http/],
    ['https://user:pw@plm.example.com', /credentials/],
    ['https://plm.example.com/api?x=1', /query or fragment/],
  ])('the base URL %s is refused', async (baseUrl, message) => {
    await expect(runConformance(referenceOptions(baseUrl, { fetch: inProcessFetch() }))).rejects.toThrow(message);
  });

  it('unknown --only ids are named', async () => {
    const run = runConformance(
      referenceOptions('https://plm.example.com', { fetch: inProcessFetch(), only: ['listing.status', 'listing.bogus', 'nope.*'] }),
    );
    await expect(run).rejects.toThrow(/unknown check id\(s\): listing\.bogus, nope\.\*/);
  });

  it('missing key or material, or a bad header name, cannot run', async () => {
    const fetch = inProcessFetch();
    await expect(runConformance(referenceOptions('https://plm.example.com', { fetch, apiKey: '' }))).rejects.toThrow(/API key is required/);
    await expect(runConformance(referenceOptions('https://plm.example.com', { fetch, material: '' }))).rejects.toThrow(/material/);
    await expect(runConformance(referenceOptions('https://plm.example.com', { fetch, apiKeyHeader: 'X API KEY' }))).rejects.toThrow(
      /header name/,
    );
  });
});

describe('selection and scheduling', () => {
  it('--only reports just the chosen checks, running what they need behind the scenes', async () => {
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch: inProcessFetch(), only: ['links.download'] }));
    expect(report.results.map((r) => r.id)).toEqual(['links.download']);
    expect(report.results[0]?.status).toBe('pass');
  });

  it('a trailing * selects a family', async () => {
    const report = await runConformance(
      referenceOptions('https://plm.example.com', { fetch: inProcessFetch(), only: ['input.hostile-*'] }),
    );
    expect(report.results.map((r) => r.id)).toEqual(checkIds().filter((id) => id.startsWith('input.hostile-')));
    expect(report.results.length).toBe(6);
  });

  it('a check whose dependency failed is skipped, naming the root cause', async () => {
    const report = await runConformance(
      referenceOptions('https://plm.example.com', { fetch: inProcessFetch({ apiKey: API_KEY, defect: 'html-body' }) }),
    );
    expect(report.results.find((r) => r.id === 'links.download')?.message).toBe('not run: listing.json failed');
  });

  it('runs checks concurrently, never more than 6 requests in flight', async () => {
    const app = createReferenceApp({ apiKey: API_KEY });
    let inFlight = 0;
    let peak = 0;
    const server = await listen({
      fetch: async (request) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        try {
          return await app.fetch(request);
        } finally {
          inFlight--;
        }
      },
    });
    try {
      const report = await runConformance(referenceOptions(server.url));
      expect(report.summary.failed).toBe(0);
      expect(peak).toBeGreaterThan(1);
      expect(peak).toBeLessThanOrEqual(6);
    } finally {
      await server.close();
    }
  });

  it('reports progress once per check', async () => {
    const seen: Progress[] = [];
    const report = await runConformance(
      referenceOptions('https://plm.example.com', { fetch: inProcessFetch(), onProgress: (p) => seen.push(p) }),
    );
    expect(seen.map((p) => p.done)).toEqual(report.results.map((_, i) => i + 1));
    expect(new Set(seen.map((p) => p.total))).toEqual(new Set([report.results.length]));
  });
});

describe('timeouts', () => {
  it('a request that never answers fails its check after the timeout; the run goes on', async () => {
    const fetch = hangingFetch((url) => url.includes('NOSUCHITEM'), inProcessFetch());
    const started = performance.now();
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch, timeoutMs: 150 }));
    expect(performance.now() - started).toBeLessThan(3000);
    const unknown = report.results.find((r) => r.id === 'unknown.empty-list')!;
    expect(unknown.status).toBe('fail');
    expect(unknown.message).toMatch(/no complete answer within 150 ms/);
    expect(unknown.response).toBeUndefined();
    expect(unknown.request?.url).toContain('NOSUCHITEM');
  });

  it('a server that drops every connection is reported as failures, not "cannot run"', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    try {
      const { port } = server.address() as AddressInfo;
      const report = await runConformance(referenceOptions(`http://127.0.0.1:${port}`, { only: ['listing.status'] }));
      expect(report.results[0]).toMatchObject({
        status: 'fail',
        message: expect.stringMatching(/^the listing got no answer: (the server closed the connection|connection reset)/),
      });
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });

  /** A raw TCP server answering every connection with `answer(socket)`; closed by the caller. */
  async function rawServer(answer: (socket: import('node:net').Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
    const server = createServer(answer);
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, close: () => new Promise((closed) => server.close(() => closed())) };
  }

  it.each([
    [
      'a Content-Length that is not a number',
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: lots\r\n\r\n{"data":[]}',
      /malformed HTTP answer/,
    ],
    ['a status line that is not HTTP', 'HTTP/1.1 2OO OK\r\n\r\n', /malformed HTTP answer/],
    [
      'a body shorter than its Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"data":[',
      /closed the connection before the answer was complete/,
    ],
  ])('a server that answers with %s fails listing.status (exit 1), not "cannot run"', async (_what, answer, message) => {
    const server = await rawServer((socket) => socket.on('data', () => socket.end(answer)));
    try {
      const report = await runConformance(referenceOptions(server.url, { only: ['listing.status'] }));
      expect(report.results[0]).toMatchObject({
        status: 'fail',
        message: expect.stringMatching(message),
        jakamoUserSees: expect.stringContaining('Unable to display files'),
      });
      expect(exitCodeFor(report)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('--timeout bounds a body that trickles forever', async () => {
    const server = await rawServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
        // One byte at a time, never the last chunk: only the suite's own timeout ends this.
        const drip = setInterval(() => socket.write('1\r\n \r\n'), 20);
        socket.on('close', () => clearInterval(drip));
        socket.on('error', () => clearInterval(drip));
      });
    });
    try {
      const report = await runConformance(referenceOptions(server.url, { only: ['listing.status'], timeoutMs: 300 }));
      expect(report.results[0]?.message).toMatch(/no answer: no complete answer within 300 ms/);
    } finally {
      await server.close();
    }
  });

  it('a server that accepts but never answers is reported as failures, not "cannot run"', async () => {
    const fetch = hangingFetch(() => true, inProcessFetch());
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch, timeoutMs: 50 }));
    expect(report.results.find((r) => r.id === 'listing.status')?.message).toMatch(/no answer: no complete answer within 50 ms/);
    expect(exitCodeFor(report)).toBe(1);
  });
});

describe('what the report records', () => {
  it('masks the API key in headers, URLs and bodies', async () => {
    const report = await withReference({ defect: 'key-echo' }, (server) =>
      runConformance(referenceOptions(server.url, { unknownMaterial: `lookup-${API_KEY}` })),
    );
    const text = JSON.stringify(report);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(encodeURIComponent(API_KEY));
    const listing = report.results.find((r) => r.id === 'listing.status')!;
    expect(listing.request?.headers['X-API-KEY']).toBe(mask(API_KEY));
    expect(report.results.find((r) => r.id === 'unknown.empty-list')?.request?.url).toContain(`lookup-${mask(API_KEY)}`);
    const echoed = report.results.find((r) => r.id === 'input.missing-material')!;
    expect(echoed.message).toMatch(/shows the API key: your server shows your Jakamo API key to anyone who asks/);
    expect(echoed.response?.body).toContain(mask(API_KEY));
  });

  it('cuts long bodies and describes binary ones', async () => {
    const reference = inProcessFetch();
    const padded: typeof fetch = async (input, init) =>
      urlOf(input).includes('NOSUCHITEM') ? Response.json({ data: [], padding: 'x'.repeat(100_000) }) : reference(input, init);
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch: padded }));
    const unknown = report.results.find((r) => r.id === 'unknown.empty-list')!;
    expect(unknown.status).toBe('pass');
    expect(unknown.response?.body.length).toBe(4096);
    expect(unknown.response).toMatchObject({
      truncated: true,
      bodyBytes: JSON.stringify({ data: [], padding: 'x'.repeat(100_000) }).length,
    });
    const download = report.results.find((r) => r.id === 'links.download')!;
    expect(download.response?.body).toMatch(/^\[\d+ bytes of application\/pdf content\]$/);
  });

  it('records request, response, title, why and duration on results', async () => {
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch: inProcessFetch() }));
    const listing = report.results[0]!;
    expect(Object.keys(listing)).toEqual(['id', 'severity', 'status', 'title', 'message', 'why', 'request', 'response', 'durationMs']);
    expect(listing.request).toMatchObject({
      method: 'GET',
      url: 'https://plm.example.com/materials/documents?materialId=55-554354&revision=120',
    });
    expect(listing.response?.status).toBe(200);
  });
});

describe('transport.https', () => {
  it('passes for https and for loopback http, warns for plain http elsewhere', async () => {
    const only = ['transport.https'];
    const https = await runConformance(referenceOptions('https://plm.example.com', { fetch: inProcessFetch(), only }));
    expect(idsWith(https, 'pass')).toEqual(only);
    const plain = await runConformance(referenceOptions('http://plm.example.com', { fetch: inProcessFetch(), only }));
    expect(plain.summary).toMatchObject({ failed: 0, warnings: 1 });
    expect(plain.results[0]?.jakamoUserSees).toMatch(/unencrypted/);
    const local = await runConformance(referenceOptions('http://localhost:9', { fetch: inProcessFetch(), only }));
    expect(local.summary.passed).toBe(1);
  });
});

describe('downloads behind a redirect', () => {
  /** The reference app, except that downloads redirect to `target` (absolute or relative); `storage` answers anything off the base origin. */
  function redirectingFetch(target: string, seenByStorage: Headers[]): typeof fetch {
    const reference = inProcessFetch();
    return async (input, init) => {
      const url = new URL(urlOf(input));
      if (url.origin !== 'https://plm.example.com') {
        seenByStorage.push(new Headers(init?.headers));
        return new Response('%PDF-1.4 stored', { headers: { 'content-type': 'application/pdf' } });
      }
      const hasKey = new Headers(init?.headers).get('X-API-KEY') === API_KEY;
      if (url.pathname.startsWith('/files/') && hasKey) return new Response(null, { status: 302, headers: { location: target } });
      return reference(input, init);
    };
  }

  it('follows a redirect to signed storage without sending the key there', async () => {
    const seenByStorage: Headers[] = [];
    const fetch = redirectingFetch('https://storage.example.net/bucket/File1.pdf?signature=abc', seenByStorage);
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch, only: ['links.download'] }));
    expect(report.results[0]).toMatchObject({
      status: 'pass',
      message: '2 link(s) download whole with the key (30 bytes, 2 through a redirect)',
    });
    expect(seenByStorage).toHaveLength(2);
    for (const headers of seenByStorage) expect(headers.get('X-API-KEY')).toBeNull();
  });

  it('fails a download that redirects to a login page', async () => {
    const fetch = redirectingFetch('/login?next=%2Ffiles', []);
    const report = await runConformance(referenceOptions('https://plm.example.com', { fetch, only: ['links.download'] }));
    expect(report.results[0]).toMatchObject({ status: 'fail', jakamoUserSees: '"Could not download file."' });
    expect(report.results[0]?.message).toMatch(/redirected to a login page \(https:\/\/plm\.example\.com\/login/);
  });
});
