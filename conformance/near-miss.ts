/**
 * Credentials that are almost the key: what a lenient comparison lets through. Each must be refused like a wrong key.
 * MUST: values that do not prove knowledge of the key (a part of it, another case, one character off, empty) — a
 * server accepting them lets someone who does not hold the key in, or guess it piece by piece.
 * SHOULD: the key itself, but not where or how the contract puts it (in the query, as a bearer token, padded, twice):
 * accepting these is no hole, but shows a comparison that is not exact, and keys in URLs end up in access logs.
 * See conformance/README.md, "Near-miss keys".
 */
import type { Severity } from './types.js';

export interface NearMiss {
  /** What was sent, for messages ("the key without its last character"). */
  label: string;
  severity: Severity;
  /** Headers sent instead of the key header (a name may repeat). */
  headers: Array<[string, string]>;
  /** Query parameters added to the URL. */
  query?: Record<string, string>;
}

/** One character that differs from `char` (and stays a printable, header-safe character). */
function other(char: string): string {
  return char === 'x' ? 'y' : 'x';
}

function swapCase(text: string): string {
  return [...text].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join('');
}

export function nearMisses(key: string, header: string): NearMiss[] {
  const must = (label: string, value: string): NearMiss => ({ label, severity: 'MUST', headers: [[header, value]] });
  const should = (label: string, miss: Omit<NearMiss, 'label' | 'severity'>): NearMiss => ({ label, severity: 'SHOULD', ...miss });
  const misses: NearMiss[] = [
    must('an empty key', ''),
    must('the key without its last character', key.slice(0, -1)),
    must('the first half of the key', key.slice(0, Math.ceil(key.length / 2))),
    must('the key without its first character', key.slice(1)),
    must('the key with its last character changed', key.slice(0, -1) + other(key.slice(-1))),
    must('the key with its first character changed', other(key[0] ?? '') + key.slice(1)),
  ];
  const swapped = swapCase(key);
  if (swapped !== key) misses.push(must('the key in another letter case', swapped));
  misses.push(
    should('the key with a character added', { headers: [[header, `${key}x`]] }),
    should('the key with a space inside', { headers: [[header, `${key.slice(0, 1)} ${key.slice(1)}`]] }),
    should('a wrong key and the key in two header lines', {
      headers: [
        [header, `${other(key[0] ?? '')}${key.slice(1)}`],
        [header, key],
      ],
    }),
    should('the key in the query string instead of the header', { headers: [], query: { [header]: key, api_key: key, apiKey: key } }),
    should('the key as "Authorization: Bearer" instead of its header', { headers: [['authorization', `Bearer ${key}`]] }),
  );
  // A very short key can make two near misses the same request, or a MUST one the key itself: leave those out.
  const seen = new Set<string>();
  return misses.filter((miss) => {
    const id = JSON.stringify([miss.headers, miss.query]);
    const isTheKey = miss.severity === 'MUST' && miss.headers.some(([, value]) => value === key);
    if (isTheKey || seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** `url` with `query` appended. */
export function withQuery(url: string, query: Record<string, string> | undefined): string {
  if (!query) return url;
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.append(name, value);
  return target.href;
}
