import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../src/mock/faults.js';
import { Journal } from '../../src/mock/journal.js';
import { SlidingWindowLimiter } from '../../src/mock/rate-limit.js';
import { StorageSigner } from '../../src/mock/storage.js';
import { documentDate } from '../../src/mock/documents.js';
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
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
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
    expect(journal.list()[0]).toMatchObject({ time: '1970-01-01T00:00:04.000Z', appKey: 'app-****', accessToken: '' });
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
