/** Finding the API key in an answer, in the forms a careless server writes it, and removing it from reports. */
import { describe, expect, it } from 'vitest';
import { nearMisses } from '../../conformance/near-miss.js';
import { createKeyScanner, leakWindow } from '../../conformance/secrets.js';

const KEY = 'sk-live-7Hq2mZx9Lw4pR8tVb3Nc';
const ODD_KEY = 'fz-Key+/=~.42xQ-conformance';
const scanner = createKeyScanner(KEY, '****');
const odd = createKeyScanner(ODD_KEY, '****');
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the key scanner', () => {
  it.each([
    ['as is', `{"debug":{"expected":"${KEY}"}}`, 'as is'],
    ['in a header line', `x-debug-auth: expected=${KEY}`, 'as is'],
    ['a long part of it', `expected a key starting ${KEY.slice(0, leakWindow(KEY))}…`, 'as is'],
    ['its end', `…${KEY.slice(-leakWindow(KEY))}`, 'as is'],
    ['base64 on its own', `token=${b64(KEY)}`, 'base64'],
    ['base64 inside a cookie, at each alignment', `set-cookie: s=${b64(`{"k":"${KEY}"}`)}`, 'base64'],
    ['base64 shifted by one byte', b64(`x${KEY}`), 'base64'],
    ['base64 shifted by two bytes', b64(`xy${KEY}`), 'base64'],
    ['hex', Buffer.from(KEY).toString('hex'), 'hex'],
  ])('finds the key %s', (_what, text, encoding) => {
    expect(scanner.find(text)?.encoding).toBe(encoding);
  });

  it.each([
    ['URL-encoded', encodeURIComponent(ODD_KEY), 'URL-encoded'],
    ['form-encoded', new URLSearchParams({ k: ODD_KEY }).toString().slice(2), 'form-encoded'],
    ['JSON-escaped with "\\/"', JSON.stringify(ODD_KEY).replace(/\//g, '\\/'), 'JSON-escaped'],
    ['URL-safe base64', b64(`{"key":"${ODD_KEY}"}`).replace(/\+/g, '-').replace(/\//g, '_'), 'base64'],
  ])('finds a key with special characters %s', (_what, text, encoding) => {
    expect(odd.find(text)?.encoding).toBe(encoding);
  });

  it('leaves alone a masked key, a short prefix and unrelated text', () => {
    for (const text of ['X-API-KEY: ****', `key ${KEY.slice(0, 4)}****`, '{"data":[]}', KEY.slice(0, leakWindow(KEY) - 1)]) {
      expect(scanner.find(text), text).toBeUndefined();
    }
  });

  it('does not count a near-miss key the request itself sent and the answer echoes', () => {
    for (const miss of nearMisses(KEY, 'X-API-KEY')) {
      for (const [, value] of miss.headers) {
        if (value === KEY) continue;
        expect(scanner.find(`{"message":"wrong key: ${value}"}`, [value]), miss.label).toBeUndefined();
      }
    }
    // …but the real key next to it still counts.
    expect(scanner.find(`wrong key: ${KEY}x; expected ${KEY}`, [`${KEY}x`])?.encoding).toBe('as is');
  });

  it('redacts every form, so a report never carries the key', () => {
    const text = [KEY, encodeURIComponent(KEY), b64(`xy${KEY}`), Buffer.from(KEY).toString('hex'), KEY.slice(3, 3 + leakWindow(KEY))].join(
      ' | ',
    );
    const redacted = scanner.redact(text);
    expect(scanner.find(redacted)).toBeUndefined();
    expect(redacted).toContain('****');
  });
});

describe('near-miss keys', () => {
  it('are never the key itself where they must be refused, and cover parts, case and one-character changes', () => {
    const misses = nearMisses(KEY, 'X-API-KEY');
    const must = misses.filter((miss) => miss.severity === 'MUST');
    expect(must.map((miss) => miss.label)).toEqual([
      'an empty key',
      'the key without its last character',
      'the first half of the key',
      'the key without its first character',
      'the key with its last character changed',
      'the key with its first character changed',
      'the key in another letter case',
    ]);
    for (const miss of must) expect(miss.headers.map(([, value]) => value)).not.toContain(KEY);
    expect(misses.filter((miss) => miss.severity === 'SHOULD').map((miss) => miss.label)).toHaveLength(5);
  });

  it('a key without letters has no case variant; a one-character key no duplicates', () => {
    expect(nearMisses('12345678', 'X-API-KEY').map((miss) => miss.label)).not.toContain('the key in another letter case');
    const tiny = nearMisses('a', 'X-API-KEY');
    expect(new Set(tiny.map((miss) => JSON.stringify(miss.headers))).size).toBe(tiny.length);
  });
});
