/** The listing without the key and with a wrong key: 401 or 403, never "no files", never a login page. */
import type { CheckContext } from '../context.js';
import type { Auth, Exchange } from '../http.js';
import type { Severity } from '../types.js';
import {
  describe,
  fail,
  isAuthRejection,
  isRedirect,
  JAKAMO,
  looksLikeLogin,
  nearMissesOf,
  pass,
  sendNearMiss,
  statusOf,
  type Check,
  type Outcome,
} from './support.js';

const AUTH_RULE =
  'v1 §4: "Invalid or missing API key | 401 or 403"; "If authentication fails, return 401 or 403. Returning 200 with { "data": [] } will look like “no files” in Jakamo, which is misleading."; v2: "All requests to the API must be authenticated."';

const WITHOUT: Record<Exclude<Auth, 'key'>, string> = { none: 'without the API key', 'wrong-key': 'with a wrong API key' };

function unauthorisedListing(ctx: CheckContext, auth: Exclude<Auth, 'key'>): Promise<Exchange> {
  const { material, revision } = ctx.settings;
  return ctx.sendOnce({ url: ctx.listingUrl({ materialId: material, revision }), auth });
}

function rejectionCheck(id: string, auth: Exclude<Auth, 'key'>): Check {
  const without = WITHOUT[auth];
  return {
    id,
    severity: 'MUST',
    title: `The listing ${without} answers 401 or 403`,
    why: AUTH_RULE,
    async run(ctx) {
      const exchange = await unauthorisedListing(ctx, auth);
      return judgeRejection(ctx, exchange, without);
    },
  };
}

function judgeRejection(ctx: CheckContext, exchange: Exchange, without: string): Outcome {
  const status = statusOf(exchange);
  if (isAuthRejection(status)) return pass(`${status} ${without}`, exchange);
  if (status === undefined) return fail(`no answer ${without}: ${exchange.error}`, JAKAMO.unavailable, exchange);
  if (status >= 200 && status < 300) {
    const listing = ctx.readListing(exchange);
    if (listing.problems.length === 0 && listing.jsonError === undefined && listing.documents.length === 0) {
      return fail(
        `200 with an empty list ${without}: a key problem looks like "no files", which is misleading; answer 401 or 403`,
        `${JAKAMO.noFiles} — a broken key looks like a missing drawing, so nobody checks the key`,
        exchange,
      );
    }
    if (listing.documents.length > 0) {
      return fail(
        `the files are listed ${without} (${listing.documents.length} file(s)): anyone can list them`,
        'The file list as usual — but anyone, not only Jakamo, can list the files without a valid key',
        exchange,
      );
    }
  }
  if (isRedirect(status)) {
    const location = exchange.response?.headers.location;
    const target = looksLikeLogin(location) ? 'a login page' : 'another page';
    return fail(
      `redirects ${without} to ${target} (${location ?? 'no Location'}) instead of answering 401 or 403`,
      JAKAMO.unavailable,
      exchange,
    );
  }
  return fail(`answered ${describe(exchange)} ${without} instead of 401 or 403`, JAKAMO.unavailable, exchange);
}

const NEAR_MISS_WHY: Record<Severity, string> = {
  MUST: `${AUTH_RULE} The key is compared exactly: a part of it, another letter case or one character off is a wrong key. A server that accepts those lets in whoever does not hold the key, or lets them guess it piece by piece.`,
  SHOULD: `${AUTH_RULE} v1 §3: "API key authentication in a header", configured as api_key_header and api_key. The key anywhere else (the query string, a bearer token) or padded is not what Jakamo sends; accepting it is no hole, but keys in URLs end up in access logs and proxies, and a lenient comparison rarely comes alone.`,
};

function nearMissCheck(id: string, severity: Severity, title: string): Check {
  return {
    id,
    severity,
    title,
    why: NEAR_MISS_WHY[severity],
    budgetRequests: 20,
    async run(ctx) {
      const { material, revision } = ctx.settings;
      const misses = nearMissesOf(ctx, severity);
      const exchanges = await Promise.all(
        misses.map((miss) => sendNearMiss(ctx, miss, { url: ctx.listingUrl({ materialId: material, revision }) })),
      );
      for (const [index, exchange] of exchanges.entries()) {
        const outcome = judgeRejection(ctx, exchange, `with ${misses[index]?.label}`);
        if (outcome.status !== 'pass') return outcome;
      }
      return pass(
        `${exchanges.length} near miss(es) of the key all answered 401 or 403: ${misses.map((m) => m.label).join('; ')}`,
        exchanges[0],
      );
    },
  };
}

export const authChecks: Check[] = [
  rejectionCheck('auth.missing-key', 'none'),
  rejectionCheck('auth.wrong-key', 'wrong-key'),
  nearMissCheck(
    'auth.near-miss-key',
    'MUST',
    'The listing with almost the key (a part of it, another case, one character off, empty) answers 401 or 403',
  ),
  nearMissCheck(
    'auth.key-elsewhere',
    'SHOULD',
    'The listing with the key in the query, as a bearer token, padded or doubled answers 401 or 403',
  ),
  {
    id: 'auth.no-login-redirect',
    severity: 'MUST',
    title: 'A missing or wrong key is not redirected to a login page',
    why: `${AUTH_RULE} Jakamo calls the API as a machine (v1 §3, API key in a header): it cannot sign in, so a redirect to a login page ends in an HTML page instead of JSON, and nobody sees that the key is the problem.`,
    async run(ctx) {
      const exchanges = await Promise.all([unauthorisedListing(ctx, 'none'), unauthorisedListing(ctx, 'wrong-key')]);
      const redirected = exchanges.find((exchange) => isRedirect(statusOf(exchange)));
      if (!redirected) return pass('no redirect without the key or with a wrong key', exchanges[0]);
      const location = redirected.response?.headers.location ?? 'no Location';
      const without = redirected.request.headers[ctx.settings.apiKeyHeader] === undefined ? WITHOUT.none : WITHOUT['wrong-key'];
      const kind = looksLikeLogin(location) ? 'a login page' : 'another page';
      return fail(`${without}, the listing redirects (${statusOf(redirected)}) to ${kind}: ${location}`, JAKAMO.unavailable, redirected);
    },
  },
];
