import { describe, expect, it } from 'vitest';
import { documentDate } from '../../src/fixtures/openbom-dates.js';
import { isLoopbackHost } from '../../src/mock/command.js';
import { FaultRules, PathGlob } from '../../src/mock/faults.js';
import { Journal } from '../../src/mock/journal.js';
import { SlidingWindowLimiter } from '../../src/mock/rate-limit.js';
import { StorageSigner } from '../../src/mock/storage.js';
import { ManualClock } from '../../src/shared/clock.js';

describe('fault path globs', () => {
  it.each([
    ['/catalog/*', '/catalog/abc', true],
    ['/catalog/*', '/catalog/abc/parts', false],
    ['/catalog/*', '/catalog', false],
    ['/catalog/**', '/catalog/abc/parts', true],
    ['/catalog/**', '/catalog', true],
    ['/catalog/**', '/catalogs', false],
    ['/**', '/', true],
    ['/**', '/bom/x/revision/2', true],
    ['/bom/*/revision/*', '/bom/x/revision/2', true],
    ['/boms', '/boms', true],
    ['/boms', '/boms/byparams', false],
    ['/file.pdf', '/fileXpdf', false],
    ['/bom/(x)+', '/bom/(x)+', true],
    ['/bom/(x)+', '/bom/xx', false],
    ['/a/**/parts', '/a/b/c/parts', true],
    ['/a/**/parts', '/a/parts', false],
    ['/a*b', '/a/b', false],
    ['/*', '/', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(new PathGlob(glob).matches(path)).toBe(expected);
  });

  it('matches a pathological pattern against a long path in bounded time (a backtracking regular expression takes exponential time)', () => {
    // As a regular expression, "^/[^/]*a[^/]*a…[^/]*a$" against "/aaaa…b" backtracks through every split of the a's.
    const pattern = `/${'*a'.repeat(40)}`;
    const path = `/${'a'.repeat(8000)}b`;
    const rules = new FaultRules();
    rules.add({ path: pattern, status: 500 });
    rules.add({ path: '/**', status: 503 });
    // If matching were exponential, this call would never return and the test would time out.
    expect(rules.take('GET', path)?.status).toBe(503);
    expect(new PathGlob(pattern).matches(`/${'a'.repeat(8000)}`)).toBe(true);
  });
});

describe('sliding window limiter', () => {
  it('allows `limit` per window per key and reports when the next slot frees', () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowLimiter(3, clock);
    for (let t = 0; t < 3; t++) {
      clock.set(t * 100);
      expect(limiter.take('a')).toEqual({ allowed: true });
    }
    clock.set(250);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 750 });
    expect(limiter.take('b')).toEqual({ allowed: true });
    clock.set(1000);
    expect(limiter.take('a')).toEqual({ allowed: true });
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterMs: 100 });
  });
});

describe('journal', () => {
  it('keeps the newest entries in arrival order across wrap-around', () => {
    const journal = new Journal(3);
    for (let i = 0; i < 7; i++) journal.finish(journal.start(i * 1000, 'GET', `/p${i}`, 'api', 'app-key-123', undefined), 200);
    expect(journal.list().map((e) => e.path)).toEqual(['/p4', '/p5', '/p6']);
    expect(journal.list(5000).map((e) => e.path)).toEqual(['/p5', '/p6']);
    expect(journal.list()[0]).toMatchObject({ time: '1970-01-01T00:00:04.000Z', appKey: 'sha256:25a4f6e3', accessToken: '' });
  });
});

describe('storage signer', () => {
  it('signs per document, name and expiry; a different process secret does not verify', () => {
    const clock = new ManualClock(1_000_000);
    const signer = new StorageSigner(clock, 10);
    const url = new URL(`http://x${signer.signedPath('doc', 'a b.pdf')}`);
    expect(url.pathname).toBe('/__storage/doc/a%20b.pdf');
    const expires = url.searchParams.get('expires') ?? undefined;
    const signature = url.searchParams.get('signature') ?? undefined;
    expect(expires).toBe(String(1000 + 10));
    expect(signer.verify('doc', 'a b.pdf', expires, signature)).toBe(true);
    expect(signer.verify('doc2', 'a b.pdf', expires, signature)).toBe(false);
    expect(signer.verify('doc', 'a b.pdf', expires, signature?.toUpperCase())).toBe(false);
    expect(new StorageSigner(clock, 10).verify('doc', 'a b.pdf', expires, signature)).toBe(false);
  });
});

describe('document dates', () => {
  it('formats like the contract: "07 Aug 2018; 15:48:27 GMT"', () => {
    expect(documentDate(Date.UTC(2018, 7, 7, 15, 48, 27))).toBe('07 Aug 2018; 15:48:27 GMT');
    expect(documentDate(Date.UTC(2024, 11, 31, 3, 4, 5))).toBe('31 Dec 2024; 03:04:05 GMT');
  });
});

describe('loopback hosts (where the admin API may go unguarded)', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['example.com', false],
    ['127.0.0.1.example.com', false],
  ])('%s → %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
