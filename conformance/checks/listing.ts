/** The listing of --material: status, JSON, and the DocumentList schema from the spec. */
import { describe, fail, isAuthRejection, isRedirect, JAKAMO, pass, statusOf, type Check } from './support.js';

const GENERIC_ERROR =
  'v1 §4: "Jakamo does not show different messages for 401, 404, and 500 on the listing request — non-success responses all use the same generic text."';

export const listingChecks: Check[] = [
  {
    id: 'listing.status',
    severity: 'MUST',
    title: 'The listing of the material answers 200',
    why: `v1 §4, recommended responses: "Request OK, files found | 200 | { "data": [ ... ] }". ${GENERIC_ERROR}`,
    async run(ctx) {
      const { exchange, documents, problems, jsonError } = await ctx.listing();
      const status = statusOf(exchange);
      if (status === 200)
        return pass(
          jsonError === undefined && problems.length === 0 ? `200 with ${documents.length} file(s)` : describe(exchange),
          exchange,
        );
      if (status === undefined) return fail(`the listing got no answer: ${exchange.error}`, JAKAMO.unavailable, exchange);
      if (isRedirect(status)) {
        return fail(
          `the listing answered with a redirect (${describe(exchange)}); Jakamo queries the base URL it is configured with — configure the final URL, or serve the listing there`,
          JAKAMO.unavailable,
          exchange,
        );
      }
      const hint = isAuthRejection(status)
        ? ` although the API key was sent in ${ctx.settings.apiKeyHeader} — check the key and the header name`
        : '';
      return fail(`the listing answered ${describe(exchange)} instead of 200${hint}`, JAKAMO.unavailable, exchange);
    },
  },
  {
    id: 'listing.json',
    severity: 'MUST',
    title: 'The listing body is JSON',
    why: 'v1 §4: "If the body is not valid JSON, or required fields are missing, Jakamo shows the same generic error as for server failures."',
    dependsOn: ['listing.status'],
    async run(ctx) {
      const { exchange, jsonError } = await ctx.listing();
      if (jsonError === undefined) return pass('the body parses as JSON', exchange);
      const start = (exchange.response?.text ?? '').slice(0, 60).replace(/\s+/g, ' ');
      return fail(`the body is not JSON (${jsonError}); it starts with: ${JSON.stringify(start)}`, JAKAMO.unavailable, exchange);
    },
  },
  {
    id: 'listing.content-type',
    severity: 'SHOULD',
    title: 'The listing is labelled application/json',
    why: 'v1 §4 requires a JSON body, and the File Callback API reference (spec/jakamo-file-callback.yaml, 200 response) serves it as application/json; a JSON body labelled text/html is parsed only by clients that ignore the label.',
    dependsOn: ['listing.status'],
    async run(ctx) {
      const { exchange } = await ctx.listing();
      const contentType = exchange.response?.contentType ?? '';
      if (/^application\/([\w.-]+\+)?json\b/i.test(contentType)) return pass(`Content-Type: ${contentType}`, exchange);
      return fail(
        `Content-Type is ${contentType ? `"${contentType}"` : 'missing'} instead of application/json`,
        `Nothing unusual while Jakamo ignores the label; ${JAKAMO.unavailable} if it starts to honour it`,
        exchange,
      );
    },
  },
  {
    id: 'listing.schema',
    severity: 'MUST',
    title: 'Every listed file has fileName, description and an absolute link',
    why: 'v1 §4, "Each object in data must include": fileName (required), link (required, the URL Jakamo calls), description (required, may be ""), type (optional); "If … required fields are missing, Jakamo shows the same generic error as for server failures." Schema: spec/jakamo-file-callback.yaml DocumentList.',
    dependsOn: ['listing.json'],
    async run(ctx) {
      const { exchange, problems, documents } = await ctx.listing();
      if (problems.length === 0) return pass(`${documents.length} file(s), all valid`, exchange);
      const shown = problems.slice(0, 5).join('; ');
      const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
      return fail(`the listing does not match the DocumentList schema: ${shown}${more}`, JAKAMO.unavailable, exchange);
    },
  },
];
