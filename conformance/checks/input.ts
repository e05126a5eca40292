/**
 * Odd and hostile input. materialId and revision come from free-text order line fields (v1 §2), so anything a
 * user can type — or an attacker can send — reaches the server. It must answer (a 4xx is fine), never crash
 * (5xx), never show a stack trace or framework error page, never echo the API key.
 */
import type { CheckContext, Query } from '../context.js';
import type { Exchange } from '../http.js';
import { describe, fail, JAKAMO, leakProblems, pass, statusOf, type Check } from './support.js';

const ROBUSTNESS_RULE =
  'v2: "400 - Bad request. The request was invalid" and "5xx … An error occurred in the server" — a client\'s odd input is a 4xx (or a 200), never a 5xx; v1 §2: materialId and revision are copied from order line fields, so any text can arrive; v1 §4: a 5xx shows "Unable to display files at this time. Try again later."; v1 §3: the API key is the only protection of the files, so no answer may carry it.';

interface OddInput {
  id: string;
  title: string;
  /** Raw query strings are sent byte for byte (e.g. malformed percent-encoding); records are encoded. */
  queries: (ctx: CheckContext) => Query[];
  /** A 4xx is required, not merely allowed. */
  requireClientError?: boolean;
  /** Input-specific signs of trouble in an answer. */
  extraProblems?: (exchange: Exchange) => string[];
  why?: string;
}

const enc = encodeURIComponent;

function oddInputCheck(input: OddInput): Check {
  return {
    id: input.id,
    severity: 'MUST',
    title: input.title,
    why: input.why ?? ROBUSTNESS_RULE,
    async run(ctx) {
      const queries = input.queries(ctx);
      const exchanges = await Promise.all(queries.map((query) => ctx.sendOnce({ url: ctx.listingUrl(query), auth: 'key' })));
      for (const exchange of exchanges) {
        const shown = shortQuery(exchange.request.url);
        const status = statusOf(exchange);
        if (status === undefined) return fail(`${shown}: ${describe(exchange)}`, `${JAKAMO.unavailable} for such item numbers`, exchange);
        if (status >= 500)
          return fail(`${shown}: the server failed with ${describe(exchange)}`, `${JAKAMO.unavailable} for such item numbers`, exchange);
        if (input.requireClientError && status >= 200 && status < 400) {
          return fail(
            `${shown}: ${describe(exchange)} instead of a 4xx for an invalid request`,
            'Nothing, while Jakamo always sends an item number; the answer hides a broken request from your logs',
            exchange,
          );
        }
        const problems = [...leakProblems(ctx, exchange), ...(input.extraProblems?.(exchange) ?? [])];
        if (problems.length > 0) {
          return fail(
            `${shown}: ${problems.join('; ')} (${describe(exchange)})`,
            `${JAKAMO.unavailable} — and whoever calls your API learns what it should not`,
            exchange,
          );
        }
      }
      const statuses = [...new Set(exchanges.map((e) => statusOf(e)))].join(', ');
      return pass(`${exchanges.length} request(s) answered ${statuses}, no trace or key in any answer`, exchanges[0]);
    },
  };
}

/** The query of a URL, shortened for messages. */
function shortQuery(url: string): string {
  const query = url.slice(url.indexOf('/materials/documents') + '/materials/documents'.length) || '(no query)';
  return query.length > 80 ? `${query.slice(0, 77)}…` : query;
}

const material = (ctx: CheckContext) => enc(ctx.settings.material);

export const inputChecks: Check[] = [
  oddInputCheck({
    id: 'input.missing-material',
    title: 'A request without materialId answers 4xx',
    why: `v2, Query material documents: "materialId required"; v2: "400 - Bad request. The request was invalid." ${ROBUSTNESS_RULE}`,
    queries: () => [''],
    requireClientError: true,
  }),
  oddInputCheck({
    id: 'input.empty-material',
    title: 'An empty materialId= does not break the server',
    queries: () => ['materialId='],
  }),
  oddInputCheck({
    id: 'input.hostile-long',
    title: 'Very long values do not break the server',
    queries: (ctx) => [`materialId=${'A'.repeat(5000)}`, `materialId=${material(ctx)}&revision=${'9'.repeat(5000)}`],
  }),
  oddInputCheck({
    id: 'input.hostile-unicode',
    title: 'Unicode and malformed encodings do not break the server',
    queries: (ctx) => [
      { materialId: 'Ä-測試-😀-\u202E\u0301-Ω' },
      `materialId=${material(ctx)}&revision=${enc('修订-①')}`,
      'materialId=%E0%A4%A', // truncated UTF-8 sequence
      'materialId=%FF%FE%C0%AF',
      'materialId=A%00B',
    ],
  }),
  oddInputCheck({
    id: 'input.hostile-traversal',
    title: 'Path traversal does not break the server or leak files',
    queries: (ctx) => [
      { materialId: '../../../../../../etc/passwd' },
      { materialId: '..\\..\\..\\..\\windows\\win.ini' },
      'materialId=%252e%252e%252f%252e%252e%252fetc%252fpasswd',
      `materialId=${material(ctx)}&revision=${enc('../../../../etc/passwd')}`,
    ],
    extraProblems: (exchange) =>
      /root:[^:\n]*:0:0:|\[boot loader\]|; for 16-bit app support/.test(exchange.response?.text ?? '')
        ? ['the body contains a system file']
        : [],
  }),
  oddInputCheck({
    id: 'input.hostile-quotes',
    title: 'Quotes and markup do not break the server',
    queries: (ctx) => [
      { materialId: "' OR '1'='1" },
      { materialId: '"; DROP TABLE documents; --' },
      { materialId: '"><script>alert(1)</script>' },
      { materialId: '{"$ne":null}' },
      { materialId: ctx.settings.material, revision: "1' OR ''='" },
      { materialId: '`id`${7*7}{{7*7}}' },
    ],
  }),
  oddInputCheck({
    id: 'input.hostile-crlf',
    title: 'CR/LF in values does not break the server or inject headers',
    queries: (ctx) => [
      'materialId=A%0D%0AX-Jk-Injected:%201',
      'materialId=A%0D%0A%0D%0A%3Chtml%3E',
      `materialId=${material(ctx)}&revision=1%0AX-Jk-Injected:%201`,
    ],
    extraProblems: (exchange) =>
      exchange.response?.headers['x-jk-injected'] !== undefined ? ['a header was injected into the answer'] : [],
  }),
  oddInputCheck({
    id: 'input.hostile-repeated',
    title: 'Repeated and array-style parameters do not break the server',
    queries: (ctx) => [
      `materialId=${material(ctx)}&materialId=${enc(ctx.settings.unknownMaterial)}`,
      `materialId=${material(ctx)}&revision=1&revision=2`,
      `materialId[]=${material(ctx)}`,
      `materialId[a]=1&materialId[b]=2`,
    ],
  }),
];
