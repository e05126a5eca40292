/**
 * Who may do what with supplier documents (`--v2`): every verb and path — the query, POST, PUT, DELETE, the document
 * path and the listed link — refuses a missing, wrong or almost-right key with 401 and changes nothing; what one
 * supplier stores is never listed, downloaded, replaced or deleted under another supplier id.
 */
import { randomBytes } from 'node:crypto';
import type { CheckContext } from '../context.js';
import type { Exchange, ExchangeRequest } from '../http.js';
import { describe, failUnseen, nearMissesOf, pass, sendNearMiss, skip, statusOf, type Check } from './support.js';
import {
  collectionUrl,
  documentUrl,
  errorAnswerProblem,
  isNamed,
  keptNote,
  listedData,
  markerFor,
  removeMarked,
  sendUpload,
  sent,
  serverFailure,
  upload,
  V2_RULES,
  v2Settings,
} from './v2-support.js';

interface Fixture {
  fileName: string;
  contents: Uint8Array;
  /** The link the listing gives for it (may differ from the document path). */
  link?: string;
}

/** Creates a document with the key to test against, or says why it could not. */
async function createFixture(ctx: CheckContext, fileName: string, supplier?: string): Promise<Fixture | Exchange> {
  const contents = randomBytes(256);
  const created = await sendUpload(ctx, 'POST', upload(fileName, contents), undefined, supplier);
  if (statusOf(created) !== 201) return created;
  const listing = await ctx.send({ url: collectionUrl(ctx, supplier), auth: 'key' });
  const entry = listedData(listing)?.find(isNamed(fileName));
  const link = (entry as { link?: unknown } | undefined)?.link;
  return { fileName, contents, ...(typeof link === 'string' && ctx.trusted(link) ? { link } : {}) };
}

/** The document's download with the key, to compare before and after (so a download's own fidelity, v2.cycle's business, does not count). */
function snapshot(ctx: CheckContext, fixture: Fixture): Promise<Exchange> {
  return ctx.send({ url: documentUrl(ctx, fixture.fileName), auth: 'key', bodyLimit: fixture.contents.byteLength * 4 + 1 });
}

/** The later download when it differs from the earlier one (status or bytes), else undefined. */
function changed(before: Exchange, after: Exchange): Exchange | undefined {
  const same =
    statusOf(before) === statusOf(after) && Buffer.from(before.response?.body ?? []).equals(Buffer.from(after.response?.body ?? []));
  return same ? undefined : after;
}

type Credentials = { label: string; send: (request: Omit<ExchangeRequest, 'auth' | 'headers'>) => Promise<Exchange> };

const noKeyCheck: Check = {
  id: 'v2.no-key',
  severity: 'MUST',
  title: 'Every verb and path without the key, with a wrong one or almost the key answers 401 and changes nothing',
  why: `${V2_RULES.auth} ${V2_RULES.errors} "All requests" means the query, POST, PUT, DELETE and the download alike; almost the key (a part of it, another case, one character off, empty) is a wrong key.`,
  budgetRequests: 80,
  async run(ctx) {
    const marker = markerFor(ctx, 'nokey');
    const fixture = await createFixture(ctx, `${marker}kept.txt`);
    if (!('contents' in fixture)) {
      const cleanUp = await removeMarked(ctx, marker);
      return skip(`not run: creating the document to test with answered ${describe(fixture)} (see v2.cycle)${keptNote(cleanUp)}`, fixture);
    }
    const credentials: Credentials[] = [
      { label: 'without the key', send: (request) => ctx.send({ ...request, auth: 'none' }) },
      { label: 'with a wrong key', send: (request) => ctx.send({ ...request, auth: 'wrong-key' }) },
      ...nearMissesOf(ctx, 'MUST').map((miss) => ({
        label: `with ${miss.label}`,
        send: (request: Omit<ExchangeRequest, 'auth' | 'headers'>) => sendNearMiss(ctx, miss, request),
      })),
    ];
    const replacement = JSON.stringify(upload(fixture.fileName, randomBytes(64)));
    // The listed link, when it is not the document path itself (e.g. an opaque download URL), is tried too.
    const separateLink = fixture.link !== undefined && fixture.link !== documentUrl(ctx, fixture.fileName) ? fixture.link : undefined;
    const attempts = credentials.flatMap(({ label, send }, index) => [
      { what: `the query ${label}`, send: () => send({ url: collectionUrl(ctx) }) },
      {
        what: `a POST ${label}`,
        send: () =>
          send({ url: collectionUrl(ctx), method: 'POST', body: JSON.stringify(upload(`${marker}posted-${index}.txt`, randomBytes(64))) }),
      },
      { what: `a PUT ${label}`, send: () => send({ url: collectionUrl(ctx), method: 'PUT', body: replacement }) },
      { what: `a DELETE ${label}`, send: () => send({ url: documentUrl(ctx, fixture.fileName), method: 'DELETE' }) },
      { what: `a download ${label}`, send: () => send({ url: documentUrl(ctx, fixture.fileName), bodyLimit: 1024 }) },
      ...(separateLink ? [{ what: `the listed link ${label}`, send: () => send({ url: separateLink, bodyLimit: 1024 }) }] : []),
    ]);
    const before = await snapshot(ctx, fixture);
    const answers = await Promise.all(attempts.map(async ({ what, send }) => ({ what, exchange: await send() })));
    const altered = changed(before, await snapshot(ctx, fixture));
    const cleanUp = await removeMarked(ctx, marker);
    const note = keptNote(cleanUp);
    for (const { what, exchange } of answers) {
      const problem = errorAnswerProblem(ctx, exchange, 401);
      if (problem) {
        const leaked = statusOf(exchange) === 200 && /download|link/.test(what) ? ': anyone who has the link can fetch the document' : '';
        return failUnseen(`${what} (${sent(exchange)}): ${problem}${leaked}${note}`, exchange);
      }
    }
    if (altered)
      return failUnseen(
        `every unauthenticated request answered 401, but the document changed or disappeared: ${describe(altered)}${note}`,
        altered,
      );
    const stored = cleanUp.found.filter((name) => name !== fixture.fileName);
    if (stored.length > 0)
      return failUnseen(
        `a POST answered 401 but stored ${stored.map((name) => JSON.stringify(name)).join(', ')}${note}`,
        answers[1]?.exchange,
      );
    return pass(
      `${answers.length} requests (query, POST, PUT, DELETE, download${separateLink ? ', listed link' : ''}; ${credentials.length} kinds of wrong credentials) answered 401 with the error object; nothing changed`,
      answers[0]?.exchange,
    );
  },
};

const isolationCheck: Check = {
  id: 'v2.supplier-isolation',
  severity: 'MUST',
  title: "A supplier's document is never listed, downloaded, replaced or deleted under another supplier id",
  why: `${V2_RULES.paths} v2, Create supplier document: "Create a new document that is linked to the given supplier"; supplier-id is "Id of the supplier that the file is related to". A document reached under another supplier id is shown to, or changed by, the wrong supplier.`,
  budgetRequests: 20,
  async run(ctx) {
    const marker = markerFor(ctx, 'isolation');
    const other = `JKCHECK-${randomBytes(6).toString('hex')}-OTHER`;
    const fixture = await createFixture(ctx, `${marker}private.txt`);
    if (!('contents' in fixture)) {
      const cleanUp = await removeMarked(ctx, marker);
      return skip(`not run: creating the document to test with answered ${describe(fixture)} (see v2.cycle)${keptNote(cleanUp)}`, fixture);
    }
    const finish = async () => {
      const [own, foreign] = await Promise.all([removeMarked(ctx, marker), removeMarked(ctx, marker, other)]);
      return keptNote({ found: [...own.found, ...foreign.found], kept: [...own.kept, ...foreign.kept] });
    };
    const before = await snapshot(ctx, fixture);
    const listing = await ctx.send({ url: collectionUrl(ctx, other), auth: 'key' });
    const listed = serverFailure(ctx, listing) === undefined && statusOf(listing) === 200 ? listedData(listing) : undefined;
    if (listed?.some(isNamed(fixture.fileName))) {
      return failUnseen(
        `the query of supplier ${other} lists ${JSON.stringify(fixture.fileName)}, stored under supplier ${v2Settings(ctx).supplier}${await finish()}`,
        listing,
      );
    }
    const download = await ctx.send({ url: documentUrl(ctx, fixture.fileName, other), auth: 'key', bodyLimit: 1024 });
    const downloadProblem = errorAnswerProblem(ctx, download, 404);
    if (downloadProblem)
      return failUnseen(`downloading the document under supplier ${other}: ${downloadProblem}${await finish()}`, download);
    const replace = await sendUpload(ctx, 'PUT', upload(fixture.fileName, randomBytes(64)), undefined, other);
    const replaceProblem = errorAnswerProblem(ctx, replace, 404);
    const afterReplace = changed(before, await snapshot(ctx, fixture));
    if (afterReplace)
      return failUnseen(
        `a PUT under supplier ${other} (${describe(replace)}) changed the other supplier's document${await finish()}`,
        replace,
      );
    if (replaceProblem) return failUnseen(`replacing the document under supplier ${other}: ${replaceProblem}${await finish()}`, replace);
    const removal = await ctx.send({ url: documentUrl(ctx, fixture.fileName, other), auth: 'key', method: 'DELETE' });
    const removalProblem = errorAnswerProblem(ctx, removal, 404);
    const afterDelete = changed(before, await snapshot(ctx, fixture));
    if (afterDelete)
      return failUnseen(
        `a DELETE under supplier ${other} (${describe(removal)}) removed or changed the other supplier's document${await finish()}`,
        removal,
      );
    if (removalProblem) return failUnseen(`deleting the document under supplier ${other}: ${removalProblem}${await finish()}`, removal);
    const note = await finish();
    return pass(
      `under supplier ${other} the document is not listed; download, PUT and DELETE answered 404 and left it as it was${note}`,
      download,
    );
  },
};

export const v2AccessChecks: Check[] = [noKeyCheck, isolationCheck];
