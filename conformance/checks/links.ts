/**
 * The links of the listing: on the base URL's origin, downloadable with the key, refused without it.
 * The API key is only ever sent to the base URL's origin, never to a link elsewhere.
 */
import type { CheckContext } from '../context.js';
import { sameOrigin, type Auth, type Exchange } from '../http.js';
import type { Document } from '../schema.js';
import { describe, fail, isAuthRejection, isRedirect, JAKAMO, looksLikeLogin, pass, skip, statusOf, type Check, type Outcome } from './support.js';

/** Links checked per check; a listing with hundreds of files is sampled, not downloaded whole. */
const MAX_LINKS = 20;
/** Enough of a download to know it is there. */
const DOWNLOAD_PEEK_BYTES = 64 * 1024;
const MAX_REDIRECTS = 5;

const SAME_AUTH_RULE =
  'v1 §3: "Both the file listing query and the actual file fetching should use the same authentication method … Jakamo sends the same header on … GET {link}"; v1 §4: "Invalid or missing API key | 401 or 403".';

interface LinkSet {
  documents: Document[];
  /** Distinct links on the base URL's origin, at most MAX_LINKS. */
  local: Document[];
  sampled: boolean;
}

async function linksOf(ctx: CheckContext): Promise<LinkSet | Outcome> {
  const { documents } = await ctx.listing();
  if (documents.length === 0) return skip(`the listing of ${ctx.settings.material} has no files; give a --material that has files to check links`);
  const seen = new Set<string>();
  const local = documents.filter((d) => sameOrigin(d.link, ctx.settings.baseUrl) && !seen.has(d.link) && seen.add(d.link));
  return { documents, local: local.slice(0, MAX_LINKS), sampled: local.length > MAX_LINKS };
}

function noLocalLinks(): Outcome {
  return skip('no link is on the base URL\'s origin (see links.same-origin); the API key is not sent anywhere else');
}

const sampleNote = (links: LinkSet) => (links.sampled ? ` (the first ${MAX_LINKS} links)` : '');

/** GET a link with the key, following redirects; the key goes only to the base URL's origin. */
async function download(ctx: CheckContext, link: string): Promise<{ exchange: Exchange; hops: string[] }> {
  const hops: string[] = [];
  let url = link;
  for (;;) {
    const auth: Auth = sameOrigin(url, ctx.settings.baseUrl) ? 'key' : 'none';
    const exchange = await ctx.send({ url, auth, bodyLimit: DOWNLOAD_PEEK_BYTES });
    const location = exchange.response?.headers.location;
    if (!isRedirect(statusOf(exchange)) || !location || hops.length === MAX_REDIRECTS) return { exchange, hops };
    url = new URL(location, url).href;
    hops.push(url);
  }
}

function downloadProblem(exchange: Exchange, hops: string[]): string | undefined {
  const login = hops.find((hop) => looksLikeLogin(hop));
  if (login) return `redirected to a login page (${login})`;
  const response = exchange.response;
  if (!response) return `no answer: ${exchange.error}`;
  if (response.status !== 200) return `answered ${describe(exchange)} instead of 200`;
  if (response.bytes === 0) return 'answered 200 with an empty body';
  if (!response.contentType) return 'answered 200 without a Content-Type';
  return undefined;
}

function rejectionCheck(id: string, auth: Exclude<Auth, 'key'>, without: string): Check {
  return {
    id,
    severity: 'MUST',
    title: `A download ${without} answers 401 or 403`,
    why: SAME_AUTH_RULE,
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const links = await linksOf(ctx);
      if (!('local' in links)) return links;
      if (links.local.length === 0) return noLocalLinks();
      const exchanges = await Promise.all(links.local.map((d) => ctx.send({ url: d.link, auth, bodyLimit: 1024 })));
      const index = exchanges.findIndex((exchange) => !isAuthRejection(statusOf(exchange)));
      const offending = exchanges[index];
      const document = links.local[index];
      if (!offending || !document) return pass(`${exchanges.length} link(s)${sampleNote(links)} answer 401 or 403 ${without}`, exchanges[0]);
      const status = statusOf(offending);
      if (status !== undefined && status >= 200 && status < 300) {
        return fail(
          `${document.fileName} downloads ${without} (${describe(offending)}): anyone who has the link can fetch the file`,
          `${JAKAMO.downloadFailed} never appears — the file downloads as usual, but also for anyone without a valid key`,
          offending,
        );
      }
      const redirect = isRedirect(status) ? ` (a redirect${looksLikeLogin(offending.response?.headers.location) ? ' to a login page' : ''})` : '';
      return fail(`${document.fileName} ${without}: ${describe(offending)}${redirect} instead of 401 or 403`, JAKAMO.downloadFailed, offending);
    },
  };
}

export const linkChecks: Check[] = [
  {
    id: 'links.same-origin',
    // v1 says links "should" share the base domain: a recommendation, so a warning unless --strict.
    severity: 'SHOULD',
    title: 'Every link is on the base URL\'s origin',
    why: 'v1 §1: "Links should point to the same base domain as the initial query and have the same authentication method"; v1 §3: Jakamo sends the API key header on GET {link} — a link on another origin (scheme, host or port) hands the key to another server, or fails.',
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const links = await linksOf(ctx);
      if (!('local' in links)) return links;
      const { exchange } = await ctx.listing();
      const foreign = links.documents.filter((d) => !sameOrigin(d.link, ctx.settings.baseUrl));
      if (foreign.length === 0) return pass(`all ${links.documents.length} link(s) are on ${new URL(ctx.settings.baseUrl).origin}`, exchange);
      const examples = foreign.slice(0, 3).map((d) => d.link).join(', ');
      return fail(
        `${foreign.length} of ${links.documents.length} link(s) are not on ${new URL(ctx.settings.baseUrl).origin}: ${examples}`,
        `${JAKAMO.downloadFailed} — or, if the other server accepts it, your API key has been sent to it`,
        exchange,
      );
    },
  },
  {
    id: 'links.download',
    severity: 'MUST',
    title: 'Every link downloads with the key: 200, a body, a Content-Type',
    why: `v1 §4: link is the "URL Jakamo calls to download the file (same auth header as the listing)"; "When the user downloads a file, Jakamo calls the link URL with the same API key header. If that request fails, the user sees: Could not download file."`,
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const links = await linksOf(ctx);
      if (!('local' in links)) return links;
      if (links.local.length === 0) return noLocalLinks();
      const downloads = await Promise.all(links.local.map((d) => download(ctx, d.link)));
      for (const [index, { exchange, hops }] of downloads.entries()) {
        const problem = downloadProblem(exchange, hops);
        if (problem) return fail(`${links.local[index]?.fileName}: ${problem}`, JAKAMO.downloadFailed, exchange);
      }
      const redirected = downloads.filter((d) => d.hops.length > 0).length;
      const note = redirected > 0 ? `, ${redirected} through a redirect` : '';
      return pass(`${downloads.length} link(s)${sampleNote(links)} download with the key${note}`, downloads[0]?.exchange);
    },
  },
  rejectionCheck('links.download-missing-key', 'none', 'without the API key'),
  rejectionCheck('links.download-wrong-key', 'wrong-key', 'with a wrong API key'),
];
