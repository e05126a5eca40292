/**
 * The links of the listing: on the base URL's origin (or one declared with --allow-link-origin), downloadable with the
 * key as the whole file it promises, refused without it or with almost the key. The key is sent only to those
 * origins, never elsewhere — as Jakamo would send it to every link, a link elsewhere is itself a failure.
 */
import { parse as parseContentDisposition } from 'content-disposition';
import type { CheckContext } from '../context.js';
import type { Auth, Exchange } from '../http.js';
import type { Document } from '../schema.js';
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
  skip,
  statusOf,
  type Check,
  type Outcome,
} from './support.js';

/** Links downloaded per check; a listing with hundreds of files is sampled, not downloaded whole. */
const MAX_LINKS = 20;
/** Links each near-miss key is tried on. */
const NEAR_MISS_LINKS = 5;
/** Bytes of a download kept to judge it (signature, error page); the rest is read and counted. */
const DOWNLOAD_KEEP_BYTES = 64 * 1024;
/** Bytes of a download read at most: generous, so a real drawing is read whole, bounded, so a server cannot flood the suite. */
const DOWNLOAD_READ_CAP = 512 * 1024 * 1024;
const MAX_REDIRECTS = 5;

const SAME_AUTH_RULE =
  'v1 §3: "Both the file listing query and the actual file fetching should use the same authentication method … Jakamo sends the same header on … GET {link}"; v1 §4: "Invalid or missing API key | 401 or 403".';
const DOWNLOAD_RULE =
  'v1 §4: link is the "URL Jakamo calls to download the file (same auth header as the listing)"; "When the user downloads a file, Jakamo calls the link URL with the same API key header. If that request fails, the user sees: Could not download file."';
const NO_FILES_HINT = 'name an item that has files with --material (and --revision), so that downloads are tested';

interface LinkSet {
  documents: Document[];
  /** Distinct links the key may be sent to (base URL's origin or --allow-link-origin), at most MAX_LINKS. */
  local: Document[];
  sampled: boolean;
}

async function linksOf(ctx: CheckContext): Promise<LinkSet> {
  const { documents } = await ctx.listing();
  const seen = new Set<string>();
  const local = documents.filter((d) => ctx.trusted(d.link) && !seen.has(d.link) && seen.add(d.link));
  return { documents, local: local.slice(0, MAX_LINKS), sampled: local.length > MAX_LINKS };
}

/** Why no link can be downloaded, as a skip for the checks that need one (links.download fails for it). */
function nothingToDownload(ctx: CheckContext, links: LinkSet): Outcome | undefined {
  if (links.documents.length === 0) return skip(`the listing of ${ctx.settings.material} has no files (see links.download)`);
  if (links.local.length === 0) return skip('no link may be sent the key (see links.same-origin)');
  return undefined;
}

const sampleNote = (links: LinkSet) => (links.sampled ? ` (the first ${MAX_LINKS} links)` : '');

interface Download {
  exchange: Exchange;
  hops: string[];
}

const downloadsByRun = new WeakMap<CheckContext, Map<string, Promise<Download>>>();

/** GET a link with the key, following redirects (the key goes only where it may), once per run. */
function download(ctx: CheckContext, link: string): Promise<Download> {
  let downloads = downloadsByRun.get(ctx);
  if (!downloads) downloadsByRun.set(ctx, (downloads = new Map<string, Promise<Download>>()));
  let pending = downloads.get(link);
  if (!pending) downloads.set(link, (pending = follow(ctx, link)));
  return pending;
}

async function follow(ctx: CheckContext, link: string): Promise<Download> {
  const hops: string[] = [];
  let url = link;
  for (;;) {
    const auth: Auth = ctx.trusted(url) ? 'key' : 'none';
    const exchange = await ctx.send({ url, auth, bodyLimit: DOWNLOAD_KEEP_BYTES, countTo: DOWNLOAD_READ_CAP });
    const location = exchange.response?.headers.location;
    if (!isRedirect(statusOf(exchange)) || !location || hops.length === MAX_REDIRECTS) return { exchange, hops };
    url = new URL(location, url).href;
    hops.push(url);
  }
}

const extensionOf = (fileName: string) => /\.([A-Za-z0-9]{1,8})$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
const HTML_EXTENSIONS = new Set(['html', 'htm', 'xhtml']);
const JSON_EXTENSIONS = new Set(['json', 'geojson']);

/** The first characters of a body, for messages. */
const opening = (exchange: Exchange) => JSON.stringify((exchange.response?.text ?? '').slice(0, 80).replace(/\s+/g, ' '));

function downloadProblem(document: Document, { exchange, hops }: Download): string | undefined {
  const login = hops.find((hop) => looksLikeLogin(hop));
  if (login) return `redirected to a login page (${login})`;
  const response = exchange.response;
  if (!response) return `no complete answer: ${exchange.error}`;
  if (response.status !== 200) return `answered ${describe(exchange)} instead of 200`;
  if (response.bytes === 0) return 'answered 200 with an empty body';
  if (!response.contentType) return 'answered 200 without a Content-Type';
  const declared = response.headers['content-length'];
  if (response.complete && declared !== undefined && Number(declared) !== response.bytes) {
    return `Content-Length says ${declared} bytes, the body has ${response.bytes}`;
  }
  const extension = extensionOf(document.fileName);
  const head = response.text.slice(0, 512).trimStart().toLowerCase();
  const html =
    /^text\/html|^application\/xhtml/i.test(response.contentType) || head.startsWith('<!doctype html') || head.startsWith('<html');
  if (html && !HTML_EXTENSIONS.has(extension))
    return `an HTML page (${response.contentType}) instead of the file — a login or error page saved as ${document.fileName}: ${opening(exchange)}`;
  const json = /^application\/([\w.-]+\+)?json/i.test(response.contentType);
  if (json && !JSON_EXTENSIONS.has(extension))
    return `a JSON answer (${response.contentType}) instead of the file — an error saved as ${document.fileName}: ${opening(exchange)}`;
  return undefined;
}

/** File signatures ("magic numbers") of common document types, by extension. */
const SIGNATURES: Record<string, { name: string; matches: (bytes: Uint8Array) => boolean }> = {};
const startsWith =
  (...prefixes: number[][]) =>
  (bytes: Uint8Array) =>
    prefixes.some((prefix) => prefix.every((byte, index) => bytes[index] === byte));
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
for (const [extensions, name, matches] of [
  [['pdf'], 'PDF (%PDF-)', startsWith(ascii('%PDF-'))],
  [['png'], 'PNG', startsWith([0x89, ...ascii('PNG\r\n'), 0x1a, 0x0a])],
  [['jpg', 'jpeg'], 'JPEG (FF D8 FF)', startsWith([0xff, 0xd8, 0xff])],
  [['gif'], 'GIF (GIF8)', startsWith(ascii('GIF8'))],
  [['tif', 'tiff'], 'TIFF', startsWith(ascii('II*\0'), ascii('MM\0*'))],
  [['zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', '3mf'], 'ZIP (PK)', startsWith(ascii('PK\x03\x04'), ascii('PK\x05\x06'))],
  [
    ['step', 'stp'],
    'STEP (ISO-10303-21;)',
    (bytes: Uint8Array) => /^(\uFEFF)?\s*ISO-10303-21;/.test(new TextDecoder().decode(bytes.subarray(0, 64))),
  ],
  [['dwg'], 'DWG (AC10)', startsWith(ascii('AC10'))],
] as const) {
  for (const extension of extensions) SIGNATURES[extension] = { name, matches };
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
      const none = nothingToDownload(ctx, links);
      if (none) return none;
      const exchanges = await Promise.all(links.local.map((d) => ctx.send({ url: d.link, auth, bodyLimit: 1024 })));
      const index = exchanges.findIndex((exchange) => !isAuthRejection(statusOf(exchange)));
      const offending = exchanges[index];
      const document = links.local[index];
      if (!offending || !document)
        return pass(`${exchanges.length} link(s)${sampleNote(links)} answer 401 or 403 ${without}`, exchanges[0]);
      return rejectionFailure(document, offending, without);
    },
  };
}

function rejectionFailure(document: Document, offending: Exchange, without: string): Outcome {
  const status = statusOf(offending);
  if (status !== undefined && status >= 200 && status < 300) {
    return fail(
      `${document.fileName} downloads ${without} (${describe(offending)}): anyone who has the link can fetch the file`,
      `${JAKAMO.downloadFailed} never appears — the file downloads as usual, but also for anyone without a valid key`,
      offending,
    );
  }
  const redirect = isRedirect(status)
    ? ` (a redirect${looksLikeLogin(offending.response?.headers.location) ? ' to a login page' : ''})`
    : '';
  return fail(`${document.fileName} ${without}: ${describe(offending)}${redirect} instead of 401 or 403`, JAKAMO.downloadFailed, offending);
}

function nearMissCheck(id: string, severity: Severity): Check {
  return {
    id,
    severity,
    title:
      severity === 'MUST'
        ? 'A download with almost the key (a part of it, another case, one character off, empty) answers 401 or 403'
        : 'A download with the key in the query, as a bearer token, padded or doubled answers 401 or 403',
    why: `${SAME_AUTH_RULE} The link is compared exactly as the listing is (see auth.near-miss-key and auth.key-elsewhere).`,
    dependsOn: ['listing.schema'],
    budgetRequests: 40,
    async run(ctx) {
      const links = await linksOf(ctx);
      const none = nothingToDownload(ctx, links);
      if (none) return none;
      const sample = links.local.slice(0, NEAR_MISS_LINKS);
      const misses = nearMissesOf(ctx, severity);
      const tries = sample.flatMap((document) => misses.map((miss) => ({ document, miss })));
      const exchanges = await Promise.all(
        tries.map(({ document, miss }) => sendNearMiss(ctx, miss, { url: document.link, bodyLimit: 1024 })),
      );
      const index = exchanges.findIndex((exchange) => !isAuthRejection(statusOf(exchange)));
      const offending = exchanges[index];
      const attempt = tries[index];
      if (!offending || !attempt)
        return pass(`${misses.length} near miss(es) of the key on ${sample.length} link(s) all answered 401 or 403`, exchanges[0]);
      return rejectionFailure(attempt.document, offending, `with ${attempt.miss.label}`);
    },
  };
}

/** The downloads of the sampled links, each with its document; a skip when there is nothing to download. */
async function downloads(ctx: CheckContext): Promise<{ links: LinkSet; results: Array<{ document: Document } & Download> } | Outcome> {
  const links = await linksOf(ctx);
  const none = nothingToDownload(ctx, links);
  if (none) return none;
  const results = await Promise.all(links.local.map(async (document) => ({ document, ...(await download(ctx, document.link)) })));
  return { links, results };
}

export const linkChecks: Check[] = [
  {
    id: 'links.same-origin',
    severity: 'MUST',
    title: "Every link is on the base URL's origin (or one declared with --allow-link-origin)",
    why: 'v1 §1: "Links should point to the same base domain as the initial query and have the same authentication method"; v1 §3: Jakamo sends the API key header on GET {link} — to every link, wherever it points. A link on another origin (scheme, host or port) hands the key to another server, or fails.',
    dependsOn: ['listing.schema'],
    async run(ctx) {
      const links = await linksOf(ctx);
      const { exchange } = await ctx.listing();
      const origin = new URL(ctx.settings.baseUrl).origin;
      const allowed = [origin, ...ctx.settings.allowedLinkOrigins].join(', ');
      const foreign = links.documents.filter((d) => !ctx.trusted(d.link));
      if (foreign.length === 0) return pass(`all ${links.documents.length} link(s) are on ${allowed}`, exchange);
      const examples = foreign
        .slice(0, 3)
        .map((d) => d.link)
        .join(', ');
      return fail(
        `${foreign.length} of ${links.documents.length} link(s) are not on ${allowed}: ${examples}. Jakamo sends the API key to every link, so the suite does not download them; if that origin is yours, declare it with --allow-link-origin`,
        `${JAKAMO.downloadFailed} — or, if the other server accepts it, your API key has been sent to it`,
        exchange,
      );
    },
  },
  {
    id: 'links.download',
    severity: 'MUST',
    title: 'Every link downloads with the key: 200 and the whole file, not a page or an error',
    why: `${DOWNLOAD_RULE} A run that downloads nothing has not tested what the user does with the list.`,
    dependsOn: ['listing.schema'],
    budgetRequests: 40,
    async run(ctx) {
      const links = await linksOf(ctx);
      const { exchange: listing } = await ctx.listing();
      if (links.documents.length === 0) {
        return fail(
          `the listing of ${ctx.settings.material} has no files, so no download was tested; ${NO_FILES_HINT}`,
          JAKAMO.noFiles,
          listing,
        );
      }
      if (links.local.length === 0) {
        return fail(
          `no link could be downloaded: all ${links.documents.length} are on other origins (see links.same-origin); ${NO_FILES_HINT}, or declare your file origin with --allow-link-origin`,
          JAKAMO.downloadFailed,
          listing,
        );
      }
      const got = await downloads(ctx);
      if (!('results' in got)) return got;
      for (const result of got.results) {
        const problem = downloadProblem(result.document, result);
        if (problem) return fail(`${result.document.fileName}: ${problem}`, JAKAMO.downloadFailed, result.exchange);
      }
      const redirected = got.results.filter((d) => d.hops.length > 0).length;
      const note = redirected > 0 ? `, ${redirected} through a redirect` : '';
      const bytes = got.results.reduce((sum, d) => sum + (d.exchange.response?.bytes ?? 0), 0);
      return pass(
        `${got.results.length} link(s)${sampleNote(links)} download whole with the key (${bytes} bytes${note})`,
        got.results[0]?.exchange,
      );
    },
  },
  {
    id: 'links.file-signature',
    severity: 'SHOULD',
    title: 'A download starts as its file name says (PDF, PNG, JPEG, ZIP, STEP …)',
    why: `${DOWNLOAD_RULE} The user opens the file by its listed name: a drawing.pdf that is not a PDF does not open.`,
    dependsOn: ['links.download'],
    async run(ctx) {
      const got = await downloads(ctx);
      if (!('results' in got)) return got;
      let checked = 0;
      for (const { document, exchange } of got.results) {
        const signature = SIGNATURES[extensionOf(document.fileName)];
        const body = exchange.response?.body;
        if (!signature || !body) continue;
        checked++;
        if (!signature.matches(body)) {
          return fail(
            `${document.fileName} does not start as ${signature.name} does: ${opening(exchange)}`,
            `The file downloads, but does not open as ${document.fileName}`,
            exchange,
          );
        }
      }
      return pass(
        checked === 0
          ? 'no listed file has an extension with a known signature'
          : `${checked} file(s) start with the signature of their extension`,
        got.results[0]?.exchange,
      );
    },
  },
  {
    id: 'links.content-disposition',
    severity: 'SHOULD',
    title: "A download's Content-Disposition names the listed file",
    why: `${DOWNLOAD_RULE} RFC 6266: a Content-Disposition filename is what a client saves the file as; one that does not parse, or names another file, saves the user's download under the wrong name.`,
    dependsOn: ['links.download'],
    async run(ctx) {
      const got = await downloads(ctx);
      if (!('results' in got)) return got;
      let named = 0;
      for (const { document, exchange } of got.results) {
        const header = exchange.response?.headers['content-disposition'];
        if (header === undefined) continue;
        let filename: string | undefined;
        try {
          filename = parseContentDisposition(header).parameters.filename;
        } catch (error) {
          return fail(
            `${document.fileName}: Content-Disposition ${JSON.stringify(header)} does not parse (${(error as Error).message})`,
            `The file may be saved under another name than ${document.fileName}`,
            exchange,
          );
        }
        if (filename !== undefined && filename !== document.fileName) {
          return fail(
            `${document.fileName}: Content-Disposition names ${JSON.stringify(filename)}, not the listed ${JSON.stringify(document.fileName)}`,
            `The file is saved as ${filename} instead of ${document.fileName}`,
            exchange,
          );
        }
        named++;
      }
      return pass(
        named === 0 ? 'no download has a Content-Disposition (the listed name is used)' : `${named} download(s) name the listed file`,
        got.results[0]?.exchange,
      );
    },
  },
  rejectionCheck('links.download-missing-key', 'none', 'without the API key'),
  rejectionCheck('links.download-wrong-key', 'wrong-key', 'with a wrong API key'),
  nearMissCheck('links.download-near-miss-key', 'MUST'),
  nearMissCheck('links.download-key-elsewhere', 'SHOULD'),
];
