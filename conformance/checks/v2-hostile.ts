/**
 * Hostile v2 request bodies: huge, deeply nested, of the wrong types, not UTF-8. Jakamo (or anyone holding the key)
 * can send any body; the server must answer each one without failing (a 5xx invites Jakamo to retry the same
 * request, v2), without a stack trace and without the key. Bodies of the wrong types must be refused (4xx).
 * Whatever a lenient server stores is deleted again (every file name carries the check's marker).
 */
import { describe, failUnseen, pass, statusOf, type Check } from './support.js';
import { collectionUrl, keptNote, markerFor, removeMarked, sent, serverFailure, V2_RULES } from './v2-support.js';

interface HostileBody {
  label: string;
  body: string | Uint8Array<ArrayBuffer>;
  contentType?: string;
}

const HELLO = Buffer.from('hello').toString('base64');
const MIB = 1024 * 1024;
const NESTING = 10_000;

const json = (value: unknown) => JSON.stringify(value);
const bytes = (...parts: Array<string | number[]>) =>
  new Uint8Array(Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part)))));

function hostileCheck(id: string, title: string, bodies: (marker: string) => HostileBody[], { requireClientError = false } = {}): Check {
  const slug = id.slice('v2.'.length);
  return {
    id,
    severity: 'MUST',
    // Up to 18 bodies, 6 at a time, then the clean-up.
    budgetRequests: 30,
    title,
    why: `${V2_RULES.badRequest} ${V2_RULES.retries} ${V2_RULES.errors}`,
    async run(ctx) {
      const marker = markerFor(ctx, slug);
      const sentBodies = bodies(marker);
      const exchanges = await Promise.all(
        sentBodies.map(({ body, contentType }) =>
          ctx.send({ url: collectionUrl(ctx), auth: 'key', method: 'POST', body, contentType: contentType ?? 'application/json' }),
        ),
      );
      const cleanUp = await removeMarked(ctx, marker);
      const note = keptNote(cleanUp);
      for (const [index, exchange] of exchanges.entries()) {
        const label = sentBodies[index]?.label ?? '';
        const failure = serverFailure(ctx, exchange);
        if (failure) return failUnseen(`${sent(exchange)} with ${label}: ${failure}${note}`, exchange);
        const status = statusOf(exchange) ?? 0;
        if (requireClientError && (status < 400 || status >= 500)) {
          return failUnseen(`${sent(exchange)} with ${label}: ${describe(exchange)} instead of a 4xx for an invalid body${note}`, exchange);
        }
      }
      const statuses = [...new Set(exchanges.map((exchange) => statusOf(exchange)))].join(', ');
      return pass(`${exchanges.length} bodies answered ${statuses}, no 5xx, no trace or key in any answer${note}`, exchanges[0]);
    },
  };
}

export const v2HostileChecks: Check[] = [
  hostileCheck('v2.hostile-huge', 'Huge bodies do not break the server', (marker) => [
    { label: 'a fileName of 1 MiB', body: json({ fileName: `${marker}${'A'.repeat(MIB)}.txt`, base64EncodedContents: HELLO }) },
    {
      label: '20000 metaData entries',
      body: json({
        fileName: `${marker}many.txt`,
        base64EncodedContents: HELLO,
        metaData: Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, value: 'v' })),
      }),
    },
    {
      label: 'a metaData value of 1 MiB',
      body: json({ fileName: `${marker}long.txt`, base64EncodedContents: HELLO, metaData: [{ key: 'note', value: 'v'.repeat(MIB) }] }),
    },
    {
      label: 'an unknown property of 4 MiB',
      body: json({ fileName: `${marker}extra.txt`, base64EncodedContents: HELLO, extra: 'x'.repeat(4 * MIB) }),
    },
  ]),
  hostileCheck('v2.hostile-nested', 'Deeply nested bodies do not break the server', (marker) => [
    {
      label: `metaData nested ${NESTING} arrays deep`,
      body: `{"fileName":${json(`${marker}a.txt`)},"base64EncodedContents":"${HELLO}","metaData":${'['.repeat(NESTING)}${']'.repeat(NESTING)}}`,
    },
    {
      label: `a fileName nested ${NESTING} objects deep`,
      body: `{"fileName":${'{"a":'.repeat(NESTING)}null${'}'.repeat(NESTING)},"base64EncodedContents":"${HELLO}"}`,
    },
    { label: '100000 unclosed brackets', body: '['.repeat(100_000) },
  ]),
  hostileCheck(
    'v2.hostile-types',
    'Bodies of the wrong types answer 4xx, never 5xx',
    (marker) => {
      const named = (suffix: string, fields: Record<string, unknown>) =>
        json({ fileName: `${marker}${suffix}.txt`, base64EncodedContents: HELLO, ...fields });
      return [
        { label: 'fileName 42', body: json({ fileName: 42, base64EncodedContents: HELLO }) },
        { label: 'fileName null', body: json({ fileName: null, base64EncodedContents: HELLO }) },
        { label: 'fileName ["a.txt"]', body: json({ fileName: [`${marker}a.txt`], base64EncodedContents: HELLO }) },
        { label: 'fileName {"name": …}', body: json({ fileName: { name: `${marker}a.txt` }, base64EncodedContents: HELLO }) },
        { label: 'base64EncodedContents 42', body: named('b', { base64EncodedContents: 42 }) },
        { label: 'base64EncodedContents {}', body: named('c', { base64EncodedContents: {} }) },
        { label: 'no base64EncodedContents', body: json({ fileName: `${marker}d.txt` }) },
        { label: 'metaData "validTo=2024-05-05"', body: named('e', { metaData: 'validTo=2024-05-05' }) },
        { label: 'metaData {"key", "value"}', body: named('f', { metaData: { key: 'validTo', value: '2024-05-05' } }) },
        { label: 'metaData [null]', body: named('g', { metaData: [null] }) },
        { label: 'metaData [{"key": 1, "value": true}]', body: named('h', { metaData: [{ key: 1, value: true }] }) },
        { label: 'metaData [["validTo", "2024-05-05"]]', body: named('i', { metaData: [['validTo', '2024-05-05']] }) },
        { label: 'a JSON array', body: json([{ fileName: `${marker}j.txt`, base64EncodedContents: HELLO }]) },
        { label: 'a JSON string', body: json(`${marker}k.txt`) },
        { label: 'JSON null', body: 'null' },
        { label: 'an empty body', body: '' },
        { label: 'JSON cut short', body: `{"fileName":${json(`${marker}l.txt`)},"base64EncodedContents":` },
        {
          label: 'a form instead of JSON',
          body: `fileName=${marker}m.txt&base64EncodedContents=${HELLO}`,
          contentType: 'application/x-www-form-urlencoded',
        },
      ];
    },
    { requireClientError: true },
  ),
  hostileCheck('v2.hostile-utf8', 'Bodies that are not valid UTF-8 do not break the server', (marker) => {
    const withName = (...name: Array<string | number[]>) => bytes('{"fileName":"', ...name, `","base64EncodedContents":"${HELLO}"}`);
    return [
      { label: 'bytes FF FE in the fileName', body: withName(`${marker}a`, [0xff, 0xfe], '.txt') },
      { label: 'an overlong "/" (C0 AF) in the fileName', body: withName(`${marker}b`, [0xc0, 0xaf], 'etc.txt') },
      { label: 'a UTF-8-encoded surrogate (ED A0 80) in the fileName', body: withName(`${marker}c`, [0xed, 0xa0, 0x80], '.txt') },
      {
        label: 'a truncated sequence (E2 82) in a metaData value',
        body: bytes(
          `{"fileName":${json(`${marker}d.txt`)},"base64EncodedContents":"${HELLO}","metaData":[{"key":"price","value":"12 `,
          [0xe2, 0x82],
          '"}]}',
        ),
      },
      {
        label: 'a UTF-16 body',
        body: new Uint8Array(Buffer.from(`\ufeff${json({ fileName: `${marker}e.txt`, base64EncodedContents: HELLO })}`, 'utf16le')),
        contentType: 'application/json; charset=utf-16',
      },
    ];
  }),
];
