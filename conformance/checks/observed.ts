/**
 * Judgements over every answer of the run, made after all other checks: the API key never comes back (in any form,
 * to any request, at any status), and no JSON answer starts with a byte order mark.
 */
import type { Exchange } from '../http.js';
import { describe, fail, KEY_SHOWN, pass, type Check } from './support.js';

const sent = (exchange: Exchange) => `${exchange.request.method} ${new URL(exchange.request.url).pathname}`;

export const observedChecks: Check[] = [
  {
    id: 'auth.key-never-returned',
    severity: 'MUST',
    title: 'No answer shows the API key (any request, any status, headers and bodies, raw or encoded)',
    why: 'v1 §3: the API key in a header is the only protection of the files ("API key authentication in a header is currently supported"); v2: "All requests to the API must be authenticated … using an api key". An answer that carries the key — an error page with debug details, a header, a cookie — hands it to whoever asked.',
    runsAlone: true,
    async run(ctx) {
      const leaks = ctx.seen.keyLeaks;
      const first = leaks[0];
      if (!first)
        return pass('no answer of this run showed the API key, whole or in part, raw, URL-, JSON-, HTML-, base64- or hex-encoded');
      const where = [...new Set(leaks.map(({ exchange }) => `${sent(exchange)} → ${exchange.response?.status}`))].slice(0, 5).join(', ');
      const encoding = first.form.encoding === 'as is' ? '' : ` (${first.form.encoding})`;
      return fail(
        `${leaks.length} answer(s) show the API key${encoding}, e.g. ${where} (${describe(first.exchange)}): ${KEY_SHOWN}`,
        `Nothing unusual — but ${KEY_SHOWN}, and with it every file Jakamo can fetch`,
        first.exchange,
      );
    },
  },
  {
    id: 'json.no-bom',
    severity: 'SHOULD',
    title: 'No JSON answer starts with a byte order mark',
    why: 'RFC 8259 §8.1: "Implementations MUST NOT add a byte order mark (U+FEFF) to the beginning of a networked-transmitted JSON text"; v1 §4: "If the body is not valid JSON … Jakamo shows the same generic error as for server failures" — a parser that follows the RFC may refuse it.',
    runsAlone: true,
    async run(ctx) {
      const first = ctx.seen.jsonWithBom[0];
      if (!first) return pass('no JSON answer of this run starts with a byte order mark');
      const where = [...new Set(ctx.seen.jsonWithBom.map(sent))].slice(0, 5).join(', ');
      return fail(
        `${ctx.seen.jsonWithBom.length} JSON answer(s) start with a UTF-8 byte order mark (EF BB BF): ${where}`,
        '"Unable to display files at this time. Try again later." if Jakamo\'s JSON parser refuses the mark',
        first,
      );
    },
  },
];
